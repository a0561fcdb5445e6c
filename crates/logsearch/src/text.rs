//! Text helpers: tokenising lines for the word index, glob matching,
//! word-boundary phrase matching, numbers, IPv4 / CIDR, and Japan time.

/// Microseconds in one second / minute / hour / day.
pub const SEC: i64 = 1_000_000;
pub const MIN: i64 = 60 * SEC;
pub const HOUR: i64 = 60 * MIN;
pub const DAY: i64 = 24 * HOUR;
/// Asia/Tokyo is UTC+9 all year (no daylight saving).
pub const JST: i64 = 9 * HOUR;

/// Digit-only words at least this long (timestamps, ids, byte counts) are not
/// put in the word index; phrases made only of them are checked by scanning.
pub const MAX_INDEXED_DIGITS: usize = 4;

/// A word as seen by the index: ASCII words lower-cased, CJK (any non-ASCII
/// letter or digit) as character bigrams (a lone character as a unigram).
/// Calls `f(token, exact)` for every token of `s`, in order (duplicates
/// included); `exact` is false for a lone CJK character, which a longer run
/// in another text would index only inside bigrams.
pub fn tokens(s: &str, buf: &mut String, mut f: impl FnMut(&str, bool)) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            let start = i;
            while i < b.len() && b[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let w = &s[start..i];
            if w.len() > MAX_INDEXED_DIGITS && w.bytes().all(|c| c.is_ascii_digit()) {
                continue;
            }
            buf.clear();
            buf.push_str(w);
            buf.make_ascii_lowercase();
            f(buf, true);
        } else if c < 0x80 {
            i += 1;
        } else {
            // A run of non-ASCII letters/digits.
            let start = i;
            let mut prev: Option<usize> = None; // byte offset of the previous char in the run
            let mut n = 0;
            for (k, ch) in s[start..].char_indices() {
                if !ch.is_alphanumeric() || ch.is_ascii() {
                    break;
                }
                let at = start + k;
                if let Some(p) = prev {
                    f(&s[p..at + ch.len_utf8()], true);
                }
                prev = Some(at);
                n += 1;
                i = at + ch.len_utf8();
            }
            if n == 1 {
                f(&s[start..i], false);
            }
            if n == 0 {
                // Non-ASCII punctuation / symbol: skip one char.
                i += s[i..].chars().next().map(char::len_utf8).unwrap_or(1);
            }
        }
    }
}

/// Does `term` (already ASCII-lower-cased) occur in `line` ignoring ASCII
/// case, starting and ending at word boundaries where the term starts / ends
/// with an ASCII letter or digit?
pub fn contains_term(line: &str, term: &str, lower_buf: &mut String) -> bool {
    if term.is_empty() {
        return true;
    }
    let hay: &[u8] = if term.bytes().any(|c| c.is_ascii_alphabetic()) {
        lower_buf.clear();
        lower_buf.push_str(line);
        lower_buf.make_ascii_lowercase();
        lower_buf.as_bytes()
    } else {
        line.as_bytes()
    };
    let t = term.as_bytes();
    let check_start = t[0].is_ascii_alphanumeric();
    let check_end = t[t.len() - 1].is_ascii_alphanumeric();
    for pos in memchr::memmem::find_iter(hay, t) {
        if check_start && pos > 0 && hay[pos - 1].is_ascii_alphanumeric() {
            continue;
        }
        let end = pos + t.len();
        if check_end && end < hay.len() && hay[end].is_ascii_alphanumeric() {
            continue;
        }
        return true;
    }
    false
}

/// Glob match with `*` (any run) and `?` (one character).
pub fn glob_match(pat: &str, s: &str) -> bool {
    let p = pat.as_bytes();
    let t = s.as_bytes();
    let clen = |b: u8| match b {
        0xF0.. => 4,
        0xE0.. => 3,
        0xC0.. => 2,
        _ => 1,
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<usize> = None;
    let mut mark = 0;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'?' {
            pi += 1;
            ti += clen(t[ti]);
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += clen(t[mark]);
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// The literal prefix of a glob pattern (before the first `*` or `?`).
pub fn glob_prefix(pat: &str) -> &str {
    let k = pat.find(['*', '?']).unwrap_or(pat.len());
    &pat[..k]
}

/// Parse a decimal or `0x` hexadecimal unsigned number.
pub fn parse_num(s: &str) -> Option<u64> {
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() || !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        return u64::from_str_radix(h, 16).ok();
    }
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse a dotted-quad IPv4 address.
pub fn parse_ip(s: &str) -> Option<u32> {
    let mut out = 0u32;
    let mut n = 0;
    for part in s.split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        out = (out << 8) | v;
        n += 1;
    }
    (n == 4).then_some(out)
}

/// Parse `a.b.c.d/len` into the inclusive address range it covers.
pub fn parse_cidr(s: &str) -> Option<(u32, u32)> {
    let (a, l) = s.split_once('/')?;
    let ip = parse_ip(a)?;
    if l.is_empty() || l.len() > 2 || !l.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let len: u32 = l.parse().ok()?;
    if len > 32 {
        return None;
    }
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((ip & mask, (ip & mask) | !mask))
}

/// Dotted-quad text of an address.
pub fn ip_string(ip: u32) -> String {
    let b = ip.to_be_bytes();
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

/// A span of time denoted by a written time of some precision: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSpan {
    pub start: i64,
    pub end: i64,
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn num_exact(s: &str, len: usize) -> Option<u32> {
    (s.len() == len && s.bytes().all(|c| c.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// Parse a Japan-time instant `YYYY-MM-DD[THH[:MM[:SS]]]` into the span it
/// denotes at its precision (a day, an hour, a minute or a second).
pub fn parse_jst(s: &str) -> Option<TimeSpan> {
    let (date, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y = num_exact(dp.next()?, 4)? as i64;
    let m = num_exact(dp.next()?, 2)?;
    let d = num_exact(dp.next()?, 2)?;
    if dp.next().is_some() || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    let mut start = days_from_civil(y, m, d) * DAY - JST;
    let mut unit = DAY;
    if let Some(t) = time {
        let mut tp = t.split(':');
        let h = num_exact(tp.next()?, 2)?;
        if h > 23 {
            return None;
        }
        start += h as i64 * HOUR;
        unit = HOUR;
        if let Some(mi) = tp.next() {
            let mi = num_exact(mi, 2)?;
            if mi > 59 {
                return None;
            }
            start += mi as i64 * MIN;
            unit = MIN;
            if let Some(se) = tp.next() {
                let se = num_exact(se, 2)?;
                if se > 59 {
                    return None;
                }
                start += se as i64 * SEC;
                unit = SEC;
            }
        }
        if tp.next().is_some() {
            return None;
        }
    }
    Some(TimeSpan {
        start,
        end: start + unit,
    })
}

/// Parse a relative duration `N[smhdw]` into microseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let unit = match s.chars().last()? {
        's' => SEC,
        'm' => MIN,
        'h' => HOUR,
        'd' => DAY,
        'w' => 7 * DAY,
        _ => return None,
    };
    let n = &s[..s.len() - 1];
    if n.is_empty() || n.len() > 6 || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = n.parse().ok()?;
    (n > 0).then_some(n * unit)
}

/// Format `t` (µs since the epoch) as ISO 8601 in Japan time with
/// microseconds: `2026-06-18T09:35:00.557494+09:00`.
pub fn format_jst(t: i64) -> String {
    let l = t + JST;
    let days = l.div_euclid(DAY);
    let rem = l.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}+09:00",
        rem / HOUR,
        (rem % HOUR) / MIN,
        (rem % MIN) / SEC,
        rem % SEC
    )
}
