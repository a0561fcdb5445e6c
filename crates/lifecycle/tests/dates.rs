//! The civil-date rules: validity, audit period bounds, report due date, fiscal year.

use jiff::ToSpan;
use jiff::civil::Date;
use kasumi_lifecycle::dates::{
    AuditPeriod, days_between, fiscal_year, months_period_end, report_due, tokyo_date,
    tokyo_midnight, valid_through,
};
use proptest::prelude::*;

use crate::common::date;

fn any_date() -> impl Strategy<Value = Date> {
    (0i32..(200 * 366)).prop_map(|n| date(1950, 1, 1).checked_add(n.days()).unwrap())
}

#[test]
fn the_worked_example() {
    // Audit period ending 2025-03-31 → valid through 2026-07-31.
    assert_eq!(valid_through(date(2025, 3, 31)), date(2026, 7, 31));
    assert_eq!(report_due(date(2025, 3, 31)), date(2025, 6, 30));
}

#[test]
fn month_end_clamping_follows_the_civil_code() {
    // Start 2024-10-31 (+16 months = February 2026, no 31st) → the month's last day.
    assert_eq!(valid_through(date(2024, 10, 30)), date(2026, 2, 28));
    // Start 2024-10-29 → no 29 February 2026 → 2026-02-28.
    assert_eq!(valid_through(date(2024, 10, 28)), date(2026, 2, 28));
    // Start 2024-10-28 → 2026-02-28 exists → the day before it.
    assert_eq!(valid_through(date(2024, 10, 27)), date(2026, 2, 27));
    // Start 2022-10-29 → 29 February 2024 exists (leap year) → 2024-02-28.
    assert_eq!(valid_through(date(2022, 10, 28)), date(2024, 2, 28));
    // Start 2022-10-30 → no 30 February 2024 → 2024-02-29 (leap day).
    assert_eq!(valid_through(date(2022, 10, 29)), date(2024, 2, 29));
    // Audit ending on a leap day: start 2024-03-01 → 2025-07-01 → 2025-06-30.
    assert_eq!(valid_through(date(2024, 2, 29)), date(2025, 6, 30));
    // Start 2024-02-29 → 2025-06-29 exists → 2025-06-28.
    assert_eq!(valid_through(date(2024, 2, 28)), date(2025, 6, 28));
    // Start 2025-03-31 (+16 = July 2026, has a 31st) → 2026-07-30.
    assert_eq!(valid_through(date(2025, 3, 30)), date(2026, 7, 30));
    // Start 2025-05-31 → September 2026 has no 31st → 2026-09-30.
    assert_eq!(valid_through(date(2025, 5, 30)), date(2026, 9, 30));
    // Year end.
    assert_eq!(valid_through(date(2024, 12, 31)), date(2026, 4, 30));
}

#[test]
fn audit_period_bounds() {
    let start = date(2024, 4, 1);
    assert_eq!(AuditPeriod::min_end(start), date(2024, 6, 30));
    assert_eq!(AuditPeriod::max_end(start), date(2025, 3, 31));
    assert!(AuditPeriod::new(start, date(2024, 6, 30)).is_ok());
    assert!(AuditPeriod::new(start, date(2025, 3, 31)).is_ok());
    let short = AuditPeriod::new(start, date(2024, 6, 29)).unwrap_err();
    assert_eq!(short.key(), "audit.period_too_short");
    assert_eq!(short.http_status(), 422);
    assert!(short.message.ja.contains("2024-06-30"));
    let long = AuditPeriod::new(start, date(2025, 4, 1)).unwrap_err();
    assert_eq!(long.key(), "audit.period_too_long");
    // End before start.
    assert!(AuditPeriod::new(start, date(2024, 3, 1)).is_err());
    // Clamped start: 30 November + 3 months has no 30 February.
    assert_eq!(AuditPeriod::min_end(date(2024, 11, 30)), date(2025, 2, 28));
    assert_eq!(AuditPeriod::max_end(date(2024, 2, 29)), date(2025, 2, 28));
}

#[test]
fn fiscal_year_starts_in_april() {
    assert_eq!(fiscal_year(date(2025, 3, 31)), 2024);
    assert_eq!(fiscal_year(date(2025, 4, 1)), 2025);
    assert_eq!(fiscal_year(date(2026, 1, 1)), 2025);
}

#[test]
fn tokyo_days_turn_at_midnight_jst() {
    let midnight = tokyo_midnight(date(2025, 4, 1));
    assert_eq!(tokyo_date(midnight), date(2025, 4, 1));
    assert_eq!(tokyo_date(midnight - 1), date(2025, 3, 31));
    // 2025-03-31 15:00 UTC is 2025-04-01 00:00 JST.
    assert_eq!(midnight, 1_743_433_200_000_000);
}

proptest! {
    #[test]
    fn validity_is_always_after_the_audit_end(end in any_date()) {
        let v = valid_through(end);
        prop_assert!(v > end);
        // 1 year 4 months ends 485 to 489 days after the audit end.
        let days = days_between(end, v);
        prop_assert!((485..=489).contains(&days), "{end} → {v}: {days} days");
    }

    #[test]
    fn validity_is_monotonic(end in any_date(), step in 1i32..400) {
        let later = end.checked_add(step.days()).unwrap();
        prop_assert!(valid_through(later) >= valid_through(end));
    }

    #[test]
    fn validity_ends_the_day_before_the_corresponding_day(end in any_date()) {
        let start = end.tomorrow().unwrap();
        let v = valid_through(end);
        let target = start.first_of_month().checked_add(16.months()).unwrap();
        if start.day() <= target.days_in_month() {
            // The corresponding day exists: the day after validity is exactly it.
            prop_assert_eq!(v.tomorrow().unwrap(), target.with().day(start.day()).build().unwrap());
        } else {
            // It does not: validity ends on that month's last day.
            prop_assert_eq!(v, target.last_of_month());
        }
        // For days every month has, it agrees with plain month arithmetic.
        if start.day() <= 28 {
            prop_assert_eq!(v, start.checked_add(16.months()).unwrap().yesterday().unwrap());
        }
    }

    #[test]
    fn months_period_end_agrees_for_every_length(start in any_date(), months in 1i32..40) {
        let e = months_period_end(start, months);
        prop_assert!(e >= start);
        let longer = months_period_end(start, months + 1);
        prop_assert!(longer > e);
        if start.day() == 1 {
            // A period starting on the 1st ends on a month's last day.
            prop_assert_eq!(e, e.last_of_month());
        }
    }

    #[test]
    fn audit_period_accepts_exactly_three_months_to_one_year(start in any_date(), len in 0i32..400) {
        let end = start.checked_add(len.days()).unwrap();
        let ok = AuditPeriod::new(start, end).is_ok();
        let (min, max) = (AuditPeriod::min_end(start), AuditPeriod::max_end(start));
        prop_assert_eq!(ok, min <= end && end <= max);
        // The bounds themselves: about 3 months and about a year.
        prop_assert!((88..=91).contains(&days_between(start, min)));
        prop_assert!((364..=365).contains(&days_between(start, max)));
        prop_assert!(AuditPeriod::new(start, min).is_ok());
        prop_assert!(AuditPeriod::new(start, max).is_ok());
        prop_assert!(AuditPeriod::new(start, min.yesterday().unwrap()).is_err());
        prop_assert!(AuditPeriod::new(start, max.tomorrow().unwrap()).is_err());
    }

    #[test]
    fn report_is_due_about_three_months_after_the_end(end in any_date()) {
        let due = report_due(end);
        prop_assert!((89..=92).contains(&days_between(end, due)));
        prop_assert!(due < valid_through(end));
    }
}
