//! SSE-C (server-side encryption with customer-provided keys) as OBS spells it: the three
//! request headers `x-obs-server-side-encryption-customer-{algorithm,key,key-MD5}` are
//! validated together, and an object's stored key MD5 is checked against the key a
//! request brings. Errors carry the OBS code, status and message to answer with.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use md5::{Digest, Md5};

pub const ALGORITHM_HEADER: &str = "x-obs-server-side-encryption-customer-algorithm";
pub const KEY_HEADER: &str = "x-obs-server-side-encryption-customer-key";
pub const KEY_MD5_HEADER: &str = "x-obs-server-side-encryption-customer-key-MD5";
/// The only algorithm OBS (and R2) accept.
pub const AES256: &str = "AES256";
/// AES-256 key length in bytes.
pub const KEY_LEN: usize = 32;
/// MD5 digest length in bytes.
const MD5_LEN: usize = 16;

/// A validated customer key.
#[derive(Clone, PartialEq, Eq)]
pub struct SseC {
    pub key: [u8; KEY_LEN],
    pub key_md5: [u8; MD5_LEN],
}

impl std::fmt::Debug for SseC {
    // Never print the key itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SseC {{ key_md5: {} }}", self.key_md5_b64())
    }
}

impl SseC {
    /// The key as R2's `ssecKey` string wants it: 64 lower-case hex digits.
    pub fn key_hex(&self) -> String {
        self.key.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `x-obs-server-side-encryption-customer-key-MD5` of an answer.
    pub fn key_md5_b64(&self) -> String {
        B64.encode(self.key_md5)
    }

    /// The response headers OBS sends for an object read with this key.
    pub fn response_headers(&self) -> Vec<(String, String)> {
        vec![
            (ALGORITHM_HEADER.into(), AES256.into()),
            (KEY_MD5_HEADER.into(), self.key_md5_b64()),
        ]
    }
}

/// Why an SSE-C request cannot be served: OBS error code, HTTP status, message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsecError {
    pub status: u16,
    pub code: &'static str,
    pub message: &'static str,
}

const fn err(status: u16, code: &'static str, message: &'static str) -> SsecError {
    SsecError {
        status,
        code,
        message,
    }
}

pub const MISSING_ALGORITHM: SsecError = err(
    400,
    "InvalidArgument",
    "Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.",
);
pub const MISSING_KEY: SsecError = err(
    400,
    "InvalidArgument",
    "Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.",
);
pub const MISSING_KEY_MD5: SsecError = err(
    400,
    "InvalidArgument",
    "Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.",
);
pub const BAD_ALGORITHM: SsecError = err(
    400,
    "InvalidEncryptionAlgorithmError",
    "The encryption request you specified is not valid. The valid value is AES256.",
);
pub const BAD_KEY: SsecError = err(
    400,
    "InvalidArgument",
    "The secret key was invalid for the specified algorithm.",
);
pub const MD5_MISMATCH: SsecError = err(
    400,
    "InvalidArgument",
    "The calculated MD5 hash of the key did not match the hash that was provided.",
);
/// The object is SSE-C encrypted and the request brings no key.
pub const KEY_REQUIRED: SsecError = err(
    400,
    "InvalidRequest",
    "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
);
/// The request's key is not the one the object was stored with.
pub const WRONG_KEY: SsecError = err(
    403,
    "AccessDenied",
    "The provided encryption parameters did not match the ones used originally.",
);

/// Validates the three SSE-C request headers. None present: `Ok(None)`. All present and
/// consistent: the key. Anything else (a partial set, another algorithm, a key that is
/// not base64 of 32 bytes, an MD5 that is not the key's): the error to answer.
pub fn from_headers(
    algorithm: Option<&str>,
    key: Option<&str>,
    key_md5: Option<&str>,
) -> Result<Option<SseC>, SsecError> {
    if algorithm.is_none() && key.is_none() && key_md5.is_none() {
        return Ok(None);
    }
    let algorithm = algorithm.map(str::trim).ok_or(MISSING_ALGORITHM)?;
    if algorithm != AES256 {
        return Err(BAD_ALGORITHM);
    }
    let key = key.map(str::trim).ok_or(MISSING_KEY)?;
    let key_md5 = key_md5.map(str::trim).ok_or(MISSING_KEY_MD5)?;
    let raw = B64.decode(key).map_err(|_| BAD_KEY)?;
    let key: [u8; KEY_LEN] = raw.as_slice().try_into().map_err(|_| BAD_KEY)?;
    let given: [u8; MD5_LEN] = B64
        .decode(key_md5)
        .ok()
        .and_then(|v| v.as_slice().try_into().ok())
        .ok_or(MD5_MISMATCH)?;
    let actual: [u8; MD5_LEN] = Md5::digest(key).into();
    if given != actual {
        return Err(MD5_MISMATCH);
    }
    Ok(Some(SseC {
        key,
        key_md5: actual,
    }))
}

/// Decodes a stored key MD5 as a source reports it: 32 hex digits or base64 of 16 bytes.
pub fn decode_md5(s: &str) -> Option<[u8; MD5_LEN]> {
    let s = s.trim();
    if s.len() == 2 * MD5_LEN && s.bytes().all(|c| c.is_ascii_hexdigit()) {
        let mut out = [0u8; MD5_LEN];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        return Some(out);
    }
    B64.decode(s)
        .ok()
        .and_then(|v| v.as_slice().try_into().ok())
}

/// Checks a request's key against the object's stored key MD5 (`None`: the object is not
/// SSE-C encrypted). An encrypted object needs the key it was stored with; for an object
/// that is not encrypted the key is not needed and is passed on (the store decides).
/// A stored MD5 that cannot be decoded is treated as a mismatch: never serve then.
pub fn check(stored_md5: Option<&str>, given: Option<&SseC>) -> Result<(), SsecError> {
    match (stored_md5.filter(|s| !s.trim().is_empty()), given) {
        (None, _) => Ok(()),
        (Some(_), None) => Err(KEY_REQUIRED),
        (Some(s), Some(k)) => match decode_md5(s) {
            Some(m) if m == k.key_md5 => Ok(()),
            _ => Err(WRONG_KEY),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example key of OBS's documentation and its MD5.
    const KEY: &str = "K7QkYpBkM5+hca27fsNkUnNVaobncnLht/rCB2o/9Cw=";

    fn md5_of(key_b64: &str) -> String {
        B64.encode(Md5::digest(B64.decode(key_b64).unwrap()))
    }

    #[test]
    fn none_is_none() {
        assert_eq!(from_headers(None, None, None), Ok(None));
    }

    #[test]
    fn valid_set() {
        let md5 = md5_of(KEY);
        let k = from_headers(Some("AES256"), Some(KEY), Some(&md5))
            .unwrap()
            .unwrap();
        assert_eq!(k.key_md5_b64(), md5);
        assert_eq!(k.key_hex().len(), 64);
        assert!(k
            .key_hex()
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        assert_eq!(B64.encode(k.key), KEY);
        assert!(
            !format!("{k:?}").contains(KEY),
            "Debug must not print the key"
        );
    }

    #[test]
    fn partial_sets() {
        let md5 = md5_of(KEY);
        assert_eq!(
            from_headers(None, Some(KEY), Some(&md5)),
            Err(MISSING_ALGORITHM)
        );
        assert_eq!(
            from_headers(Some("AES256"), None, Some(&md5)),
            Err(MISSING_KEY)
        );
        assert_eq!(
            from_headers(Some("AES256"), Some(KEY), None),
            Err(MISSING_KEY_MD5)
        );
        assert_eq!(from_headers(None, None, Some(&md5)), Err(MISSING_ALGORITHM));
    }

    #[test]
    fn bad_values() {
        let md5 = md5_of(KEY);
        assert_eq!(
            from_headers(Some("aws:kms"), Some(KEY), Some(&md5)),
            Err(BAD_ALGORITHM)
        );
        assert_eq!(
            from_headers(Some("aes256"), Some(KEY), Some(&md5)),
            Err(BAD_ALGORITHM)
        );
        assert_eq!(
            from_headers(Some("AES256"), Some("not base64!"), Some(&md5)),
            Err(BAD_KEY)
        );
        let short = B64.encode([7u8; 16]);
        assert_eq!(
            from_headers(Some("AES256"), Some(&short), Some(&md5_of(&short))),
            Err(BAD_KEY)
        );
        let other = B64.encode([1u8; 32]);
        assert_eq!(
            from_headers(Some("AES256"), Some(&other), Some(&md5)),
            Err(MD5_MISMATCH)
        );
        assert_eq!(
            from_headers(Some("AES256"), Some(KEY), Some("zz")),
            Err(MD5_MISMATCH)
        );
    }

    #[test]
    fn stored_md5_check() {
        let md5 = md5_of(KEY);
        let k = from_headers(Some("AES256"), Some(KEY), Some(&md5))
            .unwrap()
            .unwrap();
        let hex: String = k.key_md5.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(check(None, None), Ok(()));
        assert_eq!(check(None, Some(&k)), Ok(()));
        assert_eq!(check(Some(&md5), None), Err(KEY_REQUIRED));
        assert_eq!(check(Some(&md5), Some(&k)), Ok(()));
        assert_eq!(check(Some(&hex), Some(&k)), Ok(()));
        assert_eq!(check(Some(&hex.to_uppercase()), Some(&k)), Ok(()));
        let other = md5_of(&B64.encode([1u8; 32]));
        assert_eq!(check(Some(&other), Some(&k)), Err(WRONG_KEY));
        assert_eq!(check(Some("garbage"), Some(&k)), Err(WRONG_KEY));
        assert_eq!(
            check(Some(""), None),
            Ok(()),
            "an empty stored MD5 means no SSE-C"
        );
    }
}
