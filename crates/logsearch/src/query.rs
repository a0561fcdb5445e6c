//! The query language: lexer, recursive-descent parser and typed errors.
//!
//! Grammar (see `docs/query-language.md` for the user-facing description):
//!
//! ```text
//! query   := expr? ( '|' agg )?
//! expr    := or
//! or      := and ( 'OR' and )*
//! and     := unary ( 'AND'? unary )*
//! unary   := 'NOT' unary | primary
//! primary := '(' expr ')' | NAME ':' value | '"' phrase '"' | word
//! value   := ('>' | '>=' | '<' | '<=')? plain | '"' phrase '"' | '[' lo 'TO' hi ']'
//! agg     := 'count' ( 'by' NAME )? | 'top' N? NAME
//! ```
//!
//! The parser never panics: every malformed input yields a [`ParseError`]
//! with the character position of the problem.

use std::fmt;

use crate::text::{self, TimeSpan};

/// A parsed query: a filter expression and an optional aggregation.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The filter; [`Expr::All`] for an empty query.
    pub expr: Expr,
    /// The aggregation after `|`, if any.
    pub agg: Option<Agg>,
}

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// Every record (empty query or `*`).
    All,
    /// Free text matched against the rendered line.
    Text(TextTerm),
    /// A filter on one named field.
    Field {
        name: String,
        pred: Pred,
    },
    /// `ip:` — a filter on every address-valued field.
    AnyIp(Pred),
    /// `source:` — the log a record comes from (glob allowed).
    Source(String),
    /// `time:` — absolute time range, `[lo, hi)` in µs since the epoch.
    Time {
        lo: Option<i64>,
        hi: Option<i64>,
    },
    /// `last:` — the last `micros` before the `now` given at search time.
    Last(i64),
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
}

/// A free-text term (a bare word or a quoted phrase).
#[derive(Debug, Clone, PartialEq)]
pub struct TextTerm {
    /// The text, ASCII-lower-cased.
    pub text: String,
    /// The term contains `*`/`?` (single word only): matched against the word dictionary.
    pub glob: bool,
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
}

/// A bound of a numeric or address comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    Num(u64),
    Ip(u32),
}

/// A predicate on a field value.
#[derive(Debug, Clone, PartialEq)]
pub enum Pred {
    /// Equality: the text (ASCII-lower-cased) matches string values; if it
    /// parses as a number or an IPv4 address, numeric / address values too.
    Eq {
        text: String,
        num: Option<u64>,
        ip: Option<u32>,
    },
    /// `*` / `?` glob over string values (ASCII case-insensitive).
    Glob(String),
    /// The field is present (`field:*`).
    Exists,
    /// `field:>N` etc.
    Cmp(Cmp, Bound),
    /// Inclusive range (`field:[A TO B]`, or CIDR for addresses).
    Range(Bound, Bound),
}

/// The aggregation stage after `|`.
#[derive(Debug, Clone, PartialEq)]
pub enum Agg {
    /// `| count` — the number of matches.
    Count,
    /// `| count by FIELD` — matches per value, most frequent first.
    CountBy(String),
    /// `| top N FIELD` — the N most frequent values.
    Top(usize, String),
}

/// Why a query could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    UnterminatedQuote,
    EmptyPhrase,
    UnclosedParen,
    UnexpectedCloseParen,
    MissingOperand,
    MissingLeftOperand,
    EmptyValue,
    UnterminatedRange,
    RangeMissingTo,
    BadNumber,
    BadCidr,
    BadTime,
    BadDuration,
    ComparisonNeedsNumber,
    TextWildcard,
    UnknownAggregation,
    AggregationFieldMissing,
    BadTopCount,
    TrailingInput,
}

/// A parse error: where (character position, 0-based, counted in Unicode
/// scalar values) and why, with messages in Japanese and English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Character (not byte) offset of the problem in the query.
    pub position: usize,
    /// What went wrong.
    pub kind: ErrorKind,
    /// The offending text (may be empty).
    pub arg: String,
}

impl ParseError {
    /// Stable message key, e.g. `"logsearch.unclosed_paren"`.
    pub fn key(&self) -> &'static str {
        use ErrorKind::*;
        match self.kind {
            UnterminatedQuote => "logsearch.unterminated_quote",
            EmptyPhrase => "logsearch.empty_phrase",
            UnclosedParen => "logsearch.unclosed_paren",
            UnexpectedCloseParen => "logsearch.unexpected_close_paren",
            MissingOperand => "logsearch.missing_operand",
            MissingLeftOperand => "logsearch.missing_left_operand",
            EmptyValue => "logsearch.empty_value",
            UnterminatedRange => "logsearch.unterminated_range",
            RangeMissingTo => "logsearch.range_missing_to",
            BadNumber => "logsearch.bad_number",
            BadCidr => "logsearch.bad_cidr",
            BadTime => "logsearch.bad_time",
            BadDuration => "logsearch.bad_duration",
            ComparisonNeedsNumber => "logsearch.comparison_needs_number",
            TextWildcard => "logsearch.text_wildcard",
            UnknownAggregation => "logsearch.unknown_aggregation",
            AggregationFieldMissing => "logsearch.aggregation_field_missing",
            BadTopCount => "logsearch.bad_top_count",
            TrailingInput => "logsearch.trailing_input",
        }
    }

    /// English message.
    pub fn message_en(&self) -> String {
        use ErrorKind::*;
        let a = &self.arg;
        let p = self.position + 1;
        let what = match self.kind {
            UnterminatedQuote => "the quoted phrase is not closed with \"".to_string(),
            EmptyPhrase => "the quoted phrase is empty".to_string(),
            UnclosedParen => "this ( is never closed".to_string(),
            UnexpectedCloseParen => "this ) has no matching (".to_string(),
            MissingOperand => format!("{a} needs a search term after it"),
            MissingLeftOperand => format!("{a} needs a search term before it"),
            EmptyValue => format!("the field {a}: has no value"),
            UnterminatedRange => "the range [ … ] is not closed with ]".to_string(),
            RangeMissingTo => "a range must be written [FROM TO UNTIL]".to_string(),
            BadNumber => format!("{a} is not a number or an IPv4 address"),
            BadCidr => format!("{a} is not a valid CIDR block (e.g. 10.20.0.0/16)"),
            BadTime => format!(
                "{a} is not a time (use 2026-06-18, 2026-06-18T09, 2026-06-18T09:00 or 2026-06-18T09:00:00, Japan time)"
            ),
            BadDuration => format!("{a} is not a duration (use e.g. 30s, 15m, 1h, 7d)"),
            ComparisonNeedsNumber => {
                format!("{a}: comparisons and ranges need numbers or IPv4 addresses")
            }
            TextWildcard => format!(
                "{a}: wildcards in free text work within one word only; use a field filter such as url:{a}"
            ),
            UnknownAggregation => {
                format!("unknown aggregation {a} (use count, count by FIELD or top N FIELD)")
            }
            AggregationFieldMissing => "the aggregation needs a field name".to_string(),
            BadTopCount => format!("{a} is not a valid count for top (1–10000)"),
            TrailingInput => format!("unexpected {a} after the aggregation"),
        };
        format!("at character {p}: {what}")
    }

    /// Japanese message.
    pub fn message_ja(&self) -> String {
        use ErrorKind::*;
        let a = &self.arg;
        let p = self.position + 1;
        let what = match self.kind {
            UnterminatedQuote => "引用符 \" で始まるフレーズが閉じられていません".to_string(),
            EmptyPhrase => "引用符の中が空です".to_string(),
            UnclosedParen => "この ( に対応する ) がありません".to_string(),
            UnexpectedCloseParen => "この ) に対応する ( がありません".to_string(),
            MissingOperand => format!("{a} の後に検索語が必要です"),
            MissingLeftOperand => format!("{a} の前に検索語が必要です"),
            EmptyValue => format!("フィールド {a}: に値がありません"),
            UnterminatedRange => "範囲 [ … ] が ] で閉じられていません".to_string(),
            RangeMissingTo => "範囲は [開始 TO 終了] の形で書いてください".to_string(),
            BadNumber => format!("{a} は数値でも IPv4 アドレスでもありません"),
            BadCidr => format!("{a} は正しい CIDR 表記ではありません（例: 10.20.0.0/16）"),
            BadTime => format!(
                "{a} は日時として解釈できません（日本時間で 2026-06-18、2026-06-18T09、2026-06-18T09:00、2026-06-18T09:00:00 の形式）"
            ),
            BadDuration => format!("{a} は期間として解釈できません（例: 30s、15m、1h、7d）"),
            ComparisonNeedsNumber => {
                format!("{a}: 比較・範囲には数値か IPv4 アドレスを指定してください")
            }
            TextWildcard => format!(
                "{a}: 自由語のワイルドカードは 1 語の中でのみ使えます。url:{a} のようにフィールドを指定してください"
            ),
            UnknownAggregation => {
                format!("集計 {a} は使えません（count、count by フィールド、top N フィールド）")
            }
            AggregationFieldMissing => "集計にはフィールド名が必要です".to_string(),
            BadTopCount => format!("{a} は top の件数として使えません（1〜10000）"),
            TrailingInput => format!("集計の後に余分な {a} があります"),
        };
        format!("{p} 文字目: {what}")
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for ParseError {}

/// Parse a query.
pub fn parse(q: &str) -> Result<Query, ParseError> {
    let toks = lex(q).map_err(|e| e.into_error(q))?;
    let mut p = Parser {
        q,
        toks: &toks,
        i: 0,
    };
    p.query().map_err(|e| e.into_error(q))
}

/// Error with a byte offset, converted to a character position at the end.
struct RawErr {
    byte: usize,
    kind: ErrorKind,
    arg: String,
}

impl RawErr {
    fn new(byte: usize, kind: ErrorKind, arg: &str) -> RawErr {
        RawErr {
            byte,
            kind,
            arg: arg.to_string(),
        }
    }
    fn into_error(self, q: &str) -> ParseError {
        let byte = self.byte.min(q.len());
        let position = q.char_indices().take_while(|&(i, _)| i < byte).count();
        ParseError {
            position,
            kind: self.kind,
            arg: self.arg,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LParen,
    RParen,
    Pipe,
    And,
    Or,
    Not,
    Word(String),
    Phrase(String),
    Field {
        name: String,
        value: FieldTok,
        value_at: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
enum FieldTok {
    Plain(String),
    Quoted(String),
    Range(String, usize, String, usize),
}

fn is_stop(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|' | '"')
}

fn is_value_stop(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '|')
}

/// Read a quoted string starting at the `"` at byte `at`; returns (content, end byte).
fn read_quoted(q: &str, at: usize) -> Result<(String, usize), RawErr> {
    let mut out = String::new();
    let mut it = q[at + 1..].char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return Ok((out, at + 1 + i + 1)),
            '\\' => match it.next() {
                Some((_, c2)) => out.push(c2),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err(RawErr::new(at, ErrorKind::UnterminatedQuote, ""))
}

fn lex(q: &str) -> Result<Vec<(usize, Tok)>, RawErr> {
    let mut toks = Vec::new();
    let mut i = 0;
    while i < q.len() {
        let c = q[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        match c {
            '(' => {
                toks.push((i, Tok::LParen));
                i += 1;
            }
            ')' => {
                toks.push((i, Tok::RParen));
                i += 1;
            }
            '|' if q[i..].starts_with("||") => {
                toks.push((i, Tok::Or));
                i += 2;
            }
            '|' => {
                toks.push((i, Tok::Pipe));
                i += 1;
            }
            '"' => {
                let (s, end) = read_quoted(q, i)?;
                toks.push((i, Tok::Phrase(s)));
                i = end;
            }
            _ => {
                // A field name is [A-Za-z_][A-Za-z0-9_]* followed by ':' (but not '://').
                let name_len = q[i..]
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let first_ok = q.as_bytes()[i].is_ascii_alphabetic() || q.as_bytes()[i] == b'_';
                let after = i + name_len;
                if first_ok
                    && name_len > 0
                    && q[after..].starts_with(':')
                    && !q[after..].starts_with("://")
                {
                    let name = q[i..after].to_string();
                    let v = after + 1;
                    let (value, end) = if q[v..].starts_with('"') {
                        let (s, end) = read_quoted(q, v)?;
                        (FieldTok::Quoted(s), end)
                    } else if q[v..].starts_with('[') {
                        let close = q[v..]
                            .find(']')
                            .map(|k| v + k)
                            .ok_or_else(|| RawErr::new(v, ErrorKind::UnterminatedRange, ""))?;
                        let inner = &q[v + 1..close];
                        let to = find_to(inner)
                            .ok_or_else(|| RawErr::new(v, ErrorKind::RangeMissingTo, ""))?;
                        let lo_raw = &inner[..to];
                        let hi_raw = &inner[to + 2..];
                        let lo = lo_raw.trim();
                        let hi = hi_raw.trim();
                        let lo_at = v + 1 + (lo_raw.len() - lo_raw.trim_start().len());
                        let hi_at = v + 1 + to + 2 + (hi_raw.len() - hi_raw.trim_start().len());
                        if lo.is_empty() || hi.is_empty() {
                            return Err(RawErr::new(v, ErrorKind::RangeMissingTo, ""));
                        }
                        (
                            FieldTok::Range(lo.to_string(), lo_at, hi.to_string(), hi_at),
                            close + 1,
                        )
                    } else {
                        let len: usize = q[v..]
                            .chars()
                            .take_while(|&c| !is_value_stop(c))
                            .map(char::len_utf8)
                            .sum();
                        if len == 0 {
                            return Err(RawErr::new(v, ErrorKind::EmptyValue, &name));
                        }
                        (FieldTok::Plain(q[v..v + len].to_string()), v + len)
                    };
                    toks.push((
                        i,
                        Tok::Field {
                            name,
                            value,
                            value_at: v,
                        },
                    ));
                    i = end;
                } else {
                    let len: usize = q[i..]
                        .chars()
                        .take_while(|&c| !is_stop(c))
                        .map(char::len_utf8)
                        .sum();
                    let w = &q[i..i + len];
                    let t = match w {
                        "AND" | "&&" => Tok::And,
                        "OR" => Tok::Or,
                        "NOT" => Tok::Not,
                        _ => Tok::Word(w.to_string()),
                    };
                    toks.push((i, t));
                    i += len.max(1);
                }
            }
        }
    }
    Ok(toks)
}

/// Byte offset of a standalone `TO` inside a range body.
fn find_to(inner: &str) -> Option<usize> {
    let b = inner.as_bytes();
    let mut k = 0;
    while k + 2 <= b.len() {
        if &b[k..k + 2] == b"TO"
            && (k == 0 || b[k - 1].is_ascii_whitespace())
            && (k + 2 == b.len() || b[k + 2].is_ascii_whitespace())
        {
            return Some(k);
        }
        k += 1;
    }
    None
}

struct Parser<'q, 't> {
    q: &'q str,
    toks: &'t [(usize, Tok)],
    i: usize,
}

impl Parser<'_, '_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|(_, t)| t)
    }
    fn at(&self) -> usize {
        self.toks
            .get(self.i)
            .map(|(p, _)| *p)
            .unwrap_or(self.q.len())
    }

    fn query(&mut self) -> Result<Query, RawErr> {
        let expr = match self.peek() {
            None | Some(Tok::Pipe) => Expr::All,
            _ => self.or()?,
        };
        let agg = match self.peek() {
            None => None,
            Some(Tok::Pipe) => {
                self.i += 1;
                Some(self.agg()?)
            }
            Some(Tok::RParen) => {
                return Err(RawErr::new(self.at(), ErrorKind::UnexpectedCloseParen, ")"));
            }
            Some(_) => {
                return Err(RawErr::new(self.at(), ErrorKind::TrailingInput, ""));
            }
        };
        Ok(Query { expr, agg })
    }

    fn starts_operand(t: Option<&Tok>) -> bool {
        matches!(
            t,
            Some(Tok::LParen | Tok::Not | Tok::Word(_) | Tok::Phrase(_) | Tok::Field { .. })
        )
    }

    fn or(&mut self) -> Result<Expr, RawErr> {
        let mut parts = vec![self.and()?];
        while let Some(Tok::Or) = self.peek() {
            let at = self.at();
            self.i += 1;
            if !Self::starts_operand(self.peek()) {
                return Err(RawErr::new(at, ErrorKind::MissingOperand, "OR"));
            }
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Expr::All)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, RawErr> {
        let mut parts = vec![self.unary()?];
        loop {
            match self.peek() {
                Some(Tok::And) => {
                    let at = self.at();
                    self.i += 1;
                    if !Self::starts_operand(self.peek()) {
                        return Err(RawErr::new(at, ErrorKind::MissingOperand, "AND"));
                    }
                    parts.push(self.unary()?);
                }
                t if Self::starts_operand(t) => parts.push(self.unary()?),
                _ => break,
            }
        }
        Ok(if parts.len() == 1 {
            parts.pop().unwrap_or(Expr::All)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self) -> Result<Expr, RawErr> {
        if let Some(Tok::Not) = self.peek() {
            let at = self.at();
            self.i += 1;
            if !Self::starts_operand(self.peek()) {
                return Err(RawErr::new(at, ErrorKind::MissingOperand, "NOT"));
            }
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, RawErr> {
        let at = self.at();
        let Some((_, tok)) = self.toks.get(self.i) else {
            return Err(RawErr::new(at, ErrorKind::MissingOperand, ""));
        };
        self.i += 1;
        match tok {
            Tok::LParen => {
                if let Some(Tok::RParen) = self.peek() {
                    return Err(RawErr::new(at, ErrorKind::MissingOperand, "("));
                }
                let e = self.or()?;
                match self.peek() {
                    Some(Tok::RParen) => {
                        self.i += 1;
                        Ok(e)
                    }
                    _ => Err(RawErr::new(at, ErrorKind::UnclosedParen, "(")),
                }
            }
            Tok::Word(w) => text_term(w, at),
            Tok::Phrase(p) => {
                if p.trim().is_empty() {
                    return Err(RawErr::new(at, ErrorKind::EmptyPhrase, ""));
                }
                Ok(Expr::Text(TextTerm {
                    text: p.to_ascii_lowercase(),
                    glob: false,
                }))
            }
            Tok::Field {
                name,
                value,
                value_at,
            } => field(name, value, *value_at),
            Tok::RParen => Err(RawErr::new(at, ErrorKind::UnexpectedCloseParen, ")")),
            Tok::And => Err(RawErr::new(at, ErrorKind::MissingLeftOperand, "AND")),
            Tok::Or => Err(RawErr::new(at, ErrorKind::MissingLeftOperand, "OR")),
            Tok::Pipe | Tok::Not => Err(RawErr::new(at, ErrorKind::MissingOperand, "")),
        }
    }

    fn agg(&mut self) -> Result<Agg, RawErr> {
        let at = self.at();
        let word = |t: Option<&Tok>| match t {
            Some(Tok::Word(w)) => Some(w.clone()),
            _ => None,
        };
        let Some(op) = word(self.peek()) else {
            return Err(RawErr::new(at, ErrorKind::UnknownAggregation, ""));
        };
        self.i += 1;
        let agg = match op.to_ascii_lowercase().as_str() {
            "count" => match word(self.peek()) {
                Some(b) if b.eq_ignore_ascii_case("by") => {
                    self.i += 1;
                    let f = word(self.peek()).ok_or_else(|| {
                        RawErr::new(self.at(), ErrorKind::AggregationFieldMissing, "")
                    })?;
                    self.i += 1;
                    Agg::CountBy(f)
                }
                _ => Agg::Count,
            },
            "top" => {
                let mut n = 10;
                if let Some(w) = word(self.peek())
                    && w.starts_with(|c: char| c.is_ascii_digit())
                {
                    let wat = self.at();
                    n = w
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=10_000).contains(n))
                        .ok_or_else(|| RawErr::new(wat, ErrorKind::BadTopCount, &w))?;
                    self.i += 1;
                }
                let f = word(self.peek()).ok_or_else(|| {
                    RawErr::new(self.at(), ErrorKind::AggregationFieldMissing, "")
                })?;
                self.i += 1;
                Agg::Top(n, f)
            }
            _ => return Err(RawErr::new(at, ErrorKind::UnknownAggregation, &op)),
        };
        if self.i < self.toks.len() {
            let s = match &self.toks[self.i].1 {
                Tok::Word(w) => w.clone(),
                _ => String::new(),
            };
            return Err(RawErr::new(self.at(), ErrorKind::TrailingInput, &s));
        }
        Ok(agg)
    }
}

fn text_term(w: &str, at: usize) -> Result<Expr, RawErr> {
    if w == "*" {
        return Ok(Expr::All);
    }
    let glob = w.contains(['*', '?']);
    if glob
        && w.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '*' || c == '?'))
    {
        return Err(RawErr::new(at, ErrorKind::TextWildcard, w));
    }
    Ok(Expr::Text(TextTerm {
        text: w.to_ascii_lowercase(),
        glob,
    }))
}

fn parse_bound(s: &str, at: usize) -> Result<Bound, RawErr> {
    if let Some(n) = text::parse_num(s) {
        Ok(Bound::Num(n))
    } else if let Some(ip) = text::parse_ip(s) {
        Ok(Bound::Ip(ip))
    } else {
        Err(RawErr::new(at, ErrorKind::ComparisonNeedsNumber, s))
    }
}

fn split_cmp(s: &str) -> (Option<Cmp>, &str) {
    for (p, c) in [
        (">=", Cmp::Ge),
        ("<=", Cmp::Le),
        (">", Cmp::Gt),
        ("<", Cmp::Lt),
    ] {
        if let Some(rest) = s.strip_prefix(p) {
            return (Some(c), rest);
        }
    }
    (None, s.strip_prefix('=').unwrap_or(s))
}

fn parse_time(s: &str, at: usize) -> Result<TimeSpan, RawErr> {
    text::parse_jst(s).ok_or_else(|| RawErr::new(at, ErrorKind::BadTime, s))
}

fn field(name: &str, value: &FieldTok, at: usize) -> Result<Expr, RawErr> {
    let lname = name.to_ascii_lowercase();
    match lname.as_str() {
        "time" => {
            return match value {
                FieldTok::Range(lo, lo_at, hi, hi_at) => {
                    let a = parse_time(lo, *lo_at)?;
                    let b = parse_time(hi, *hi_at)?;
                    Ok(Expr::Time {
                        lo: Some(a.start),
                        hi: Some(b.end),
                    })
                }
                FieldTok::Plain(s) | FieldTok::Quoted(s) => {
                    let (op, rest) = split_cmp(s);
                    let vat = at
                        + (s.len() - rest.len())
                        + usize::from(matches!(value, FieldTok::Quoted(_)));
                    let t = parse_time(rest, vat)?;
                    let (lo, hi) = match op {
                        None => (Some(t.start), Some(t.end)),
                        Some(Cmp::Ge) => (Some(t.start), None),
                        Some(Cmp::Gt) => (Some(t.end), None),
                        Some(Cmp::Lt) => (None, Some(t.start)),
                        Some(Cmp::Le) => (None, Some(t.end)),
                    };
                    Ok(Expr::Time { lo, hi })
                }
            };
        }
        "last" => {
            let s = match value {
                FieldTok::Plain(s) | FieldTok::Quoted(s) => s.as_str(),
                FieldTok::Range(..) => "[…]",
            };
            return text::parse_duration(s)
                .map(Expr::Last)
                .ok_or_else(|| RawErr::new(at, ErrorKind::BadDuration, s));
        }
        "source" => {
            return match value {
                FieldTok::Plain(s) | FieldTok::Quoted(s) => {
                    Ok(Expr::Source(s.to_ascii_lowercase()))
                }
                FieldTok::Range(..) => Err(RawErr::new(at, ErrorKind::ComparisonNeedsNumber, name)),
            };
        }
        _ => {}
    }
    let pred = match value {
        FieldTok::Range(lo, lo_at, hi, hi_at) => {
            Pred::Range(parse_bound(lo, *lo_at)?, parse_bound(hi, *hi_at)?)
        }
        FieldTok::Quoted(s) => eq_pred(s),
        FieldTok::Plain(s) => {
            let (op, rest) = split_cmp(s);
            let vat = at + (s.len() - rest.len());
            if rest.is_empty() {
                return Err(RawErr::new(vat, ErrorKind::EmptyValue, name));
            }
            match op {
                Some(c) => Pred::Cmp(c, parse_bound(rest, vat)?),
                None if rest == "*" => Pred::Exists,
                None if rest.contains(['*', '?']) => Pred::Glob(rest.to_ascii_lowercase()),
                None if rest
                    .split_once('/')
                    .is_some_and(|(a, _)| text::parse_ip(a).is_some()) =>
                {
                    match text::parse_cidr(rest) {
                        Some((lo, hi)) => Pred::Range(Bound::Ip(lo), Bound::Ip(hi)),
                        None => return Err(RawErr::new(vat, ErrorKind::BadCidr, rest)),
                    }
                }
                None => eq_pred(rest),
            }
        }
    };
    Ok(if lname == "ip" {
        Expr::AnyIp(pred)
    } else {
        Expr::Field {
            name: name.to_string(),
            pred,
        }
    })
}

fn eq_pred(s: &str) -> Pred {
    Pred::Eq {
        text: s.to_ascii_lowercase(),
        num: text::parse_num(s),
        ip: text::parse_ip(s),
    }
}
