//! Civil-date rules: periods in months, the audit period, the report due
//! date, registration validity and the Japanese fiscal year.
//!
//! Every period counted in months follows the rule of the Japanese Civil
//! Code, article 143 (民法第143条): a period of *n* months that starts on day
//! *S* ends on the day before the day in the *n*-th following month that
//! corresponds to *S*; when that month has no corresponding day (e.g. the
//! 31st in a 30-day month, the 29th–31st in February), the period ends on
//! the last day of that month. [`months_period_end`] is that rule, and every
//! other function here is built on it.

use jiff::civil::Date;
use kasumi_core::Micros;
use serde::{Deserialize, Serialize};

use crate::error::Refusal;

/// Japan has no daylight saving time: Asia/Tokyo is always UTC+9.
fn tokyo_offset() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::fixed(jiff::tz::offset(9))
}

/// The calendar day in Japan at instant `at`.
pub fn tokyo_date(at: Micros) -> Date {
    match jiff::Timestamp::from_microsecond(at) {
        Ok(ts) => ts.to_zoned(tokyo_offset()).date(),
        Err(_) if at < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

/// Midnight (00:00 JST) at the start of `date`, as microseconds.
pub fn tokyo_midnight(date: Date) -> Micros {
    date.to_zoned(tokyo_offset())
        .map(|z| z.timestamp().as_microsecond())
        .unwrap_or(i64::MAX)
}

/// The year and month `months` months after `start`'s month.
fn shift_month(start: Date, months: i32) -> Option<(i16, i8)> {
    let index = i32::from(start.year()) * 12 + i32::from(start.month()) - 1 + months;
    let year = i16::try_from(index.div_euclid(12)).ok()?;
    let month = i8::try_from(index.rem_euclid(12) + 1).ok()?;
    Some((year, month))
}

/// The last day of a period of `months` months (≥ 1) starting on `start`,
/// by the Civil Code rule (see the module docs). Saturates at jiff's date range.
///
/// Examples: start 2025-04-01, 3 months → 2025-06-30; start 2024-10-31,
/// 4 months → 2025-02-28 (no 31 February: the month's last day); start
/// 2023-02-28, 12 months → 2024-02-27.
pub fn months_period_end(start: Date, months: i32) -> Date {
    let saturated = if months >= 0 { Date::MAX } else { Date::MIN };
    let Some((year, month)) = shift_month(start, months) else {
        return saturated;
    };
    let Ok(first) = Date::new(year, month, 1) else {
        return saturated;
    };
    if start.day() <= first.days_in_month() {
        // The corresponding day exists: the period ends the day before it.
        first
            .with()
            .day(start.day())
            .build()
            .ok()
            .and_then(|d| d.yesterday().ok())
            .unwrap_or(saturated)
    } else {
        // No corresponding day (e.g. 31 February): the month's last day.
        first.last_of_month()
    }
}

/// Registration validity is 1 year 4 months.
pub const VALIDITY_MONTHS: i32 = 16;
/// The audit period is at least 3 months …
pub const AUDIT_PERIOD_MIN_MONTHS: i32 = 3;
/// … and at most 1 year.
pub const AUDIT_PERIOD_MAX_MONTHS: i32 = 12;
/// The 実施結果報告書 is due within 3 months after the audit period ends.
pub const REPORT_DUE_MONTHS: i32 = 3;

/// **The** validity rule: a registration is valid through the last day of
/// the period of 1 year 4 months that starts on the day after the audit
/// period ends (Civil Code month rule; see the module docs).
///
/// Audit period ending 2025-03-31 → the period starts 2025-04-01 → valid
/// through 2026-07-31. Month-end clamping: audit end 2024-10-30 → start
/// 2024-10-31 → February 2026 has no 31st → valid through 2026-02-28.
pub fn valid_through(audit_end: Date) -> Date {
    match audit_end.tomorrow() {
        Ok(start) => months_period_end(start, VALIDITY_MONTHS),
        Err(_) => Date::MAX,
    }
}

/// The last day on which the 実施結果報告書 is on time: 3 months after the
/// audit period ends (the period of 3 months starting the next day).
/// Audit end 2025-03-31 → due 2025-06-30.
pub fn report_due(audit_end: Date) -> Date {
    match audit_end.tomorrow() {
        Ok(start) => months_period_end(start, REPORT_DUE_MONTHS),
        Err(_) => Date::MAX,
    }
}

/// An audit period: both days inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPeriod {
    pub start: Date,
    pub end: Date,
}

impl AuditPeriod {
    /// The earliest allowed last day for a period starting on `start`
    /// (3 months: start 2024-04-01 → 2024-06-30).
    pub fn min_end(start: Date) -> Date {
        months_period_end(start, AUDIT_PERIOD_MIN_MONTHS)
    }

    /// The latest allowed last day (1 year: start 2024-04-01 → 2025-03-31).
    pub fn max_end(start: Date) -> Date {
        months_period_end(start, AUDIT_PERIOD_MAX_MONTHS)
    }

    /// A period of 3 months to 1 year: `min_end(start) <= end <= max_end(start)`.
    pub fn new(start: Date, end: Date) -> Result<AuditPeriod, Refusal> {
        let (min, max) = (Self::min_end(start), Self::max_end(start));
        if end < min {
            Err(Refusal::invalid(
                "audit.period_too_short",
                format!("監査期間は3か月以上必要です（{start} 開始なら終了は {min} 以降）。"),
                format!(
                    "The audit period must be at least 3 months (starting {start}, it must end on or after {min})."
                ),
            ))
        } else if end > max {
            Err(Refusal::invalid(
                "audit.period_too_long",
                format!("監査期間は1年以内です（{start} 開始なら終了は {max} 以前）。"),
                format!(
                    "The audit period may be at most 1 year (starting {start}, it must end on or before {max})."
                ),
            ))
        } else {
            Ok(AuditPeriod { start, end })
        }
    }

    pub fn report_due(&self) -> Date {
        report_due(self.end)
    }

    pub fn valid_through(&self) -> Date {
        valid_through(self.end)
    }
}

/// The Japanese fiscal year (年度) a day belongs to: it starts on 1 April,
/// so 2025-03-31 is in FY2024 and 2025-04-01 in FY2025.
pub fn fiscal_year(date: Date) -> i16 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    from.until(to).map(|s| i64::from(s.get_days())).unwrap_or(0)
}
