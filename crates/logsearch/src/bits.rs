//! A fixed-length bit set over document ids (documents are numbered in time
//! order, so a time range is a contiguous id range).

/// A set of document ids `0..len`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    /// The empty set over `len` documents.
    pub fn empty(len: usize) -> Bits {
        Bits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    /// The full set over `len` documents.
    pub fn full(len: usize) -> Bits {
        let mut b = Bits::empty(len);
        b.set_range(0, len);
        b
    }

    /// Number of documents the set ranges over.
    pub fn universe(&self) -> usize {
        self.len
    }

    /// Add `i`.
    #[inline]
    pub fn set(&mut self, i: u32) {
        let i = i as usize;
        if i < self.len {
            self.words[i >> 6] |= 1 << (i & 63);
        }
    }

    /// Is `i` in the set?
    #[inline]
    pub fn get(&self, i: u32) -> bool {
        let i = i as usize;
        i < self.len && self.words[i >> 6] & (1 << (i & 63)) != 0
    }

    /// Add every id in `lo..hi`.
    pub fn set_range(&mut self, lo: usize, hi: usize) {
        let hi = hi.min(self.len);
        if lo >= hi {
            return;
        }
        let (lw, hw) = (lo >> 6, (hi - 1) >> 6);
        let lmask = u64::MAX << (lo & 63);
        let hmask = u64::MAX >> (63 - ((hi - 1) & 63));
        if lw == hw {
            self.words[lw] |= lmask & hmask;
        } else {
            self.words[lw] |= lmask;
            for w in &mut self.words[lw + 1..hw] {
                *w = u64::MAX;
            }
            self.words[hw] |= hmask;
        }
    }

    /// Keep only ids in `lo..hi`.
    pub fn retain_range(&mut self, lo: usize, hi: usize) {
        let mut r = Bits::empty(self.len);
        r.set_range(lo, hi);
        self.and(&r);
    }

    /// Intersect with `o`.
    pub fn and(&mut self, o: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a &= *b;
        }
    }

    /// Union with `o`.
    pub fn or(&mut self, o: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&o.words) {
            *a |= *b;
        }
    }

    /// Complement (within `0..len`).
    pub fn not(&mut self) {
        for w in &mut self.words {
            *w = !*w;
        }
        let tail = self.len & 63;
        if tail != 0
            && let Some(last) = self.words.last_mut()
        {
            *last &= (1u64 << tail) - 1;
        }
    }

    /// Number of ids in the set.
    pub fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Number of ids in the set within `lo..hi`.
    pub fn count_range(&self, lo: usize, hi: usize) -> usize {
        let hi = hi.min(self.len);
        if lo >= hi {
            return 0;
        }
        let (lw, hw) = (lo >> 6, (hi - 1) >> 6);
        let lmask = u64::MAX << (lo & 63);
        let hmask = u64::MAX >> (63 - ((hi - 1) & 63));
        if lw == hw {
            return (self.words[lw] & lmask & hmask).count_ones() as usize;
        }
        let mut n = (self.words[lw] & lmask).count_ones() as usize;
        n += self.words[lw + 1..hw]
            .iter()
            .map(|w| w.count_ones() as usize)
            .sum::<usize>();
        n + (self.words[hw] & hmask).count_ones() as usize
    }

    /// Smallest id in the set.
    pub fn first(&self) -> Option<u32> {
        self.words
            .iter()
            .position(|&w| w != 0)
            .map(|k| (k * 64 + self.words[k].trailing_zeros() as usize) as u32)
    }

    /// Largest id in the set.
    pub fn last(&self) -> Option<u32> {
        self.words
            .iter()
            .rposition(|&w| w != 0)
            .map(|k| (k * 64 + 63 - self.words[k].leading_zeros() as usize) as u32)
    }

    /// Ids in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.words.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                if w == 0 {
                    return None;
                }
                let b = w.trailing_zeros();
                w &= w - 1;
                Some((k * 64) as u32 + b)
            })
        })
    }

    /// Up to `limit` ids in ascending order, skipping the first `skip`.
    pub fn page_asc(&self, skip: usize, limit: usize) -> Vec<u32> {
        let mut out = Vec::with_capacity(limit.min(1024));
        let mut skip = skip;
        for (k, &w) in self.words.iter().enumerate() {
            if out.len() >= limit {
                break;
            }
            let c = w.count_ones() as usize;
            if skip >= c {
                skip -= c;
                continue;
            }
            let mut w = w;
            while w != 0 && out.len() < limit {
                let b = w.trailing_zeros();
                w &= w - 1;
                if skip > 0 {
                    skip -= 1;
                } else {
                    out.push((k * 64) as u32 + b);
                }
            }
        }
        out
    }

    /// Up to `limit` ids in descending order, skipping the first `skip`.
    pub fn page_desc(&self, skip: usize, limit: usize) -> Vec<u32> {
        let mut out = Vec::with_capacity(limit.min(1024));
        let mut skip = skip;
        for (k, &w) in self.words.iter().enumerate().rev() {
            if out.len() >= limit {
                break;
            }
            let c = w.count_ones() as usize;
            if skip >= c {
                skip -= c;
                continue;
            }
            let mut w = w;
            while w != 0 && out.len() < limit {
                let b = 63 - w.leading_zeros();
                w &= !(1u64 << b);
                if skip > 0 {
                    skip -= 1;
                } else {
                    out.push((k * 64) as u32 + b);
                }
            }
        }
        out
    }

    /// Bytes of heap used.
    pub fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}
