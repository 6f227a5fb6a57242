//! Calendar arithmetic done on the Rust side: lookback windows and `occurs` bounds per call.
//!
//! An `occurs` whose anchors are `now`, `today`, `yesterday`, `tomorrow` or constants is reduced,
//! once per call, to an inclusive range `[lo, hi]` of microseconds (minus one excluded instant for
//! `!=`), so the native test is two integer comparisons.

use crate::ir::{self, CmpOp, DurationUnit, Occurs, Time, Unit};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ZonedDateTime};

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;
/// A range that holds nothing, for anchors out of the calendar's range.
pub const EMPTY: [i64; 4] = [1, 0, 0, 0];

/// The civil date of a count of days since 1970-01-01.
pub fn civil(days: i64) -> Option<Date> {
    Date::constant(1970, 1, 1).checked_add(Span::new().try_days(days).ok()?).ok()
}

pub fn zoned(us: i64, tz: &TimeZone) -> Option<ZonedDateTime> {
    Some(Timestamp::from_microsecond(us).ok()?.to_zoned_datetime(tz.clone()))
}

/// The date of an instant in the time zone.
pub fn local_date(us: i64, tz: &TimeZone) -> Option<Date> {
    zoned(us, tz).map(|z| z.date())
}

pub fn part(d: Date, part: i64) -> i64 {
    match part {
        0 => d.year() as i64,
        1 => d.month() as i64,
        _ => d.day() as i64,
    }
}

fn micros(z: &ZonedDateTime) -> i64 {
    z.timestamp().as_microsecond()
}

/// The first instant of a date in the time zone (after a DST gap at midnight, the gap's end).
fn at_midnight(d: Date, tz: &TimeZone) -> Option<ZonedDateTime> {
    d.to_zoned_datetime(tz.clone()).ok()?.start_of_day().ok()
}

/// A date's midnight in the time zone, µs; `i64::MIN` when out of range.
pub fn date_to_ts(days: i64, tz: &TimeZone) -> i64 {
    civil(days).and_then(|d| at_midnight(d, tz)).map_or(MIN, |z| micros(&z))
}

/// Start of the lookback window of a duration ending at `as_of` (MONTHS by calendar in UTC).
pub fn window_start(d: Option<ir::Duration>, as_of: i64) -> i64 {
    let Some(d) = d else { return MIN };
    let fixed = |unit: i64| d.count.checked_mul(unit).and_then(|len| as_of.checked_sub(len)).unwrap_or(MIN);
    match d.unit {
        DurationUnit::Minutes => fixed(60_000_000),
        DurationUnit::Hours => fixed(3_600_000_000),
        DurationUnit::Days => fixed(86_400_000_000),
        DurationUnit::Weeks => fixed(7 * 86_400_000_000),
        DurationUnit::Months => zoned(as_of, &TimeZone::UTC)
            .and_then(|z| z.checked_sub(Span::new().try_months(d.count).ok()?).ok())
            .map_or(MIN, |z| micros(&z)),
    }
}

/// Whether an anchor is known without data (so its bounds can be precomputed).
pub fn anchor_is_static(t: &Time) -> bool {
    match t {
        Time::Now | Time::Today | Time::Yesterday | Time::Tomorrow => true,
        Time::Expr(e) => matches!(
            e.kind,
            ir::ExprKind::Const(crate::value::Value::Timestamp(_) | crate::value::Value::Date(_))
        ),
    }
}

pub fn occurs_is_static(o: &Occurs) -> bool {
    match o {
        Occurs::Distance { anchor, .. } | Occurs::Relative { anchor, .. } | Occurs::On { anchor } => {
            anchor_is_static(anchor)
        }
        Occurs::Between { start, end } => anchor_is_static(start) && anchor_is_static(end),
        Occurs::Calendar { .. } => true,
    }
}

pub(super) fn anchor(t: &Time, as_of: i64, tz: &TimeZone) -> Option<i64> {
    let day = |shift: i64| {
        let d = local_date(as_of, tz)?.checked_add(Span::new().days(shift)).ok()?;
        at_midnight(d, tz).map(|z| micros(&z))
    };
    match t {
        Time::Now => Some(as_of),
        Time::Today => day(0),
        Time::Yesterday => day(-1),
        Time::Tomorrow => day(1),
        Time::Expr(e) => match e.kind {
            ir::ExprKind::Const(crate::value::Value::Timestamp(us)) => Some(us),
            ir::ExprKind::Const(crate::value::Value::Date(d)) => Some(date_to_ts(d as i64, tz)),
            _ => None,
        },
    }
}

/// A span of `n` units.
fn span(unit: Unit, n: i64) -> Option<Span> {
    match unit {
        Unit::Millisecond => Span::new().try_milliseconds(n).ok(),
        Unit::Second => Span::new().try_seconds(n).ok(),
        Unit::Minute => Span::new().try_minutes(n).ok(),
        Unit::Hour => Span::new().try_hours(n).ok(),
        Unit::Day => Span::new().try_days(n).ok(),
        Unit::Week => Span::new().try_weeks(n).ok(),
        Unit::Month => Span::new().try_months(n).ok(),
        Unit::Year => Span::new().try_years(n).ok(),
    }
}

/// `t ± n units`: fixed lengths up to weeks, calendar months and years in UTC (as
/// `interp::time::shift`).
fn shift(t: i64, unit: Unit, n: i64) -> Option<i64> {
    let fixed = |u: i64| t.checked_add(n.checked_mul(u)?);
    match unit {
        Unit::Millisecond => fixed(1_000),
        Unit::Second => fixed(1_000_000),
        Unit::Minute => fixed(60_000_000),
        Unit::Hour => fixed(3_600_000_000),
        Unit::Day => fixed(86_400_000_000),
        Unit::Week => fixed(7 * 86_400_000_000),
        Unit::Month | Unit::Year => {
            let z = zoned(t, &TimeZone::UTC)?.checked_add(span(unit, n)?).ok()?;
            Some(micros(&z))
        }
    }
}

/// The inclusive range `[lo, hi]` (plus an excluded instant) an `occurs` accepts, this call.
pub fn occurs_bounds(o: &Occurs, as_of: i64, tz: &TimeZone) -> [i64; 4] {
    occurs_bounds_opt(o, as_of, tz).unwrap_or(EMPTY)
}

fn occurs_bounds_opt(o: &Occurs, as_of: i64, tz: &TimeZone) -> Option<[i64; 4]> {
    let r = |lo: i64, hi: i64| Some([lo, hi, 0, 0]);
    match o {
        Occurs::Distance { cmp, count, unit, after, anchor: a } => {
            let t = anchor(a, as_of, tz)?;
            let n = if *after { *count } else { count.checked_neg()? };
            let b = shift(t, *unit, n)?;
            if *after {
                match cmp {
                    CmpOp::Le => r(t, b),
                    CmpOp::Lt => r(t, b.checked_sub(1)?),
                    CmpOp::Ge => r(b.max(t), MAX),
                    CmpOp::Gt => r(b.checked_add(1)?.max(t), MAX),
                    CmpOp::Eq => r(b.max(t), b),
                    CmpOp::Ne => Some([t, MAX, b, 1]),
                }
            } else {
                match cmp {
                    CmpOp::Le => r(b, t),
                    CmpOp::Lt => r(b.checked_add(1)?, t),
                    CmpOp::Ge => r(MIN, b.min(t)),
                    CmpOp::Gt => r(MIN, b.checked_sub(1)?.min(t)),
                    CmpOp::Eq => r(b, b.min(t)),
                    CmpOp::Ne => Some([MIN, t, b, 1]),
                }
            }
        }
        Occurs::Relative { after, anchor: a } => {
            let t = anchor(a, as_of, tz)?;
            if *after {
                r(t.checked_add(1)?, MAX)
            } else {
                r(MIN, t.checked_sub(1)?)
            }
        }
        Occurs::On { anchor: a } => {
            let d = local_date(anchor(a, as_of, tz)?, tz)?;
            let start = at_midnight(d, tz)?;
            let next = at_midnight(d.checked_add(Span::new().days(1)).ok()?, tz)?;
            r(micros(&start), micros(&next) - 1)
        }
        Occurs::Between { start, end } => r(anchor(start, as_of, tz)?, anchor(end, as_of, tz)?),
        Occurs::Calendar { offset, unit } => {
            let (lo, hi) = period(as_of, *offset, *unit, tz)?;
            r(lo, hi - 1)
        }
    }
}

/// The calendar period `[start, end)` `offset` units away from the one holding `as_of`: days
/// from local midnight, weeks from Monday, months from the 1st, years from January 1st; shorter
/// units cut on the local wall clock (by the offset in force at `as_of`) and shifted by their
/// fixed length.
fn period(as_of: i64, offset: i64, unit: Unit, tz: &TimeZone) -> Option<(i64, i64)> {
    let z = zoned(as_of, tz)?;
    let today = z.date();
    let first = |d: Date, step: Span| -> Option<(i64, i64)> {
        let start = d.checked_add(step.checked_mul(offset).ok()?).ok()?;
        let end = start.checked_add(step).ok()?;
        Some((micros(&at_midnight(start, tz)?), micros(&at_midnight(end, tz)?)))
    };
    let fixed = |len: i64| -> Option<(i64, i64)> {
        let off = i64::from(z.offset().seconds()) * 1_000_000;
        let local = as_of.checked_add(off)?;
        let start = (local.div_euclid(len) * len - off).checked_add(offset.checked_mul(len)?)?;
        Some((start, start.checked_add(len)?))
    };
    match unit {
        Unit::Day => first(today, Span::new().days(1)),
        Unit::Week => {
            let back = i64::from(today.weekday().to_monday_zero_offset());
            first(today.checked_sub(Span::new().try_days(back).ok()?).ok()?, Span::new().weeks(1))
        }
        Unit::Month => first(today.first_of_month(), Span::new().months(1)),
        Unit::Year => first(today.first_of_year(), Span::new().years(1)),
        Unit::Millisecond => fixed(1_000),
        Unit::Second => fixed(1_000_000),
        Unit::Minute => fixed(60_000_000),
        Unit::Hour => fixed(3_600_000_000),
    }
}
