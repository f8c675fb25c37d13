//! The one error type of the core. Each dialect renderer maps it to its vendor's codes
//! and HTTP statuses; nothing here knows about HTTP.

use std::fmt;

/// Everything that can stop an info request, from the request itself to the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The request names an operation we do not understand or cannot combine.
    BadRequest(String),
    /// The object does not exist in the bucket nor at the origin.
    NotFound,
    /// The bytes are not an image of any supported format; says what was found.
    Unsupported(String),
    /// A recognised format whose header is cut short by the end of the object.
    Truncated { format: &'static str, what: String },
    /// A recognised format whose header is impossible (zero size, lying lengths, loops).
    Invalid { format: &'static str, what: String },
    /// Reading further would exceed the configured byte or read budget.
    Budget { limit: u64 },
    /// The origin answered something we cannot use (5xx, wrong range, short body).
    Upstream(String),
    /// The origin did not answer in time.
    Timeout(String),
    /// The object changed between two ranged reads.
    Changed,
    /// The request lacks a permission.
    AccessDenied(String),
    /// No EXIF in an image for a route that requires it.
    NoExif,
    /// The image is past a processing limit (file bytes or pixels) of a route that
    /// decodes pixels (average colour); says which limit.
    TooLarge(String),
    /// A recognised image whose pixels this service cannot decode (HEVC/AV1 without an
    /// EXIF thumbnail, arithmetic-coded JPEG, …); says why.
    NoDecoder(String),
    /// Access control refused the request (private bucket): signature, expiry, key
    /// prefixes or method. Each dialect writes it with its vendor's own code.
    Denied(crate::auth::Denied),
}

impl Error {
    pub fn truncated(format: &'static str, what: impl Into<String>) -> Self {
        Error::Truncated {
            format,
            what: what.into(),
        }
    }
    pub fn invalid(format: &'static str, what: impl Into<String>) -> Self {
        Error::Invalid {
            format,
            what: what.into(),
        }
    }
    /// True for errors that come from the image bytes (the caller sent a bad file).
    pub fn is_bad_image(&self) -> bool {
        matches!(
            self,
            Error::Unsupported(_) | Error::Truncated { .. } | Error::Invalid { .. }
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadRequest(m) => write!(f, "bad request: {m}"),
            Error::NotFound => write!(f, "the specified key does not exist"),
            Error::Unsupported(found) => {
                write!(
                    f,
                    "the object is not an image of a supported format: {found}"
                )
            }
            Error::Truncated { format, what } => write!(f, "{format} file is truncated: {what}"),
            Error::Invalid { format, what } => write!(f, "{format} header is invalid: {what}"),
            Error::Budget { limit } => write!(
                f,
                "image header not found within the read budget of {limit} bytes"
            ),
            Error::Upstream(m) => write!(f, "origin error: {m}"),
            Error::Timeout(m) => write!(f, "origin timed out: {m}"),
            Error::Changed => write!(f, "the object changed while it was being read"),
            Error::AccessDenied(m) => write!(f, "access denied: {m}"),
            Error::NoExif => write!(f, "the image has no EXIF data"),
            Error::TooLarge(m) => write!(f, "the image exceeds a processing limit: {m}"),
            Error::NoDecoder(m) => write!(f, "the image's pixels cannot be decoded here: {m}"),
            Error::Denied(d) => write!(f, "{d}"),
        }
    }
}

impl std::error::Error for Error {}
