//! Full-text search over a catalog: character bigrams for Japanese (so
//! two-character words such as 資産 or 管理 match without a dictionary) and
//! lower-cased words for English, ranked with BM25 and field weights, with
//! highlight spans.

use std::collections::HashMap;

use crate::model::Catalog;

/// A searchable field of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Id,
    TitleJa,
    TitleEn,
    TextJa,
    TextEn,
    GuidanceJa,
    GuidanceEn,
}

const FIELDS: [Field; 7] = [
    Field::Id,
    Field::TitleJa,
    Field::TitleEn,
    Field::TextJa,
    Field::TextEn,
    Field::GuidanceJa,
    Field::GuidanceEn,
];

impl Field {
    fn weight(self) -> f64 {
        match self {
            Field::Id => 4.0,
            Field::TitleJa | Field::TitleEn => 3.0,
            Field::TextJa | Field::TextEn => 2.0,
            Field::GuidanceJa | Field::GuidanceEn => 1.0,
        }
    }
}

/// A byte range `start..end` of `field` to highlight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Highlight {
    pub field: Field,
    pub start: usize,
    pub end: usize,
}

/// One result, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub score: f64,
    /// Merged, sorted spans of matched tokens.
    pub highlights: Vec<Highlight>,
}

#[derive(Debug, Clone)]
struct Posting {
    doc: u32,
    field: Field,
    start: u32,
    end: u32,
}

/// An in-memory index of one catalog.
#[derive(Debug, Clone, Default)]
pub struct SearchIndex {
    ids: Vec<String>,
    texts: Vec<[String; 7]>,
    /// Token count of each field of each item.
    lengths: Vec<[f64; 7]>,
    /// Chapter and section headings rank below criteria.
    headings: Vec<bool>,
    postings: HashMap<String, Vec<Posting>>,
    /// Average token count of each field.
    avg_len: [f64; 7],
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF   // hiragana, katakana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified
        | 0xF900..=0xFAFF // compatibility ideographs
        | 0xFF66..=0xFF9F // half-width katakana
        | 0x31F0..=0x31FF)
}

/// Tokens of `text` with their byte ranges: CJK runs give overlapping
/// character bigrams (a single CJK character gives itself); runs of
/// letters and digits give lower-cased words (full-width forms folded).
pub fn tokenize(text: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i + 1).map(|c| c.0).unwrap_or(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        if is_cjk(c) {
            let start = i;
            while i < chars.len() && is_cjk(chars[i].1) {
                i += 1;
            }
            if i - start == 1 {
                out.push((c.to_string(), chars[start].0, end_of(start)));
            } else {
                for j in start..i - 1 {
                    let tok: String = [chars[j].1, chars[j + 1].1].iter().collect();
                    out.push((tok, chars[j].0, end_of(j + 1)));
                }
            }
        } else if fold(c).is_alphanumeric() {
            let start = i;
            let mut word = String::new();
            while i < chars.len() && !is_cjk(chars[i].1) && fold(chars[i].1).is_alphanumeric() {
                word.extend(fold(chars[i].1).to_lowercase());
                i += 1;
            }
            out.push((word, chars[start].0, end_of(i - 1)));
        } else {
            i += 1;
        }
    }
    out
}

/// Folds full-width ASCII (Ａ, １) to ASCII.
fn fold(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

impl SearchIndex {
    /// Indexes every item of the catalog.
    pub fn build(catalog: &Catalog) -> SearchIndex {
        let mut idx = SearchIndex::default();
        for (d, item) in catalog.items.iter().enumerate() {
            let texts = [
                item.id.clone(),
                item.title_ja.clone(),
                item.title_en.clone(),
                item.text_ja.clone(),
                item.text_en.clone(),
                item.guidance_ja.clone(),
                item.guidance_en.clone(),
            ];
            let mut lens = [0f64; 7];
            for (fi, (f, text)) in FIELDS.iter().zip(&texts).enumerate() {
                let tokens = if *f == Field::Id {
                    vec![(text.to_lowercase(), 0, text.len())]
                } else {
                    tokenize(text)
                };
                lens[fi] = tokens.len() as f64;
                for (tok, s, e) in tokens {
                    idx.postings.entry(tok).or_default().push(Posting {
                        doc: d as u32,
                        field: *f,
                        start: s as u32,
                        end: e as u32,
                    });
                }
            }
            idx.ids.push(item.id.clone());
            idx.texts.push(texts);
            idx.lengths.push(lens);
            idx.headings.push(matches!(
                item.kind,
                Some(crate::model::Kind::Chapter | crate::model::Kind::Section)
            ));
        }
        let n = idx.lengths.len().max(1) as f64;
        for f in 0..7 {
            idx.avg_len[f] = (idx.lengths.iter().map(|l| l[f]).sum::<f64>() / n).max(1.0);
        }
        idx
    }

    /// The text of `field` of the item `id` (for rendering highlights).
    pub fn field_text(&self, id: &str, field: Field) -> Option<&str> {
        let d = self.ids.iter().position(|x| x == id)?;
        let f = FIELDS.iter().position(|x| *x == field)?;
        Some(&self.texts[d][f])
    }

    /// Items containing every token of the query, best first. An exact id
    /// (`8.1.2`) matches that item first.
    ///
    /// Ranking is BM25F: each field's term frequency is normalised by that
    /// field's length, weighted (id 4, titles 3, texts 2, guidance 1),
    /// summed, saturated and multiplied by the token's idf. A query found
    /// as written gets ×1.5, a title equal to the query ×2, and chapter or
    /// section headings ×0.5 (they are navigation, not criteria).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let mut tokens: Vec<String> = tokenize(query).into_iter().map(|t| t.0).collect();
        let q = query.trim().to_lowercase();
        if self.postings.contains_key(&q) && self.ids.iter().any(|i| i.to_lowercase() == q) {
            tokens = vec![q.clone()];
        }
        tokens.sort();
        tokens.dedup();
        if tokens.is_empty() {
            return Vec::new();
        }
        let n = self.ids.len() as f64;
        let (k1, b) = (1.2, 0.75);
        let mut scores: HashMap<u32, (f64, usize, Vec<Highlight>)> = HashMap::new();
        for tok in &tokens {
            let Some(list) = self.postings.get(tok) else {
                return Vec::new();
            };
            let mut per_doc: HashMap<u32, (f64, Vec<Highlight>)> = HashMap::new();
            for p in list {
                let fi = FIELDS.iter().position(|f| *f == p.field).unwrap_or(0);
                let len = self.lengths[p.doc as usize][fi];
                let e = per_doc.entry(p.doc).or_default();
                e.0 += p.field.weight() / (1.0 - b + b * len / self.avg_len[fi]);
                e.1.push(Highlight {
                    field: p.field,
                    start: p.start as usize,
                    end: p.end as usize,
                });
            }
            let df = per_doc.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            for (doc, (tf, spans)) in per_doc {
                let norm = tf * (k1 + 1.0) / (tf + k1);
                let e = scores.entry(doc).or_default();
                e.0 += idf * norm;
                e.1 += 1;
                e.2.extend(spans);
            }
        }
        let mut hits: Vec<SearchHit> = scores
            .into_iter()
            .filter(|(_, (_, matched, _))| *matched == tokens.len())
            .map(|(doc, (mut score, _, spans))| {
                // A bonus when the whole query appears as written.
                let texts = &self.texts[doc as usize];
                if texts.iter().skip(1).any(|t| t.to_lowercase().contains(&q)) {
                    score *= 1.5;
                }
                if texts[1].to_lowercase() == q || texts[2].to_lowercase() == q {
                    score *= 2.0;
                }
                if self.headings[doc as usize] {
                    score *= 0.5;
                }
                SearchHit {
                    id: self.ids[doc as usize].clone(),
                    score,
                    highlights: merge_spans(spans),
                }
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits.truncate(limit);
        hits
    }
}

fn merge_spans(mut spans: Vec<Highlight>) -> Vec<Highlight> {
    spans.sort_by_key(|h| (FIELDS.iter().position(|f| *f == h.field), h.start, h.end));
    let mut out: Vec<Highlight> = Vec::new();
    for h in spans {
        if let Some(last) = out.last_mut()
            && last.field == h.field
            && h.start <= last.end
        {
            last.end = last.end.max(h.end);
            continue;
        }
        out.push(h);
    }
    out
}

/// Wraps the spans of `field` in `text` with `open`/`close` (e.g. `<mark>`).
/// The caller escapes `text` for its output format first only if the spans
/// were computed on the escaped text; normally render pieces separately.
pub fn highlight(text: &str, spans: &[Highlight], field: Field, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for h in spans.iter().filter(|h| h.field == field) {
        if h.start < pos
            || h.end > text.len()
            || !text.is_char_boundary(h.start)
            || !text.is_char_boundary(h.end)
        {
            continue;
        }
        out.push_str(&text[pos..h.start]);
        out.push_str(open);
        out.push_str(&text[h.start..h.end]);
        out.push_str(close);
        pos = h.end;
    }
    out.push_str(&text[pos..]);
    out
}
