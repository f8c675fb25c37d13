//! `request::parse` on a URL path and query: the input up to the first `?` is the path,
//! the rest the query (none without a `?`); a leading `\x01` adds a COS-style
//! `Authorization` header. Invariants: an info or EXIF answer always names a key, and
//! parsing is deterministic.
#![no_main]
use imginfo::request::{parse, Action, Hints};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (auth, rest) = match data.split_first() {
        Some((1, rest)) => (Some("q-sign-algorithm=sha1&q-ak=x".to_string()), rest),
        _ => (None, data),
    };
    let s = String::from_utf8_lossy(rest);
    let (path, query) = match s.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (&*s, None),
    };
    let hints = Hints {
        authorization: auth,
        ..Hints::default()
    };
    let r = parse(path, query, &hints);
    if let Ok(op) = &r {
        if op.action != Action::Object {
            assert!(!op.key.is_empty(), "{:?} without a key", op.action);
        }
    }
    assert_eq!(
        format!("{r:?}"),
        format!("{:?}", parse(path, query, &hints))
    );
});
