use std::sync::atomic::{AtomicI64, Ordering};

/// Microseconds since the Unix epoch (UTC). Stored as an integer in every backend.
pub type Micros = i64;

/// The source of "now". Production uses [`SystemClock`]; tests use [`FixedClock`].
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Micros;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Micros {
        jiff::Timestamp::now().as_microsecond()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(at: Micros) -> Self {
        FixedClock(AtomicI64::new(at))
    }
    pub fn set(&self, at: Micros) {
        self.0.store(at, Ordering::SeqCst);
    }
    pub fn advance_secs(&self, secs: i64) {
        self.0.fetch_add(secs * 1_000_000, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Micros {
        self.0.load(Ordering::SeqCst)
    }
}

fn tokyo(at: Micros) -> Option<jiff::Zoned> {
    let ts = jiff::Timestamp::from_microsecond(at).ok()?;
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").ok()?;
    Some(ts.to_zoned(tz))
}

/// `2026-11-27 14:59:01 JST`: how people in Japan read a time.
pub fn format_tokyo(at: Micros) -> String {
    match tokyo(at) {
        Some(z) => z.strftime("%Y-%m-%d %H:%M:%S JST").to_string(),
        None => format!("{at}µs"),
    }
}

/// `2026-11-27`, the calendar day in Japan.
pub fn format_tokyo_date(at: Micros) -> String {
    match tokyo(at) {
        Some(z) => z.strftime("%Y-%m-%d").to_string(),
        None => format!("{at}µs"),
    }
}

/// A date (`YYYY-MM-DD`) and time (`HH:MM`) read as Tokyo local time, in µs since the epoch.
pub fn tokyo_local_to_micros(date: &str, time: &str) -> Option<Micros> {
    let civil: jiff::civil::DateTime = format!("{}T{}", date.trim(), time.trim()).parse().ok()?;
    let tz = jiff::tz::TimeZone::get("Asia/Tokyo").ok()?;
    Some(civil.to_zoned(tz).ok()?.timestamp().as_microsecond())
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokyo_local_times_read_back() {
        let at = tokyo_local_to_micros("2024-07-01", "00:00").unwrap();
        assert_eq!(at, 1_719_759_600_000_000);
        assert_eq!(format_tokyo(at), "2024-07-01 00:00:00 JST");
        assert_eq!(tokyo_local_to_micros("2024-02-30", "09:00"), None);
        assert_eq!(tokyo_local_to_micros("tomorrow", "09:00"), None);
    }

    use super::*;

    #[test]
    fn tokyo_is_nine_hours_ahead_of_utc() {
        // 2024-06-30 15:00:00 UTC is midnight of 1 July in Tokyo.
        let at = 1_719_759_600_000_000;
        assert_eq!(format_tokyo(at), "2024-07-01 00:00:00 JST");
        assert_eq!(format_tokyo_date(at), "2024-07-01");
    }

    #[test]
    fn fixed_clock_moves_only_when_told() {
        let c = FixedClock::new(10);
        assert_eq!(c.now(), 10);
        c.advance_secs(2);
        assert_eq!(c.now(), 2_000_010);
    }
}
