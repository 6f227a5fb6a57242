//! Property tests of the interpreter's building blocks against simpler reference definitions.

use super::strings::eval_like;
use super::time::{date_midnight, period, shift};
use crate::engine::EvalContext;
use crate::intern::Interner;
use crate::ir::Unit;
use crate::value::Value;
use proptest::prelude::*;
use std::sync::Arc;

/// `like` as a regular expression: `%` → `.*`, `_` → `.`, the rest literal.
fn like_by_regex(s: &str, pattern: &str) -> bool {
    let mut re = String::from("(?s)^");
    for c in pattern.chars() {
        match c {
            '%' => re.push_str(".*"),
            '_' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(s))
}

const ZONES: [&str; 6] = [
    "UTC",
    "Europe/Stockholm",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Santiago",
];
const UNITS: [Unit; 8] = [
    Unit::Millisecond,
    Unit::Second,
    Unit::Minute,
    Unit::Hour,
    Unit::Day,
    Unit::Week,
    Unit::Month,
    Unit::Year,
];

fn ctx(as_of: i64, zone: usize) -> EvalContext {
    EvalContext {
        as_of,
        tz: jiff::tz::TimeZone::get(ZONES[zone]).unwrap_or(jiff::tz::TimeZone::UTC),
        interner: Arc::new(Interner::new()),
    }
}

/// Instants between 1990 and 2060, where time zone rules are interesting.
fn instant() -> impl Strategy<Value = i64> {
    631_152_000_000_000i64..2_840_140_800_000_000i64
}

proptest! {
    #[test]
    fn like_agrees_with_regex(s in "[ab%_é]{0,8}", p in "[ab%_é]{0,6}") {
        prop_assert_eq!(eval_like(&Value::string(&s), &p), like_by_regex(&s, &p));
    }

    #[test]
    fn calendar_periods_contain_now_and_tile(as_of in instant(), zone in 0..ZONES.len(), unit in 0..UNITS.len()) {
        let cx = ctx(as_of, zone);
        let this = period(cx.as_of, &cx.tz, 0, UNITS[unit]);
        let next = period(cx.as_of, &cx.tz, 1, UNITS[unit]);
        let last = period(cx.as_of, &cx.tz, -1, UNITS[unit]);
        let ((lo, hi), (nlo, _), (_, lhi)) = (this.unwrap(), next.unwrap(), last.unwrap());
        prop_assert!(lo <= as_of && as_of < hi, "{lo} <= {as_of} < {hi}");
        // Sub-day units are cut on the local clock and can overlap or gap across an offset change.
        if UNITS[unit] >= Unit::Day {
            prop_assert_eq!(nlo, hi);
            prop_assert_eq!(lhi, lo);
        }
    }

    #[test]
    fn month_shift_round_trips_within_three_days(t in instant(), n in -30i64..30) {
        let there = shift(t, n, Unit::Month).unwrap();
        let back = shift(there, -n, Unit::Month).unwrap();
        // Clamping to a month's end can move the day back by up to 3 days.
        prop_assert!(back <= t && t - back <= 3 * 86_400_000_000);
    }

    #[test]
    fn midnight_is_start_of_its_day(day in -7_000i32..30_000, zone in 0..ZONES.len()) {
        let tz = jiff::tz::TimeZone::get(ZONES[zone]).unwrap_or(jiff::tz::TimeZone::UTC);
        let m = date_midnight(day, &tz).unwrap();
        let next = date_midnight(day + 1, &tz).unwrap();
        prop_assert!(next - m >= 22 * 3_600_000_000 && next - m <= 26 * 3_600_000_000);
    }
}
