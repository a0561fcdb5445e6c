//! Searching: result pages, sorting, totals, histograms, aggregations, CSV.

use std::cmp::Ordering;

use crate::ParseError;
use crate::bits::Bits;
use crate::index::{Index, Map};
use crate::query::{Agg, Query, parse};
use crate::text;

/// Result order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Sort {
    /// Oldest first.
    TimeAsc,
    /// Newest first (the default).
    #[default]
    TimeDesc,
    /// By the value of a field (numbers numerically, addresses numerically,
    /// text ASCII-case-insensitively), ties by time ascending; records
    /// without the field come last.
    Field { name: String, descending: bool },
}

/// Options of [`Index::search`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// The current simulated time (µs since the epoch), for `last:`.
    pub now: i64,
    /// Number of matches to skip (paging).
    pub offset: usize,
    /// Maximum number of hits returned.
    pub limit: usize,
    /// Result order.
    pub sort: Sort,
    /// Number of histogram buckets (0: no histogram).
    pub histogram_buckets: usize,
}

impl SearchOptions {
    /// First page of 50, newest first, 60 histogram buckets.
    pub fn new(now: i64) -> SearchOptions {
        SearchOptions {
            now,
            offset: 0,
            limit: 50,
            sort: Sort::TimeDesc,
            histogram_buckets: 60,
        }
    }
}

/// One matching record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit<'a> {
    /// Record id (position in time order).
    pub doc: u32,
    /// µs since the epoch.
    pub time: i64,
    pub source: &'a str,
    /// The `host` field ("" if the record has none).
    pub host: &'a str,
    pub line: &'a str,
}

/// Match counts over time: bucket `i` covers
/// `[start + i * bucket_micros, start + (i + 1) * bucket_micros)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    /// Time of the earliest match.
    pub start: i64,
    /// Time of the latest match.
    pub end: i64,
    pub bucket_micros: i64,
    pub counts: Vec<usize>,
}

/// One row of an aggregation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggRow {
    pub value: String,
    pub count: usize,
}

/// The result of the `| …` stage: rows by descending count, then value.
/// For `| count` there is one row with an empty value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregation {
    /// The grouped field (`None` for `| count`).
    pub field: Option<String>,
    pub rows: Vec<AggRow>,
}

/// What a search returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchResult<'a> {
    /// Number of matching records.
    pub total: usize,
    /// The requested page.
    pub hits: Vec<Hit<'a>>,
    /// Matches over time (`None` if no match or no buckets were asked for).
    pub histogram: Option<Histogram>,
    /// The aggregation, if the query has one.
    pub aggregation: Option<Aggregation>,
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    Num(u64),
    Str(String),
}

impl Index {
    /// Parse and run `q`.
    pub fn search_str(
        &self,
        q: &str,
        opts: &SearchOptions,
    ) -> Result<SearchResult<'_>, ParseError> {
        Ok(self.search(&parse(q)?, opts))
    }

    /// Run a parsed query.
    pub fn search(&self, q: &Query, opts: &SearchOptions) -> SearchResult<'_> {
        let m = self.matches(q, opts.now);
        let total = m.count();
        let docs = self.page(&m, &opts.sort, opts.offset, opts.limit);
        SearchResult {
            total,
            hits: docs.into_iter().map(|d| self.hit(d)).collect(),
            histogram: self.histogram(&m, opts.histogram_buckets),
            aggregation: q.agg.as_ref().map(|a| self.aggregate(&m, a)),
        }
    }

    /// The set of records matching `q` (its filter part).
    pub fn matches(&self, q: &Query, now: i64) -> Bits {
        self.eval(&q.expr, now, None)
    }

    /// The record `doc` as a hit.
    pub fn hit(&self, doc: u32) -> Hit<'_> {
        Hit {
            doc,
            time: self.time(doc),
            source: self.source(doc),
            host: self.host(doc),
            line: self.line(doc),
        }
    }

    /// Ids of one page of `m` in the given order.
    pub fn page(&self, m: &Bits, sort: &Sort, offset: usize, limit: usize) -> Vec<u32> {
        match sort {
            Sort::TimeAsc => m.page_asc(offset, limit),
            Sort::TimeDesc => m.page_desc(offset, limit),
            Sort::Field { name, descending } => {
                let all = self.sorted_by_field(m, name, *descending);
                all.into_iter().skip(offset).take(limit).collect()
            }
        }
    }

    /// Every id of `m` in the given order.
    pub fn all_sorted(&self, m: &Bits, sort: &Sort) -> Vec<u32> {
        match sort {
            Sort::TimeAsc => m.iter().collect(),
            Sort::TimeDesc => {
                let mut v: Vec<u32> = m.iter().collect();
                v.reverse();
                v
            }
            Sort::Field { name, descending } => self.sorted_by_field(m, name, *descending),
        }
    }

    fn sorted_by_field(&self, m: &Bits, name: &str, descending: bool) -> Vec<u32> {
        let mut keys: Map<u32, Key> = Map::default();
        if name.eq_ignore_ascii_case("source") {
            for d in m.iter() {
                keys.insert(d, Key::Str(self.source(d).to_ascii_lowercase()));
            }
        } else if let Some(f) = self.field(name) {
            for (k, &id) in &f.strs.ids {
                for &d in &f.strs.postings[id as usize] {
                    if m.get(d) {
                        keys.insert(d, Key::Str(k.to_string()));
                    }
                }
            }
            for col in [&f.nums, &f.ips] {
                for &(v, d) in col.sorted.iter().chain(&col.tail) {
                    if m.get(d) {
                        keys.insert(d, Key::Num(v));
                    }
                }
            }
        }
        let mut docs: Vec<u32> = m.iter().collect();
        docs.sort_by(|a, b| {
            let o = match (keys.get(a), keys.get(b)) {
                (Some(x), Some(y)) => {
                    let o = x.partial_cmp(y).unwrap_or(Ordering::Equal);
                    if descending { o.reverse() } else { o }
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            o.then(a.cmp(b))
        });
        docs
    }

    /// Counts of `m` over time in `buckets` equal buckets between the first
    /// and the last match.
    pub fn histogram(&self, m: &Bits, buckets: usize) -> Option<Histogram> {
        if buckets == 0 {
            return None;
        }
        let (first, last) = (m.first()?, m.last()?);
        let (start, end) = (self.time(first), self.time(last));
        let width = (end - start) / buckets as i64 + 1;
        let mut counts = Vec::with_capacity(buckets);
        let mut lo = first as usize;
        for i in 0..buckets {
            let t_hi = start.saturating_add(width.saturating_mul(i as i64 + 1));
            let hi = if i + 1 == buckets {
                last as usize + 1
            } else {
                self.times
                    .partition_point(|&x| x < t_hi)
                    .min(last as usize + 1)
            };
            counts.push(m.count_range(lo, hi));
            lo = hi.max(lo);
        }
        Some(Histogram {
            start,
            end,
            bucket_micros: width,
            counts,
        })
    }

    /// Run an aggregation over `m`.
    pub fn aggregate(&self, m: &Bits, agg: &Agg) -> Aggregation {
        let (field, limit) = match agg {
            Agg::Count => {
                return Aggregation {
                    field: None,
                    rows: vec![AggRow {
                        value: String::new(),
                        count: m.count(),
                    }],
                };
            }
            Agg::CountBy(f) => (f, usize::MAX),
            Agg::Top(n, f) => (f, *n),
        };
        let mut rows: Vec<AggRow> = Vec::new();
        if field.eq_ignore_ascii_case("source") {
            for (i, name) in self.source_names.iter().enumerate() {
                let c = self.source_docs[i].iter().filter(|&&d| m.get(d)).count();
                if c > 0 {
                    rows.push(AggRow {
                        value: name.to_string(),
                        count: c,
                    });
                }
            }
        } else if field.eq_ignore_ascii_case("host")
            && let Some(f) = self.field(field)
        {
            // Every record's host is kept in record order: count the matches
            // themselves instead of scanning every host's posting list.
            let mut counts = vec![0usize; f.strs.display.len()];
            for d in m.iter() {
                if let Some(c) = counts.get_mut(self.host[d as usize] as usize) {
                    *c += 1;
                }
            }
            for (id, &count) in counts.iter().enumerate() {
                if count > 0 {
                    rows.push(AggRow {
                        value: f.strs.display[id].to_string(),
                        count,
                    });
                }
            }
        } else if let Some(f) = self.field(field) {
            for (id, p) in f.strs.postings.iter().enumerate() {
                let c = p.iter().filter(|&&d| m.get(d)).count();
                if c > 0 {
                    rows.push(AggRow {
                        value: f.strs.display[id].to_string(),
                        count: c,
                    });
                }
            }
            for (col, ip) in [(&f.nums, false), (&f.ips, true)] {
                let mut counts: Map<u64, usize> = Map::default();
                for &(v, d) in col.sorted.iter().chain(&col.tail) {
                    if m.get(d) {
                        *counts.entry(v).or_insert(0) += 1;
                    }
                }
                for (v, c) in counts {
                    rows.push(AggRow {
                        value: if ip {
                            text::ip_string(v as u32)
                        } else {
                            v.to_string()
                        },
                        count: c,
                    });
                }
            }
        }
        rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        rows.truncate(limit);
        Aggregation {
            field: Some(field.clone()),
            rows,
        }
    }

    /// CSV (RFC 4180, CRLF line ends, header `time,source,host,line`; time in
    /// Japan time ISO 8601) of the given records, in the given order.
    pub fn csv(&self, docs: &[u32]) -> String {
        let mut out = String::with_capacity(64 + docs.len() * 200);
        out.push_str("time,source,host,line\r\n");
        for &d in docs {
            out.push_str(&text::format_jst(self.time(d)));
            out.push(',');
            csv_field(&mut out, self.source(d));
            out.push(',');
            csv_field(&mut out, self.host(d));
            out.push(',');
            csv_field(&mut out, self.line(d));
            out.push_str("\r\n");
        }
        out
    }

    /// CSV of the hits of a result page.
    pub fn csv_page(&self, r: &SearchResult<'_>) -> String {
        let docs: Vec<u32> = r.hits.iter().map(|h| h.doc).collect();
        self.csv(&docs)
    }

    /// CSV of every match of `q`, in the given order.
    pub fn csv_all(&self, q: &Query, now: i64, sort: &Sort) -> String {
        let m = self.matches(q, now);
        self.csv(&self.all_sorted(&m, sort))
    }
}

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\r', '\n']) {
        out.push('"');
        for c in s.chars() {
            if c == '"' {
                out.push('"');
            }
            out.push(c);
        }
        out.push('"');
    } else {
        out.push_str(s);
    }
}
