//! HTTP preconditions (RFC 9110 §13): `If-Match`, `If-None-Match`, `If-Modified-Since`,
//! `If-Unmodified-Since` and `If-Range`, evaluated against an object's ETag and
//! modification time in exactly the order §13.2.2 prescribes, for `GET` and `HEAD`.
//! Also the translation of those headers into an R2 `onlyIf` condition that withholds
//! the body in the same cases (the glue still decides with [`evaluate`]).

use crate::object::parse_http_date;

/// The precondition headers of a request, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preconditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<String>,
    pub if_unmodified_since: Option<String>,
    pub if_range: Option<String>,
}

/// What the preconditions decide for a `GET` or `HEAD` of an existing object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Perform the request (200, or 206 when a Range applies).
    Proceed,
    /// `304 Not Modified`.
    NotModified,
    /// `412 Precondition Failed`.
    PreconditionFailed,
}

/// One member of an `If-Match` / `If-None-Match` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EtagItem {
    Any,
    Tag { weak: bool, opaque: String },
}

/// Parses an entity-tag list (`"a", W/"b"` or `*`). Members that are not well-formed
/// entity tags are skipped; a header with no well-formed member is `None`, which
/// RFC 9110 treats as a condition that matches nothing (If-Match) / everything
/// (If-None-Match) — callers see an empty list.
pub fn parse_etag_list(v: &str) -> Vec<EtagItem> {
    let t = v.trim();
    if t == "*" {
        return vec![EtagItem::Any];
    }
    let mut out = Vec::new();
    let mut rest = t;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            break;
        }
        let (weak, r) = match rest.strip_prefix("W/") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let Some(r) = r.strip_prefix('"') else {
            // Not an entity tag: skip to the next comma.
            rest = r.split_once(',').map(|(_, b)| b).unwrap_or("");
            continue;
        };
        let Some(end) = r.find('"') else { break };
        out.push(EtagItem::Tag {
            weak,
            opaque: r[..end].to_string(),
        });
        rest = &r[end + 1..];
    }
    out
}

/// Strong comparison (§8.8.3.2): both strong and the same opaque tag.
fn strong_match(list: &[EtagItem], etag: &str) -> bool {
    list.iter().any(|i| match i {
        EtagItem::Any => true,
        EtagItem::Tag { weak, opaque } => !weak && opaque == etag,
    })
}

/// Weak comparison: the opaque tags are the same, weakness ignored.
fn weak_match(list: &[EtagItem], etag: &str) -> bool {
    list.iter().any(|i| match i {
        EtagItem::Any => true,
        EtagItem::Tag { opaque, .. } => opaque == etag,
    })
}

/// Whole seconds of an epoch-milliseconds time: HTTP dates have one-second resolution,
/// so a stored time of 12:00:00.700 is "not modified since" 12:00:00.
fn secs(ms: f64) -> i64 {
    (ms / 1000.0).floor() as i64
}

fn date_secs(v: &str) -> Option<i64> {
    parse_http_date(v).map(secs)
}

/// Evaluates the preconditions of a `GET`/`HEAD` for an object that exists, with its
/// ETag (unquoted) and modification time. RFC 9110 §13.2.2:
/// 1. If-Match false → 412;
/// 2. else (no If-Match) If-Unmodified-Since false → 412;
/// 3. If-None-Match false → 304 (GET/HEAD);
/// 4. else (no If-None-Match) If-Modified-Since false → 304.
///
/// A date that does not parse is ignored, as are the date conditions when the object
/// has no modification time.
pub fn evaluate(p: &Preconditions, etag: Option<&str>, last_modified_ms: Option<f64>) -> Outcome {
    let lm = last_modified_ms.filter(|t| t.is_finite()).map(secs);
    if let Some(v) = &p.if_match {
        let list = parse_etag_list(v);
        let ok = match etag {
            Some(e) => strong_match(&list, e),
            // No current ETag: only `*` (the representation exists) matches.
            None => list.contains(&EtagItem::Any),
        };
        if !ok {
            return Outcome::PreconditionFailed;
        }
    } else if let (Some(v), Some(lm)) = (&p.if_unmodified_since, lm) {
        if let Some(d) = date_secs(v) {
            if lm > d {
                return Outcome::PreconditionFailed;
            }
        }
    }
    if let Some(v) = &p.if_none_match {
        let list = parse_etag_list(v);
        let matched = match etag {
            Some(e) => weak_match(&list, e),
            None => list.contains(&EtagItem::Any),
        };
        if matched {
            return Outcome::NotModified;
        }
    } else if let (Some(v), Some(lm)) = (&p.if_modified_since, lm) {
        if let Some(d) = date_secs(v) {
            if lm <= d {
                return Outcome::NotModified;
            }
        }
    }
    Outcome::Proceed
}

/// `If-Range` (§13.1.5): true when the Range header may be honoured. An entity tag must
/// match strongly; a date must be exactly the modification time (and is then taken as
/// a strong validator, as an object store's stored time is).
pub fn range_applies(
    if_range: Option<&str>,
    etag: Option<&str>,
    last_modified_ms: Option<f64>,
) -> bool {
    let Some(v) = if_range.map(str::trim) else {
        return true;
    };
    if v.starts_with('"') || v.starts_with("W/") {
        let list = parse_etag_list(v);
        return match (list.as_slice(), etag) {
            (
                [EtagItem::Tag {
                    weak: false,
                    opaque,
                }],
                Some(e),
            ) => opaque == e,
            _ => false,
        };
    }
    match (date_secs(v), last_modified_ms.filter(|t| t.is_finite())) {
        (Some(d), Some(lm)) => secs(lm) == d,
        _ => false,
    }
}

/// An R2 `onlyIf` condition (`R2Conditional`): dates in epoch milliseconds, compared
/// with `secondsGranularity`. The binding takes one bare tag (or `*`) per field, not a
/// list, so only single-tag headers are translated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct R2Conditional {
    pub etag_matches: Option<R2Etag>,
    pub etag_does_not_match: Option<R2Etag>,
    pub uploaded_before_ms: Option<f64>,
    pub uploaded_after_ms: Option<f64>,
}

/// One entity tag for R2: `*` or a bare (unquoted) tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum R2Etag {
    Wildcard,
    Tag(String),
}

impl R2Etag {
    /// The string the binding takes.
    pub fn as_r2(&self) -> &str {
        match self {
            R2Etag::Wildcard => "*",
            R2Etag::Tag(t) => t,
        }
    }
}

impl R2Conditional {
    pub fn is_empty(&self) -> bool {
        *self == R2Conditional::default()
    }
}

/// The header's single member, when it has exactly one; `weak_ok`: a weak tag may stand
/// for its opaque value (If-None-Match compares weakly; If-Match never matches one).
fn single(v: &str, weak_ok: bool) -> Option<R2Etag> {
    match parse_etag_list(v).as_slice() {
        [EtagItem::Any] => Some(R2Etag::Wildcard),
        [EtagItem::Tag { weak, opaque }] if (weak_ok || !weak) && !opaque.is_empty() => {
            Some(R2Etag::Tag(opaque.clone()))
        }
        _ => None,
    }
}

/// The R2 condition that holds exactly when [`evaluate`] says `Proceed`, as far as R2 can
/// say it (R2 compares `uploaded < uploadedBefore` strictly, so "unmodified since D" is
/// sent as `uploadedBefore = D + 1 s`). Tag lists, weak If-Match tags and headers that
/// would be ignored are left out; [`evaluate`] decides those (and everything, finally).
pub fn r2_conditional(p: &Preconditions) -> R2Conditional {
    let mut c = R2Conditional::default();
    if let Some(v) = &p.if_match {
        c.etag_matches = single(v, false);
    } else if let Some(d) = p.if_unmodified_since.as_deref().and_then(parse_http_date) {
        c.uploaded_before_ms = Some(d + 1000.0);
    }
    if let Some(v) = &p.if_none_match {
        c.etag_does_not_match = single(v, true);
    } else if let Some(d) = p.if_modified_since.as_deref().and_then(parse_http_date) {
        c.uploaded_after_ms = Some(d);
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    const LM: f64 = 784_887_151_000.0; // Tue, 15 Nov 1994 08:12:31 GMT
    const LM_S: &str = "Tue, 15 Nov 1994 08:12:31 GMT";
    const BEFORE: &str = "Tue, 15 Nov 1994 08:12:30 GMT";
    const AFTER: &str = "Tue, 15 Nov 1994 08:12:32 GMT";

    fn p() -> Preconditions {
        Preconditions::default()
    }

    fn ev(p: &Preconditions) -> Outcome {
        evaluate(p, Some("abc"), Some(LM + 700.0))
    }

    #[test]
    fn etag_lists() {
        assert_eq!(parse_etag_list("*"), vec![EtagItem::Any]);
        assert_eq!(
            parse_etag_list(r#""a", W/"b",junk, "c""#),
            vec![
                EtagItem::Tag {
                    weak: false,
                    opaque: "a".into()
                },
                EtagItem::Tag {
                    weak: true,
                    opaque: "b".into()
                },
                EtagItem::Tag {
                    weak: false,
                    opaque: "c".into()
                },
            ]
        );
        assert!(parse_etag_list("abc").is_empty());
        assert!(parse_etag_list("\"unterminated").is_empty());
    }

    #[test]
    fn if_match() {
        assert_eq!(
            ev(&Preconditions {
                if_match: Some("\"abc\"".into()),
                ..p()
            }),
            Outcome::Proceed
        );
        assert_eq!(
            ev(&Preconditions {
                if_match: Some("\"x\", \"abc\"".into()),
                ..p()
            }),
            Outcome::Proceed
        );
        assert_eq!(
            ev(&Preconditions {
                if_match: Some("*".into()),
                ..p()
            }),
            Outcome::Proceed
        );
        assert_eq!(
            ev(&Preconditions {
                if_match: Some("\"x\"".into()),
                ..p()
            }),
            Outcome::PreconditionFailed
        );
        // Strong comparison: a weak tag never matches.
        assert_eq!(
            ev(&Preconditions {
                if_match: Some("W/\"abc\"".into()),
                ..p()
            }),
            Outcome::PreconditionFailed
        );
        // If-Match wins over If-Unmodified-Since, which is then ignored.
        let both = Preconditions {
            if_match: Some("\"abc\"".into()),
            if_unmodified_since: Some(BEFORE.into()),
            ..p()
        };
        assert_eq!(ev(&both), Outcome::Proceed);
    }

    #[test]
    fn if_unmodified_since() {
        let at = |d: &str| {
            ev(&Preconditions {
                if_unmodified_since: Some(d.into()),
                ..p()
            })
        };
        assert_eq!(
            at(LM_S),
            Outcome::Proceed,
            "equal (sub-second part ignored)"
        );
        assert_eq!(at(AFTER), Outcome::Proceed);
        assert_eq!(at(BEFORE), Outcome::PreconditionFailed);
        assert_eq!(
            at("not a date"),
            Outcome::Proceed,
            "an invalid date is ignored"
        );
        // No modification time: ignored.
        let none = evaluate(
            &Preconditions {
                if_unmodified_since: Some(BEFORE.into()),
                ..p()
            },
            Some("abc"),
            None,
        );
        assert_eq!(none, Outcome::Proceed);
    }

    #[test]
    fn if_none_match() {
        assert_eq!(
            ev(&Preconditions {
                if_none_match: Some("\"abc\"".into()),
                ..p()
            }),
            Outcome::NotModified
        );
        // Weak comparison: W/"abc" matches "abc".
        assert_eq!(
            ev(&Preconditions {
                if_none_match: Some("W/\"abc\"".into()),
                ..p()
            }),
            Outcome::NotModified
        );
        assert_eq!(
            ev(&Preconditions {
                if_none_match: Some("*".into()),
                ..p()
            }),
            Outcome::NotModified
        );
        assert_eq!(
            ev(&Preconditions {
                if_none_match: Some("\"x\"".into()),
                ..p()
            }),
            Outcome::Proceed
        );
        // If-None-Match present: If-Modified-Since is ignored, even when it would say 304.
        let both = Preconditions {
            if_none_match: Some("\"x\"".into()),
            if_modified_since: Some(AFTER.into()),
            ..p()
        };
        assert_eq!(ev(&both), Outcome::Proceed);
    }

    #[test]
    fn if_modified_since() {
        let at = |d: &str| {
            ev(&Preconditions {
                if_modified_since: Some(d.into()),
                ..p()
            })
        };
        assert_eq!(at(LM_S), Outcome::NotModified);
        assert_eq!(at(AFTER), Outcome::NotModified);
        assert_eq!(at(BEFORE), Outcome::Proceed);
        assert_eq!(at("garbage"), Outcome::Proceed);
    }

    #[test]
    fn order_412_before_304() {
        // If-Match fails and If-None-Match would say 304: step 1 comes first.
        let both = Preconditions {
            if_match: Some("\"x\"".into()),
            if_none_match: Some("\"abc\"".into()),
            ..p()
        };
        assert_eq!(ev(&both), Outcome::PreconditionFailed);
        let dates = Preconditions {
            if_unmodified_since: Some(BEFORE.into()),
            if_modified_since: Some(AFTER.into()),
            ..p()
        };
        assert_eq!(ev(&dates), Outcome::PreconditionFailed);
    }

    #[test]
    fn if_range() {
        assert!(range_applies(None, Some("abc"), Some(LM)));
        assert!(range_applies(Some("\"abc\""), Some("abc"), Some(LM)));
        assert!(!range_applies(Some("\"x\""), Some("abc"), Some(LM)));
        assert!(
            !range_applies(Some("W/\"abc\""), Some("abc"), Some(LM)),
            "weak tags never match"
        );
        assert!(range_applies(Some(LM_S), Some("abc"), Some(LM + 300.0)));
        assert!(!range_applies(Some(AFTER), Some("abc"), Some(LM)));
        assert!(!range_applies(Some("nonsense"), Some("abc"), Some(LM)));
    }

    #[test]
    fn r2_condition_matches_evaluate() {
        let c = r2_conditional(&Preconditions {
            if_match: Some("\"a\"".into()),
            if_unmodified_since: Some(LM_S.into()),
            if_none_match: Some("*".into()),
            if_modified_since: Some(LM_S.into()),
            if_range: None,
        });
        assert_eq!(c.etag_matches, Some(R2Etag::Tag("a".into())));
        assert_eq!(c.uploaded_before_ms, None, "ignored beside If-Match");
        assert_eq!(c.etag_does_not_match, Some(R2Etag::Wildcard));
        assert_eq!(c.uploaded_after_ms, None, "ignored beside If-None-Match");
        let d = r2_conditional(&Preconditions {
            if_unmodified_since: Some(LM_S.into()),
            if_modified_since: Some(BEFORE.into()),
            ..p()
        });
        assert_eq!(d.uploaded_before_ms, Some(LM + 1000.0));
        assert_eq!(d.uploaded_after_ms, Some(LM - 1000.0));
        assert!(r2_conditional(&p()).is_empty());
        // Lists, weak If-Match tags and garbage are left to `evaluate`.
        for v in ["\"a\", \"b\"", "W/\"a\"", "garbage"] {
            assert_eq!(
                r2_conditional(&Preconditions {
                    if_match: Some(v.into()),
                    ..p()
                })
                .etag_matches,
                None,
                "{v}"
            );
        }
        let weak = r2_conditional(&Preconditions {
            if_none_match: Some("W/\"a\"".into()),
            ..p()
        });
        assert_eq!(weak.etag_does_not_match, Some(R2Etag::Tag("a".into())));
        assert_eq!(
            ev(&Preconditions {
                if_match: Some("garbage".into()),
                ..p()
            }),
            Outcome::PreconditionFailed
        );
    }
}
