//! Stable sorting through one instantiation of the standard library's sort.
//!
//! `slice::sort` is generic: each element type and comparator gets its own copy of
//! driftsort, about 5 KB of WASM apiece. The crate sorts short lists in many places
//! (signature canonicalisation: headers and query parameters; EXIF members by name;
//! ranges and boxes by offset or id), and those copies were 69 KB of the Worker, 19 KiB
//! of its gzipped upload. Here the standard sort runs in one place, over indices, with
//! the comparator behind `dyn`; the elements are then moved into that order. The lists
//! are short, so the indirect comparison costs nothing that shows.

use std::cmp::Ordering;

/// Sorts `v` stably, as `v.sort()`.
pub fn sort<T: Ord>(v: &mut Vec<T>) {
    sort_by(v, T::cmp)
}

/// Sorts `v` stably by a key, as `v.sort_by_key(key)`.
pub fn sort_by_key<T, K: Ord>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(v, |a, b| key(a).cmp(&key(b)))
}

/// Sorts `v` stably by `cmp`, as `v.sort_by(cmp)`.
pub fn sort_by<T>(v: &mut Vec<T>, cmp: impl Fn(&T, &T) -> Ordering) {
    if v.len() < 2 {
        return;
    }
    let order = stable_order(v.len(), &|a, b| match (v.get(a), v.get(b)) {
        (Some(x), Some(y)) => cmp(x, y),
        _ => Ordering::Equal,
    });
    let mut slots: Vec<Option<T>> = std::mem::take(v).into_iter().map(Some).collect();
    v.extend(
        order
            .into_iter()
            .filter_map(|i| slots.get_mut(i).and_then(Option::take)),
    );
}

/// The stable order of `0..n` under `cmp`: the one instantiation of the standard sort
/// (kept out of line, so the comparator stays behind `dyn`).
#[inline(never)]
fn stable_order(n: usize, cmp: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| cmp(a, b));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_library() {
        let words = ["b", "a", "c", "a", "", "ab", "B"];
        let mut ours: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        let mut std_sorted = ours.clone();
        sort(&mut ours);
        std_sorted.sort();
        assert_eq!(ours, std_sorted);
        let mut empty: Vec<u8> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
        let mut one = vec![7];
        sort(&mut one);
        assert_eq!(one, [7]);
    }

    #[test]
    fn is_stable() {
        // Equal keys keep their order, as with `slice::sort_by_key`.
        let mut pairs = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e'), (3, 'f')];
        let mut std_sorted = pairs.clone();
        sort_by_key(&mut pairs, |p| p.0);
        std_sorted.sort_by_key(|p| p.0);
        assert_eq!(pairs, std_sorted);
        assert_eq!(
            pairs,
            [(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c'), (3, 'f')]
        );
        let mut rev = vec![(1, 'x'), (2, 'y'), (1, 'z')];
        sort_by(&mut rev, |a, b| b.0.cmp(&a.0));
        assert_eq!(rev, [(2, 'y'), (1, 'x'), (1, 'z')]);
    }
}
