//! Dates and times: `occurs`, the date parts, `date(..)`/`timestamp(..)`, and the calendar
//! arithmetic they share (jiff: calendar days and units in the project's time zone `ctx.tz`,
//! `occurs` distances in months and years by the UTC calendar, see [`shift`]).

use super::eval::{arg, Env};
use crate::engine::EvalContext;
use crate::ir::{CmpOp, Func, Occurs, Time, Unit};
use crate::value::Value;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp, ZonedDateTime};
use std::cmp::Ordering;

const US_PER_MS: i64 = 1_000;
const US_PER_DAY: i64 = 86_400_000_000;

/// Fixed length of a unit in µs; `None` for the calendar units month and year.
fn fixed_len(unit: Unit) -> Option<i64> {
    Some(match unit {
        Unit::Millisecond => US_PER_MS,
        Unit::Second => 1_000 * US_PER_MS,
        Unit::Minute => 60_000 * US_PER_MS,
        Unit::Hour => 3_600_000 * US_PER_MS,
        Unit::Day => US_PER_DAY,
        Unit::Week => 7 * US_PER_DAY,
        Unit::Month | Unit::Year => return None,
    })
}

/// A date (days since 1970-01-01) as a jiff date.
pub fn civil(days: i32) -> Option<Date> {
    let epoch = Date::new(1970, 1, 1).ok()?;
    epoch.checked_add(Span::new().try_days(days).ok()?).ok()
}

/// A jiff date as days since 1970-01-01.
pub fn days(date: Date) -> Option<i32> {
    let epoch = Date::new(1970, 1, 1).ok()?;
    Some(date.since(epoch).ok()?.get_days())
}

/// A timestamp in the time zone.
fn zoned(us: i64, tz: &TimeZone) -> Option<ZonedDateTime> {
    Some(Timestamp::from_microsecond(us).ok()?.to_zoned_datetime(tz.clone()))
}

/// The first instant of `date` in the time zone (after a DST gap at midnight, the gap's end).
pub fn date_midnight(date: i32, tz: &TimeZone) -> Option<i64> {
    let z = civil(date)?.to_zoned_datetime(tz.clone()).ok()?.start_of_day().ok()?;
    Some(z.timestamp().as_microsecond())
}

/// The calendar date of a timestamp in the time zone.
pub fn local_civil(us: i64, tz: &TimeZone) -> Option<Date> {
    zoned(us, tz).map(|z| z.date())
}

/// The calendar date of a timestamp in the time zone, as days since 1970-01-01.
pub fn local_date(us: i64, tz: &TimeZone) -> Option<i32> {
    days(local_civil(us, tz)?)
}

/// A timestamp, or a date as its midnight; anything else has no instant.
pub fn instant(v: &Value, tz: &TimeZone) -> Option<i64> {
    match v {
        Value::Timestamp(t) => Some(*t),
        Value::Date(d) => date_midnight(*d, tz),
        _ => None,
    }
}

/// `t + n unit`: month and year by the calendar in UTC (the day clamped to the month's end), as
/// SPEC 6 has a computed attribute's MONTHS lookback, so `occurs <= 1 months before now` and a
/// one-month `duration` are one window; the other units by their fixed length. `None` on
/// overflow.
pub fn shift(t: i64, n: i64, unit: Unit) -> Option<i64> {
    if let Some(len) = fixed_len(unit) {
        return t.checked_add(n.checked_mul(len)?);
    }
    let span = match unit {
        Unit::Year => Span::new().try_years(n).ok()?,
        _ => Span::new().try_months(n).ok()?,
    };
    Some(zoned(t, &TimeZone::UTC)?.checked_add(span).ok()?.timestamp().as_microsecond())
}

/// The instant a time anchor denotes: `now` is the as-of instant; `today` the start of its day
/// in the time zone, `yesterday`/`tomorrow` the start of the day before/after; an expression
/// its timestamp or its date's midnight.
fn anchor(env: &Env, time: &Time) -> Option<i64> {
    match time {
        Time::Expr(e) => instant(&env.eval(e), &env.ctx.tz),
        word => word_instant(word, env.ctx.as_of, &env.ctx.tz),
    }
}

/// The instant of a time word at `as_of` in the time zone `tz` (`None` for an expression, or
/// out of range).
pub fn word_instant(word: &Time, as_of: i64, tz: &TimeZone) -> Option<i64> {
    let day_start = |delta: i32| date_midnight(local_date(as_of, tz)?.checked_add(delta)?, tz);
    match word {
        Time::Now => Some(as_of),
        Time::Today => day_start(0),
        Time::Yesterday => day_start(-1),
        Time::Tomorrow => day_start(1),
        Time::Expr(_) => None,
    }
}

/// `now`, `today`, `yesterday`, `tomorrow` as values: the timestamps they name as anchors.
pub fn eval_time_word(func: &Func, ctx: &EvalContext) -> Value {
    func.time_word().and_then(|w| word_instant(&w, ctx.as_of, &ctx.tz)).map_or(Value::Null, Value::Timestamp)
}

/// `v occurs …`, false when `v` or an anchor is not a timestamp/date (a date counts as its
/// midnight) or on overflow:
/// - `<cmp> N unit before t`: `v <= t` and the distance `t - v` compared with N units, where
///   "distance ≤ N units" means `v >= t - N units` (month/year by the UTC calendar, see [`shift`]),
///   so `occurs <= 2 months before now` is `now - 2 months <= v <= now`; `= N` is exactly
///   `v = t - N units`. `after t` mirrors it: `v >= t`, distance `v - t`, bound `t + N units`.
/// - `before t` is `v < t`, `after t` is `v > t`;
/// - `on t`: `v` falls on the calendar day of `t` in the time zone;
/// - `between a and b`: `a <= v <= b`;
/// - `this|last|next unit`: `v` lies in the calendar unit containing `now`, or the one before or
///   after it (see [`period`]).
pub(super) fn eval_occurs(env: &Env, v: &Value, occurs: &Occurs) -> bool {
    eval_occurs_opt(env, v, occurs).unwrap_or(false)
}

fn eval_occurs_opt(env: &Env, v: &Value, occurs: &Occurs) -> Option<bool> {
    let tz = &env.ctx.tz;
    let t = instant(v, tz)?;
    Some(match occurs {
        Occurs::Distance { cmp, count, unit, after, anchor: a } => {
            let a = anchor(env, a)?;
            if *after {
                let bound = shift(a, *count, *unit)?;
                t >= a && cmp_holds(*cmp, t.cmp(&bound))
            } else {
                let bound = shift(a, count.checked_neg()?, *unit)?;
                t <= a && cmp_holds(*cmp, bound.cmp(&t))
            }
        }
        Occurs::Relative { after, anchor: a } => {
            let a = anchor(env, a)?;
            if *after {
                t > a
            } else {
                t < a
            }
        }
        Occurs::On { anchor: a } => {
            let day = match anchor_value_date(env, a) {
                Some(d) => d,
                None => local_date(anchor(env, a)?, tz)?,
            };
            local_date(t, tz)? == day
        }
        Occurs::Between { start, end } => anchor(env, start)? <= t && t <= anchor(env, end)?,
        Occurs::Calendar { offset, unit } => {
            let (lo, hi) = period(env.ctx.as_of, &env.ctx.tz, *offset, *unit)?;
            lo <= t && t < hi
        }
    })
}

/// The date of a date-valued expression anchor (its own day, without going through midnight).
fn anchor_value_date(env: &Env, a: &Time) -> Option<i32> {
    match a {
        Time::Expr(e) => match env.eval(e) {
            Value::Date(d) => Some(d),
            _ => None,
        },
        _ => None,
    }
}

fn cmp_holds(op: CmpOp, ord: Ordering) -> bool {
    match op {
        CmpOp::Eq => ord == Ordering::Equal,
        CmpOp::Ne => ord != Ordering::Equal,
        CmpOp::Lt => ord == Ordering::Less,
        CmpOp::Le => ord != Ordering::Greater,
        CmpOp::Gt => ord == Ordering::Greater,
        CmpOp::Ge => ord != Ordering::Less,
    }
}

/// The calendar period `[start, end)` `offset` units away from the one containing `as_of`, in
/// the time zone `tz`. Days start at local midnight, weeks on Monday (ISO), months on the 1st,
/// years on January 1st. Hours, minutes, seconds and milliseconds are cut on the local wall
/// clock (so a +05:30 zone's hours start at :30 UTC) and shifted by their fixed length.
pub fn period(as_of: i64, tz: &TimeZone, offset: i64, unit: Unit) -> Option<(i64, i64)> {
    let z = zoned(as_of, tz)?;
    let today = z.date();
    let first = |d: Date, n: i64, step: Span| -> Option<(i64, i64)> {
        let start = d.checked_add(step.checked_mul(n).ok()?).ok()?;
        let end = start.checked_add(step).ok()?;
        Some((date_midnight(days(start)?, tz)?, date_midnight(days(end)?, tz)?))
    };
    match unit {
        Unit::Day => first(today, offset, Span::new().days(1)),
        Unit::Week => {
            let back = i64::from(today.weekday().to_monday_zero_offset());
            let monday = today.checked_sub(Span::new().try_days(back).ok()?).ok()?;
            first(monday, offset, Span::new().weeks(1))
        }
        Unit::Month => first(today.first_of_month(), offset, Span::new().months(1)),
        Unit::Year => first(today.first_of_year(), offset, Span::new().years(1)),
        _ => {
            let len = fixed_len(unit)?;
            let off = i64::from(z.offset().seconds()) * 1_000_000;
            let local = as_of.checked_add(off)?;
            let start = local.div_euclid(len) * len - off;
            let start = start.checked_add(offset.checked_mul(len)?)?;
            Some((start, start.checked_add(len)?))
        }
    }
}

/// `getYear()`, `getMonth()` (1–12), `getDayOfMonth()` of a date, or of a timestamp's date in
/// the time zone; null for anything else.
pub fn eval_get_part(func: &Func, v: &Value, ctx: &EvalContext) -> Value {
    let date = match v {
        Value::Date(d) => civil(*d),
        Value::Timestamp(t) => local_civil(*t, &ctx.tz),
        _ => None,
    };
    date.map_or(Value::Null, |d| date_part(func, d))
}

/// `currentYear()`, `currentMonth()`, `currentDayOfMonth()`: the parts of the as-of date in the
/// time zone.
pub fn eval_current_part(func: &Func, ctx: &EvalContext) -> Value {
    local_civil(ctx.as_of, &ctx.tz).map_or(Value::Null, |d| date_part(func, d))
}

fn date_part(func: &Func, d: Date) -> Value {
    Value::Int(match func {
        Func::GetYear | Func::CurrentYear => i64::from(d.year()),
        Func::GetMonth | Func::CurrentMonth => i64::from(d.month()),
        _ => i64::from(d.day()),
    })
}

/// `date(y, m, d)`: null unless three ints form a valid calendar date.
pub fn eval_make_date(vals: &[Value]) -> Value {
    let (Value::Int(y), Value::Int(m), Value::Int(d)) = (arg(vals, 0), arg(vals, 1), arg(vals, 2)) else {
        return Value::Null;
    };
    let (Ok(y), Ok(m), Ok(d)) = (i16::try_from(*y), i8::try_from(*m), i8::try_from(*d)) else {
        return Value::Null;
    };
    Date::new(y, m, d).ok().and_then(days).map_or(Value::Null, Value::Date)
}

/// `timestamp(s)`: an RFC 3339 string (with an offset or `Z`) as a timestamp; null otherwise.
pub fn eval_make_timestamp(v: &Value) -> Value {
    match v {
        Value::String(s) => {
            s.parse::<Timestamp>().map_or(Value::Null, |t| Value::Timestamp(t.as_microsecond()))
        }
        _ => Value::Null,
    }
}
