//! `ByteMap`: the sparse set of object byte ranges read so far, and the `Halt` signal a
//! probe raises when a range it wants is missing (or lies past the end of the object).

use crate::error::Error;

/// A byte range of the object, `[offset, offset + len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub offset: u64,
    pub len: u64,
}

impl Range {
    pub fn new(offset: u64, len: u64) -> Self {
        Range { offset, len }
    }
    /// One past the last byte; saturates instead of overflowing on hostile values.
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.len)
    }
}

/// Why a probe stopped before an answer: it needs more bytes, or the bytes are bad.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    Need(Range),
    Fail(Error),
}

impl From<Error> for Halt {
    fn from(e: Error) -> Self {
        Halt::Fail(e)
    }
}

/// Probe-internal result: `?` propagates both "need bytes" and errors.
pub type PResult<T> = Result<T, Halt>;

/// The ranges read so far, kept sorted and merged, plus the object size once known.
#[derive(Debug, Default, Clone)]
pub struct ByteMap {
    chunks: Vec<(u64, Vec<u8>)>,
    total: Option<u64>,
}

impl ByteMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// A map holding `data` at offset 0, with the object size known or not.
    pub fn from_prefix(data: &[u8], total: Option<u64>) -> Self {
        let mut m = ByteMap {
            chunks: Vec::new(),
            total,
        };
        m.insert(0, data.to_vec());
        m
    }

    /// The object's size, when a read has told us.
    pub fn total(&self) -> Option<u64> {
        self.total
    }

    pub fn set_total(&mut self, total: u64) {
        self.total = Some(total);
    }

    /// Bytes held, over all ranges.
    pub fn held(&self) -> u64 {
        self.chunks.iter().map(|(_, c)| c.len() as u64).sum()
    }

    /// Adds bytes read at `offset`, merging with overlapping or adjacent ranges.
    pub fn insert(&mut self, offset: u64, data: Vec<u8>) {
        if data.is_empty() {
            return;
        }
        let mut start = offset;
        let mut buf = data;
        let mut kept = Vec::with_capacity(self.chunks.len() + 1);
        for (o, c) in std::mem::take(&mut self.chunks) {
            let c_end = o + c.len() as u64;
            let b_end = start + buf.len() as u64;
            if c_end < start || o > b_end {
                kept.push((o, c));
                continue;
            }
            // Overlap or adjacency: splice into one range; new bytes win where both exist.
            let new_start = start.min(o);
            let new_end = b_end.max(c_end);
            let mut merged = vec![0u8; (new_end - new_start) as usize];
            let co = (o - new_start) as usize;
            merged[co..co + c.len()].copy_from_slice(&c);
            let bo = (start - new_start) as usize;
            merged[bo..bo + buf.len()].copy_from_slice(&buf);
            start = new_start;
            buf = merged;
        }
        kept.push((start, buf));
        crate::sort::sort_by_key(&mut kept, |(o, _)| *o);
        self.chunks = kept;
    }

    /// The bytes `[offset, offset + len)` if held, without any signal.
    pub fn peek(&self, offset: u64, len: u64) -> Option<&[u8]> {
        let end = offset.checked_add(len)?;
        for (o, c) in &self.chunks {
            let c_end = *o + c.len() as u64;
            if *o <= offset && end <= c_end {
                let s = usize::try_from(offset - o).ok()?;
                let l = usize::try_from(len).ok()?;
                return c.get(s..s.checked_add(l)?);
            }
        }
        None
    }

    /// The bytes `[offset, offset + len)`: held, needed, or past the end of the object.
    pub fn get(&self, offset: u64, len: u64, format: &'static str, what: &str) -> PResult<&[u8]> {
        let end = offset
            .checked_add(len)
            .ok_or_else(|| Error::invalid(format, format!("{what}: offset overflows")))?;
        if let Some(total) = self.total {
            if end > total {
                return Err(Error::truncated(
                    format,
                    format!("{what} needs bytes {offset}..{end} but the object has {total}"),
                )
                .into());
            }
        }
        match self.peek(offset, len) {
            Some(b) => Ok(b),
            None => {
                // Ask only for what is missing after the held prefix of the range.
                let held = self.contiguous_from(offset);
                let from = offset + held.min(len);
                Err(Halt::Need(Range::new(from, end - from)))
            }
        }
    }

    /// How many bytes from `offset` on are held without a gap.
    pub fn contiguous_from(&self, offset: u64) -> u64 {
        for (o, c) in &self.chunks {
            let c_end = *o + c.len() as u64;
            if *o <= offset && offset < c_end {
                return c_end - offset;
            }
        }
        0
    }

    /// Where the first held range that starts after `offset` begins: a read from
    /// `offset` can stop there instead of reading those bytes again.
    pub fn next_held_after(&self, offset: u64) -> Option<u64> {
        self.chunks.iter().map(|(o, _)| *o).find(|&o| o > offset)
    }

    /// All held bytes from `offset` up to `max` bytes, possibly fewer; `Need` if none
    /// are held and the object may have more, empty at the end of the object.
    pub fn upto(&self, offset: u64, max: u64) -> PResult<&[u8]> {
        let avail = self.contiguous_from(offset).min(max);
        if avail == 0 {
            if self.total.is_some_and(|t| offset >= t) {
                return Ok(&[]);
            }
            return Err(Halt::Need(Range::new(offset, max.max(1))));
        }
        Ok(self.peek(offset, avail).unwrap_or(&[]))
    }

    /// True when the object is known to end at or before `offset`.
    pub fn at_end(&self, offset: u64) -> bool {
        self.total.is_some_and(|t| offset >= t)
    }

    /// A buffer of `len` bytes from 0 with held ranges copied in and gaps zeroed: lets a
    /// slice-based parser (kamadak-exif) read a TIFF whose IFDs lie far apart, after the
    /// probe has made sure every byte the IFDs point at is held.
    pub fn materialize(&self, len: u64) -> Option<Vec<u8>> {
        let n = usize::try_from(len).ok()?;
        let mut out = vec![0u8; n];
        for (o, c) in &self.chunks {
            let o = usize::try_from(*o).ok()?;
            if o >= n {
                continue;
            }
            let take = c.len().min(n - o);
            out[o..o + take].copy_from_slice(&c[..take]);
        }
        Some(out)
    }
}

/// Big-endian and little-endian readers over a slice, returning `None` when short.
pub fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
pub fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
pub fn be64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}
pub fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(at..at.checked_add(2)?)?.try_into().ok()?,
    ))
}
pub fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}
pub fn le64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_and_finds_ranges() {
        let mut m = ByteMap::new();
        m.insert(10, vec![1, 2, 3]);
        m.insert(0, vec![9; 5]);
        assert_eq!(m.peek(10, 3), Some(&[1u8, 2, 3][..]));
        assert_eq!(m.get(4, 3, "t", "x"), Err(Halt::Need(Range::new(5, 2))));
        m.insert(5, vec![7; 5]);
        assert_eq!(m.peek(0, 13).map(|b| b.len()), Some(13));
        assert_eq!(m.held(), 13);
        m.set_total(13);
        assert!(matches!(
            m.get(12, 5, "t", "x"),
            Err(Halt::Fail(Error::Truncated { .. }))
        ));
        assert!(matches!(
            m.get(u64::MAX, 5, "t", "x"),
            Err(Halt::Fail(Error::Invalid { .. }))
        ));
    }
}
