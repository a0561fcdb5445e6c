//! Time handling. All times are integer microseconds since the Unix epoch (UTC),
//! supplied by the caller. Logs that use local time are rendered in JST (UTC+9),
//! the time zone of every Japanese organisation the range models.

use std::fmt::Write as _;

/// Microseconds since the Unix epoch.
pub type Micros = i64;

/// One second in microseconds.
pub const SEC: Micros = 1_000_000;
/// One minute in microseconds.
pub const MIN: Micros = 60 * SEC;
/// One hour in microseconds.
pub const HOUR: Micros = 60 * MIN;
/// One day in microseconds.
pub const DAY: Micros = 24 * HOUR;
/// JST offset from UTC.
pub const JST: Micros = 9 * HOUR;

/// Broken-down local (JST) time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micro: u32,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: u32,
}

/// Days since 1970-01-01 → (year, month, day). Howard Hinnant's algorithm.
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

/// (year, month, day) → days since 1970-01-01.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Break `t` down in JST.
pub fn jst(t: Micros) -> Civil {
    let l = t + JST;
    let days = l.div_euclid(DAY);
    let rem = l.rem_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: (rem / HOUR) as u32,
        minute: ((rem % HOUR) / MIN) as u32,
        second: ((rem % MIN) / SEC) as u32,
        micro: (rem % SEC) as u32,
        weekday: ((days + 3).rem_euclid(7)) as u32,
    }
}

/// Midnight JST of the day containing `t`.
pub fn jst_midnight(t: Micros) -> Micros {
    (t + JST).div_euclid(DAY) * DAY - JST
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2024-06-18T07:01:12.123456+09:00`
pub fn push_iso(out: &mut String, t: Micros) {
    let c = jst(t);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+09:00",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.micro
    );
}

/// ISO 8601 string in JST.
pub fn iso(t: Micros) -> String {
    let mut s = String::new();
    push_iso(&mut s, t);
    s
}

/// Squid `%ts.%03tu`: `1717046400.123` (UTC epoch seconds).
pub fn push_epoch_millis(out: &mut String, t: Micros) {
    let _ = write!(out, "{}.{:03}", t.div_euclid(SEC), t.rem_euclid(SEC) / 1000);
}

/// BIND: `06-Jul-2024 11:12:04.202`
pub fn push_bind(out: &mut String, t: Micros) {
    let c = jst(t);
    let _ = write!(
        out,
        "{:02}-{}-{:04} {:02}:{:02}:{:02}.{:03}",
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.minute,
        c.second,
        c.micro / 1000
    );
}

/// Syslog: `Jun 18 07:24:18`
pub fn push_syslog(out: &mut String, t: Micros) {
    let c = jst(t);
    let _ = write!(
        out,
        "{} {:>2} {:02}:{:02}:{:02}",
        MONTHS[c.month as usize - 1],
        c.day,
        c.hour,
        c.minute,
        c.second
    );
}

/// FortiGate: `date=2019-05-10 time=11:37:47`
pub fn push_forti(out: &mut String, t: Micros) {
    let c = jst(t);
    let _ = write!(
        out,
        "date={:04}-{:02}-{:02} time={:02}:{:02}:{:02}",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    );
}

/// Windows DHCP audit: `06/18/24,07:01:12`
pub fn push_dhcp(out: &mut String, t: Micros) {
    let c = jst(t);
    let _ = write!(
        out,
        "{:02}/{:02}/{:02},{:02}:{:02}:{:02}",
        c.month,
        c.day,
        c.year.rem_euclid(100),
        c.hour,
        c.minute,
        c.second
    );
}

/// Apache: `[10/Oct/2000:13:55:36 +0900]`
pub fn push_apache(out: &mut String, t: Micros) {
    let c = jst(t);
    let _ = write!(
        out,
        "[{:02}/{}/{:04}:{:02}:{:02}:{:02} +0900]",
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.minute,
        c.second
    );
}

/// Parse `HH:MM` into minutes after midnight.
pub fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let h: u32 = h.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    (h < 24 && m < 60).then_some(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_match_real_layouts() {
        // 2024-05-30T05:20:00Z = 14:20 JST
        let t = 1_717_046_400 * SEC + 123_456;
        let mut s = String::new();
        push_epoch_millis(&mut s, t);
        assert_eq!(s, "1717046400.123");
        s.clear();
        push_bind(&mut s, t);
        assert_eq!(s, "30-May-2024 14:20:00.123");
        s.clear();
        push_syslog(&mut s, t);
        assert_eq!(s, "May 30 14:20:00");
        s.clear();
        push_dhcp(&mut s, t);
        assert_eq!(s, "05/30/24,14:20:00");
        assert_eq!(jst(t).weekday, 3); // Thursday
        assert_eq!(days_from_civil(2024, 5, 30), 19873);
        assert_eq!(civil_from_days(19873), (2024, 5, 30));
        assert_eq!(parse_hhmm("08:30"), Some(510));
        assert_eq!(parse_hhmm("24:00"), None);
    }
}
