//! The per-team index: records in time order, term dictionaries and posting
//! lists per field and for the words of the rendered line, sorted value
//! columns for numbers and addresses, and query evaluation into [`Bits`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::bits::Bits;
use crate::query::{Bound, Cmp, Expr, Pred, TextTerm};
use crate::text;

/// A small, fast, non-cryptographic hasher for dictionary keys.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = (self.0.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
    }
    #[inline]
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type Map<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

/// A structured field value of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value<'a> {
    /// Text (matched ASCII-case-insensitively, exactly or by glob).
    Str(&'a str),
    /// An IPv4 address (matched exactly, by CIDR or by range).
    Ip(u32),
    /// An unsigned number (matched exactly, by comparison or by range).
    Num(u64),
}

/// One log record to index. Records must be pushed in time order.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// µs since the Unix epoch.
    pub time: i64,
    /// The log it comes from (e.g. `proxy`, `dns`); at most 255 distinct sources.
    pub source: &'a str,
    /// Named fields; a field named `host` is shown in results and CSV.
    pub fields: &'a [(&'a str, Value<'a>)],
    /// The rendered log line (free text is matched against it).
    pub line: &'a str,
}

/// Why a record could not be appended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendError {
    /// The record is older than the last one indexed.
    OutOfOrder { last: i64, time: i64 },
    /// More than 255 distinct sources.
    TooManySources,
    /// More than `u32::MAX - 1` records or 65,535 field names.
    Full,
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AppendError::OutOfOrder { last, time } => {
                write!(
                    f,
                    "record at {time} is older than the last indexed record at {last}"
                )
            }
            AppendError::TooManySources => f.write_str("more than 255 distinct sources"),
            AppendError::Full => f.write_str("the index is full"),
        }
    }
}

impl std::error::Error for AppendError {}

#[derive(Debug, Default, Clone)]
pub(crate) struct StrDict {
    /// ASCII-lower-cased value → term id.
    pub ids: Map<Box<str>, u32>,
    /// The value as first seen (for aggregation output).
    pub display: Vec<Box<str>>,
    /// Documents per term, ascending.
    pub postings: Vec<Vec<u32>>,
}

impl StrDict {
    fn add(&mut self, value: &str, lower: &str, doc: u32) -> u32 {
        let id = match self.ids.get(lower) {
            Some(&id) => id,
            None => {
                let id = self.postings.len() as u32;
                self.ids.insert(lower.into(), id);
                self.display.push(value.into());
                self.postings.push(Vec::new());
                id
            }
        };
        let p = &mut self.postings[id as usize];
        if p.last() != Some(&doc) {
            p.push(doc);
        }
        id
    }

    fn heap_bytes(&self) -> usize {
        let keys: usize = self.ids.keys().map(|k| k.len()).sum();
        let disp: usize = self.display.iter().map(|k| k.len()).sum();
        let post: usize = self.postings.iter().map(|p| p.capacity() * 4).sum();
        keys + disp
            + post
            + self.ids.capacity() * (16 + 4 + 8)
            + self.display.capacity() * 16
            + self.postings.capacity() * 24
    }
}

/// Values of one numeric (or address) field: a sorted main part and an
/// unsorted tail that is merged in when it grows.
#[derive(Debug, Default, Clone)]
pub(crate) struct NumCol {
    pub sorted: Vec<(u64, u32)>,
    pub tail: Vec<(u64, u32)>,
}

impl NumCol {
    fn push(&mut self, v: u64, doc: u32) {
        self.tail.push((v, doc));
        if self.tail.len() > (self.sorted.len() / 8).max(4096) {
            self.compact();
        }
    }

    fn compact(&mut self) {
        if self.tail.is_empty() {
            return;
        }
        self.tail.sort_unstable();
        let mut out = Vec::with_capacity(self.sorted.len() + self.tail.len());
        let (mut a, mut b) = (self.sorted.iter().peekable(), self.tail.iter().peekable());
        loop {
            match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => {
                    if x <= y {
                        out.push(**x);
                        a.next();
                    } else {
                        out.push(**y);
                        b.next();
                    }
                }
                (Some(x), None) => {
                    out.push(**x);
                    a.next();
                }
                (None, Some(y)) => {
                    out.push(**y);
                    b.next();
                }
                (None, None) => break,
            }
        }
        self.sorted = out;
        self.tail.clear();
    }

    /// Every document with a value in `lo..=hi`.
    fn range(&self, lo: u64, hi: u64, out: &mut Bits) {
        if lo > hi {
            return;
        }
        let a = self.sorted.partition_point(|&(v, _)| v < lo);
        let b = self.sorted.partition_point(|&(v, _)| v <= hi);
        for &(_, d) in &self.sorted[a..b] {
            out.set(d);
        }
        for &(v, d) in &self.tail {
            if v >= lo && v <= hi {
                out.set(d);
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.sorted.is_empty() && self.tail.is_empty()
    }

    fn heap_bytes(&self) -> usize {
        (self.sorted.capacity() + self.tail.capacity()) * 16
    }
}

#[derive(Debug, Default, Clone)]
pub(crate) struct FieldIdx {
    pub name: Box<str>,
    pub strs: StrDict,
    pub nums: NumCol,
    pub ips: NumCol,
}

/// The per-team log index. See the crate documentation.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub(crate) times: Vec<i64>,
    pub(crate) src: Vec<u8>,
    pub(crate) source_names: Vec<Box<str>>,
    pub(crate) source_docs: Vec<Vec<u32>>,
    pub(crate) text: String,
    pub(crate) line_start: Vec<u64>,
    pub(crate) host: Vec<u32>,
    pub(crate) fields: Vec<FieldIdx>,
    pub(crate) field_ids: Map<Box<str>, u16>,
    pub(crate) words: StrDict,
    lower: String,
    tok: String,
}

pub(crate) const NO_HOST: u32 = u32::MAX;

impl Index {
    /// An empty index.
    pub fn new() -> Index {
        Index::default()
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// No records yet?
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Time of the first and last record.
    pub fn time_bounds(&self) -> Option<(i64, i64)> {
        Some((*self.times.first()?, *self.times.last()?))
    }

    /// Source names in the order first seen.
    pub fn source_names(&self) -> Vec<&str> {
        self.source_names.iter().map(|s| &**s).collect()
    }

    /// Field names in the order first seen.
    pub fn field_names(&self) -> Vec<&str> {
        self.fields.iter().map(|f| &*f.name).collect()
    }

    /// Approximate heap memory used by the index, in bytes.
    pub fn heap_bytes(&self) -> usize {
        let mut n = self.times.capacity() * 8
            + self.src.capacity()
            + self.text.capacity()
            + self.line_start.capacity() * 8
            + self.host.capacity() * 4
            + self
                .source_docs
                .iter()
                .map(|d| d.capacity() * 4)
                .sum::<usize>()
            + self.words.heap_bytes();
        for f in &self.fields {
            n += f.strs.heap_bytes() + f.nums.heap_bytes() + f.ips.heap_bytes();
        }
        n
    }

    /// Merge pending numeric values into their sorted columns and release
    /// spare capacity (call after a bulk load; appending still works after).
    pub fn optimize(&mut self) {
        for f in &mut self.fields {
            f.nums.compact();
            f.ips.compact();
            f.nums.sorted.shrink_to_fit();
            f.ips.sorted.shrink_to_fit();
            for p in &mut f.strs.postings {
                p.shrink_to_fit();
            }
        }
        for p in &mut self.words.postings {
            p.shrink_to_fit();
        }
    }

    fn field_id(&mut self, name: &str) -> Result<u16, AppendError> {
        self.lower.clear();
        self.lower.push_str(name);
        self.lower.make_ascii_lowercase();
        if let Some(&id) = self.field_ids.get(self.lower.as_str()) {
            return Ok(id);
        }
        let id = u16::try_from(self.fields.len()).map_err(|_| AppendError::Full)?;
        self.field_ids.insert(self.lower.as_str().into(), id);
        self.fields.push(FieldIdx {
            name: name.into(),
            ..FieldIdx::default()
        });
        Ok(id)
    }

    /// Append one record (must not be older than the last one). Returns its id.
    pub fn push(&mut self, r: &Record<'_>) -> Result<u32, AppendError> {
        if let Some(&last) = self.times.last()
            && r.time < last
        {
            return Err(AppendError::OutOfOrder { last, time: r.time });
        }
        if self.times.len() >= u32::MAX as usize - 1 {
            return Err(AppendError::Full);
        }
        let sid = match self
            .source_names
            .iter()
            .position(|s| s.eq_ignore_ascii_case(r.source))
        {
            Some(i) => i as u8,
            None => {
                if self.source_names.len() >= 255 {
                    return Err(AppendError::TooManySources);
                }
                self.source_names.push(r.source.into());
                self.source_docs.push(Vec::new());
                (self.source_names.len() - 1) as u8
            }
        };
        // Resolve field ids first so that a failure leaves the index unchanged.
        let mut fids = Vec::with_capacity(r.fields.len());
        for (name, _) in r.fields {
            fids.push(self.field_id(name)?);
        }
        let doc = self.times.len() as u32;
        self.times.push(r.time);
        self.src.push(sid);
        self.source_docs[sid as usize].push(doc);
        self.line_start.push(self.text.len() as u64);
        self.text.push_str(r.line);
        let mut host = NO_HOST;
        for (&fid, (_, v)) in fids.iter().zip(r.fields) {
            let f = &mut self.fields[fid as usize];
            match *v {
                Value::Str(s) => {
                    self.lower.clear();
                    self.lower.push_str(s);
                    self.lower.make_ascii_lowercase();
                    let id = f.strs.add(s, &self.lower, doc);
                    if &*f.name == "host" || f.name.eq_ignore_ascii_case("host") {
                        host = id;
                    }
                }
                Value::Ip(ip) => f.ips.push(ip as u64, doc),
                Value::Num(n) => f.nums.push(n, doc),
            }
        }
        self.host.push(host);
        let words = &mut self.words;
        let mut tok = std::mem::take(&mut self.tok);
        text::tokens(r.line, &mut tok, |t, _| {
            words.add(t, t, doc);
        });
        self.tok = tok;
        Ok(doc)
    }

    /// The rendered line of record `doc`.
    pub fn line(&self, doc: u32) -> &str {
        let d = doc as usize;
        let a = self.line_start[d] as usize;
        let b = self
            .line_start
            .get(d + 1)
            .map(|&x| x as usize)
            .unwrap_or(self.text.len());
        &self.text[a..b]
    }

    /// Time of record `doc`.
    pub fn time(&self, doc: u32) -> i64 {
        self.times[doc as usize]
    }

    /// Source name of record `doc`.
    pub fn source(&self, doc: u32) -> &str {
        &self.source_names[self.src[doc as usize] as usize]
    }

    /// Value of the `host` field of record `doc` (empty if none).
    pub fn host(&self, doc: u32) -> &str {
        let h = self.host[doc as usize];
        if h == NO_HOST {
            return "";
        }
        match self.field_ids.get("host") {
            Some(&fid) => &self.fields[fid as usize].strs.display[h as usize],
            None => "",
        }
    }

    pub(crate) fn field(&self, name: &str) -> Option<&FieldIdx> {
        let l = name.to_ascii_lowercase();
        self.field_ids
            .get(l.as_str())
            .map(|&i| &self.fields[i as usize])
    }

    /// Document range `[a, b)` of times in `[lo, hi)`.
    pub(crate) fn doc_range(&self, lo: Option<i64>, hi: Option<i64>) -> (usize, usize) {
        let a = lo.map_or(0, |t| self.times.partition_point(|&x| x < t));
        let b = hi.map_or(self.times.len(), |t| self.times.partition_point(|&x| x < t));
        (a, b.max(a))
    }

    /// Evaluate `e`; the result is exact within `mask` (callers intersect).
    pub(crate) fn eval(&self, e: &Expr, now: i64, mask: Option<&Bits>) -> Bits {
        let n = self.len();
        match e {
            Expr::All => Bits::full(n),
            Expr::Time { lo, hi } => {
                let (a, b) = self.doc_range(*lo, *hi);
                let mut r = Bits::empty(n);
                r.set_range(a, b);
                r
            }
            Expr::Last(d) => {
                let (a, b) =
                    self.doc_range(Some(now.saturating_sub(*d)), Some(now.saturating_add(1)));
                let mut r = Bits::empty(n);
                r.set_range(a, b);
                r
            }
            Expr::Source(pat) => {
                let mut r = Bits::empty(n);
                let glob = pat.contains(['*', '?']);
                let mut want = [false; 256];
                let mut docs = 0;
                for (i, name) in self.source_names.iter().enumerate() {
                    let l = name.to_ascii_lowercase();
                    if (glob && text::glob_match(pat, &l)) || (!glob && *pat == l) {
                        want[i] = true;
                        docs += self.source_docs[i].len();
                    }
                }
                match mask {
                    // Inside an AND narrowed to fewer records (a time range, a
                    // rare term): check those records' source.
                    Some(m) if m.count() < docs => {
                        for d in m.iter() {
                            if want[self.src[d as usize] as usize] {
                                r.set(d);
                            }
                        }
                    }
                    _ => {
                        for (i, docs) in self.source_docs.iter().enumerate() {
                            if want[i] {
                                for &d in docs {
                                    r.set(d);
                                }
                            }
                        }
                    }
                }
                r
            }
            Expr::Field { name, pred } => {
                let mut r = Bits::empty(n);
                if let Some(f) = self.field(name) {
                    field_pred(f, pred, &mut r);
                }
                r
            }
            Expr::AnyIp(pred) => {
                let mut r = Bits::empty(n);
                for f in &self.fields {
                    if !f.ips.is_empty() {
                        ip_pred(&f.ips, pred, &mut r);
                    }
                }
                r
            }
            Expr::Text(t) => self.text_term(t, mask),
            Expr::Not(inner) => {
                let mut r = self.eval(inner, now, mask);
                r.not();
                r
            }
            Expr::Or(parts) => {
                let mut r = Bits::empty(n);
                for p in parts {
                    r.or(&self.eval(p, now, mask));
                }
                r
            }
            Expr::And(parts) => {
                let mut order: Vec<&Expr> = parts.iter().collect();
                order.sort_by_key(|p| cost(p));
                let mut acc = match mask {
                    Some(m) => m.clone(),
                    None => Bits::full(n),
                };
                for p in order {
                    let r = self.eval(p, now, Some(&acc));
                    acc.and(&r);
                    if acc.first().is_none() {
                        break;
                    }
                }
                acc
            }
        }
    }

    fn text_term(&self, t: &TextTerm, mask: Option<&Bits>) -> Bits {
        let n = self.len();
        let mut r = Bits::empty(n);
        if t.glob {
            for (k, &id) in &self.words.ids {
                if text::glob_match(&t.text, k) {
                    for &d in &self.words.postings[id as usize] {
                        r.set(d);
                    }
                }
            }
            return r;
        }
        // Postings of every token the line must contain.
        let mut lists: Vec<&[u32]> = Vec::new();
        let mut missing = false;
        let mut ntok = 0;
        let mut tok = String::new();
        text::tokens(&t.text, &mut tok, |w, exact| {
            if !exact {
                return;
            }
            ntok += 1;
            match self.words.ids.get(w) {
                Some(&id) => lists.push(&self.words.postings[id as usize]),
                None => missing = true,
            }
        });
        if missing {
            return r;
        }
        // A single indexed ASCII word or a single CJK bigram needs no check of the line.
        let single_ascii =
            ntok == 1 && t.text.bytes().all(|c| c.is_ascii_alphanumeric()) && lists.len() == 1;
        let single_bigram = ntok == 1
            && lists.len() == 1
            && t.text.chars().count() == 2
            && t.text.chars().all(|c| !c.is_ascii() && c.is_alphanumeric());
        if single_ascii || single_bigram {
            for &d in lists[0] {
                r.set(d);
            }
            return r;
        }
        let mut lower = String::new();
        let mut check = |d: u32, r: &mut Bits| {
            if mask.is_none_or(|m| m.get(d))
                && text::contains_term(self.line(d), &t.text, &mut lower)
            {
                r.set(d);
            }
        };
        if lists.is_empty() {
            // Nothing indexed to narrow by: scan the lines (within the mask).
            match mask {
                Some(m) => {
                    for d in m.iter() {
                        check(d, &mut r);
                    }
                }
                None => {
                    for d in 0..n as u32 {
                        check(d, &mut r);
                    }
                }
            }
            return r;
        }
        lists.sort_by_key(|l| l.len());
        let (first, rest) = lists
            .split_first()
            .map(|(a, b)| (*a, b))
            .unwrap_or((&[], &[]));
        for &d in first {
            if rest.iter().all(|l| l.binary_search(&d).is_ok()) {
                check(d, &mut r);
            }
        }
        r
    }
}

/// Rough evaluation cost class, for ordering the parts of an AND.
fn cost(e: &Expr) -> u8 {
    match e {
        Expr::Time { .. } | Expr::Last(_) | Expr::All => 0,
        Expr::Source(_) | Expr::Field { .. } | Expr::AnyIp(_) => 1,
        Expr::Text(t) if t.glob => 2,
        Expr::Text(_) => 3,
        Expr::Not(i) => cost(i),
        Expr::And(p) | Expr::Or(p) => p.iter().map(cost).max().unwrap_or(0),
    }
}

fn num_bounds(c: Cmp, v: u64) -> (u64, u64) {
    match c {
        Cmp::Gt => (
            v.saturating_add(1),
            if v == u64::MAX { 0 } else { u64::MAX },
        ),
        Cmp::Ge => (v, u64::MAX),
        Cmp::Lt => (0, if v == 0 { return (1, 0) } else { v - 1 }),
        Cmp::Le => (0, v),
    }
}

fn ip_pred(col: &NumCol, pred: &Pred, r: &mut Bits) {
    match pred {
        Pred::Eq { ip: Some(ip), .. } => col.range(*ip as u64, *ip as u64, r),
        Pred::Range(Bound::Ip(a), Bound::Ip(b)) => col.range(*a as u64, *b as u64, r),
        Pred::Cmp(c, Bound::Ip(v)) => {
            let (lo, hi) = num_bounds(*c, *v as u64);
            col.range(lo, hi.min(u32::MAX as u64), r);
        }
        Pred::Exists => col.range(0, u64::MAX, r),
        _ => {}
    }
}

fn field_pred(f: &FieldIdx, pred: &Pred, r: &mut Bits) {
    match pred {
        Pred::Eq { text, num, ip } => {
            if let Some(&id) = f.strs.ids.get(text.as_str()) {
                for &d in &f.strs.postings[id as usize] {
                    r.set(d);
                }
            }
            if let Some(v) = num {
                f.nums.range(*v, *v, r);
            }
            if ip.is_some() {
                ip_pred(&f.ips, pred, r);
            }
        }
        Pred::Glob(g) => {
            let prefix = text::glob_prefix(g);
            for (k, &id) in &f.strs.ids {
                if k.starts_with(prefix) && text::glob_match(g, k) {
                    for &d in &f.strs.postings[id as usize] {
                        r.set(d);
                    }
                }
            }
        }
        Pred::Exists => {
            for p in &f.strs.postings {
                for &d in p {
                    r.set(d);
                }
            }
            f.nums.range(0, u64::MAX, r);
            f.ips.range(0, u64::MAX, r);
        }
        Pred::Cmp(c, Bound::Num(v)) => {
            let (lo, hi) = num_bounds(*c, *v);
            f.nums.range(lo, hi, r);
        }
        Pred::Range(Bound::Num(a), Bound::Num(b)) => f.nums.range(*a, *b, r),
        Pred::Cmp(_, Bound::Ip(_)) | Pred::Range(Bound::Ip(_), Bound::Ip(_)) => {
            ip_pred(&f.ips, pred, r)
        }
        Pred::Range(..) => {}
    }
}
