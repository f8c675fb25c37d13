//! Lifecycle expiration rules from the configuration (rule id, key prefix, days after
//! upload) and the `x-obs-expiration` header they give an object:
//! `expiry-date="<RFC 1123 date>", rule-id="<id>"`. OBS counts the days from the
//! first 00:00 UTC after the object's last modification.

use crate::object::http_date;
use serde::Deserialize;

/// Rules in one configuration (OBS accepts at most 1,000 lifecycle rules per bucket).
pub const MAX_RULES: usize = 1000;
/// Longest rule id OBS accepts.
pub const MAX_ID_LEN: usize = 255;
/// Largest `days` accepted (about 100 years; past that the date arithmetic is
/// meaningless for an object store and is refused rather than wrapped).
pub const MAX_DAYS: u32 = 36_500;
const DAY_MS: f64 = 86_400_000.0;

/// One expiration rule.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LifecycleRule {
    pub id: String,
    #[serde(default)]
    pub prefix: String,
    pub days: u32,
    #[serde(default = "enabled")]
    pub enabled: bool,
}

fn enabled() -> bool {
    true
}

/// Parses and validates `LIFECYCLE_RULES` (a JSON array). Empty string: no rules.
pub fn parse_rules(json: &str) -> Result<Vec<LifecycleRule>, String> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let rules: Vec<LifecycleRule> =
        serde_json::from_str(json).map_err(|e| format!("LIFECYCLE_RULES is not valid: {e}"))?;
    if rules.len() > MAX_RULES {
        return Err(format!(
            "LIFECYCLE_RULES has {} rules; at most {MAX_RULES}",
            rules.len()
        ));
    }
    for (i, r) in rules.iter().enumerate() {
        // The id is written inside a quoted header parameter: printable ASCII, no quote
        // or backslash.
        if r.id.is_empty()
            || r.id.len() > MAX_ID_LEN
            || !r
                .id
                .bytes()
                .all(|c| (0x20..0x7f).contains(&c) && c != b'"' && c != b'\\')
        {
            return Err(format!(
                "LIFECYCLE_RULES[{i}]: id must be 1..={MAX_ID_LEN} printable ASCII characters without '\"' or '\\\\'"
            ));
        }
        if r.days == 0 || r.days > MAX_DAYS {
            return Err(format!("LIFECYCLE_RULES[{i}]: days must be 1..={MAX_DAYS}"));
        }
        if rules[..i].iter().any(|o| o.id == r.id) {
            return Err(format!("LIFECYCLE_RULES[{i}]: duplicate id {:?}", r.id));
        }
    }
    Ok(rules)
}

/// Epoch ms of the expiry under `days`: the first 00:00 UTC after `last_modified_ms`,
/// plus `days` days.
pub fn expiry_ms(last_modified_ms: f64, days: u32) -> Option<f64> {
    if !last_modified_ms.is_finite() || last_modified_ms < 0.0 {
        return None;
    }
    let next_midnight = ((last_modified_ms / DAY_MS).floor() + 1.0) * DAY_MS;
    Some(next_midnight + f64::from(days) * DAY_MS)
}

/// `x-obs-expiration` for an object: among the enabled rules whose prefix the key starts
/// with, the one that expires it first (the first such rule on a tie).
pub fn expiration(
    rules: &[LifecycleRule],
    key: &str,
    last_modified_ms: Option<f64>,
) -> Option<String> {
    let lm = last_modified_ms?;
    let (rule, at) = rules
        .iter()
        .filter(|r| r.enabled && key.starts_with(&r.prefix))
        .filter_map(|r| expiry_ms(lm, r.days).map(|t| (r, t)))
        .fold(
            None,
            |best: Option<(&LifecycleRule, f64)>, (r, t)| match best {
                Some((_, bt)) if bt <= t => best,
                _ => Some((r, t)),
            },
        )?;
    Some(format!(
        "expiry-date=\"{}\", rule-id=\"{}\"",
        http_date(at)?,
        rule.id
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2015-01-07T10:00:00Z
    const JAN7_10H: f64 = 1_420_624_800_000.0;

    #[test]
    fn next_midnight_plus_days() {
        // OBS's example: modified 7 January, one day → deleted from 9 January 00:00 UTC.
        assert_eq!(
            http_date(expiry_ms(JAN7_10H, 1).unwrap()).unwrap(),
            "Fri, 09 Jan 2015 00:00:00 GMT"
        );
        // Exactly at midnight still counts from the next midnight.
        let midnight = 1_420_588_800_000.0; // 2015-01-07T00:00:00Z
        assert_eq!(
            http_date(expiry_ms(midnight, 1).unwrap()).unwrap(),
            "Fri, 09 Jan 2015 00:00:00 GMT"
        );
        assert_eq!(expiry_ms(f64::NAN, 1), None);
    }

    #[test]
    fn header_value() {
        let rules = parse_rules(
            r#"[{"id":"all","days":30},{"id":"logs","prefix":"logs/","days":3},{"id":"off","prefix":"","days":1,"enabled":false}]"#,
        )
        .unwrap();
        assert_eq!(
            expiration(&rules, "logs/a.txt", Some(JAN7_10H)).unwrap(),
            "expiry-date=\"Sun, 11 Jan 2015 00:00:00 GMT\", rule-id=\"logs\""
        );
        assert_eq!(
            expiration(&rules, "photo.jpg", Some(JAN7_10H)).unwrap(),
            "expiry-date=\"Sat, 07 Feb 2015 00:00:00 GMT\", rule-id=\"all\""
        );
        assert_eq!(expiration(&rules, "photo.jpg", None), None);
        assert_eq!(expiration(&rules[1..2], "photo.jpg", Some(JAN7_10H)), None);
    }

    #[test]
    fn validation() {
        assert_eq!(parse_rules(" ").unwrap(), vec![]);
        assert!(parse_rules(r#"[{"id":"a","days":0}]"#).is_err());
        assert!(parse_rules(r#"[{"id":"","days":1}]"#).is_err());
        assert!(parse_rules(r#"[{"id":"a\"b","days":1}]"#).is_err());
        assert!(parse_rules(r#"[{"id":"a","days":1},{"id":"a","days":2}]"#).is_err());
        assert!(
            parse_rules(r#"[{"id":"a","days":1,"date":"2020-01-01"}]"#).is_err(),
            "unknown field"
        );
        assert!(parse_rules(r#"[{"id":"a","days":-1}]"#).is_err());
        assert!(parse_rules("nope").is_err());
    }
}
