//! Computed attributes (SPEC 1.6): the lookback window, the event filter, the aggregation.

use super::arrays::{average, extreme, sum};
use super::eval::{truthy, Env};
use crate::engine::EvalContext;
use crate::ir::{self, DurationUnit, Function};
use crate::value::Value;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use std::cmp::Ordering;

const US_PER_MINUTE: i64 = 60_000_000;

/// The first instant of the lookback window ending at `as_of`: `as_of − duration`, MONTHS by
/// the calendar in UTC (the day clamped to the month's end), the other units by fixed lengths
/// (a week is 7 days). `i64::MIN` (everything) without a duration or on overflow of a fixed one.
pub fn window_start(duration: Option<ir::Duration>, as_of: i64) -> i64 {
    let Some(d) = duration else {
        return i64::MIN;
    };
    let minutes = match d.unit {
        DurationUnit::Minutes => 1,
        DurationUnit::Hours => 60,
        DurationUnit::Days => 1_440,
        DurationUnit::Weeks => 10_080,
        DurationUnit::Months => return months_back(as_of, d.count).unwrap_or(i64::MIN),
    };
    d.count.checked_mul(minutes * US_PER_MINUTE).and_then(|len| as_of.checked_sub(len)).unwrap_or(i64::MIN)
}

fn months_back(as_of: i64, count: i64) -> Option<i64> {
    let z = Timestamp::from_microsecond(as_of).ok()?.to_zoned_datetime(TimeZone::UTC);
    let back = z.checked_sub(Span::new().try_months(count).ok()?).ok()?;
    Some(back.timestamp().as_microsecond())
}

/// Evaluates one computed attribute for a profile whose events are `events` (oldest first; of
/// equal timestamps the later one is newer). Qualifying events: `window_start ≤ timestamp ≤
/// as_of` and the filter true. Then, over the values `E` of the qualifying events (null ones
/// skipped everywhere):
/// - SUM: the sum (int while all are ints, checked: overflow gives null; else double);
/// - COUNT: the number of qualifying events (0 when none);
/// - MIN / MAX: the smallest / largest by `Value::total_cmp`, the earliest of equal ones;
/// - AVG: the mean, a double;
/// - MOST_RECENT: `E` of the newest event whose `E` is not null;
/// - FIRST: `E` of the oldest event whose `E` is not null;
/// - LIST(N): the non-null `E` of the newest N events that have one, newest first (an array);
/// - COUNT_DISTINCT: the number of distinct values (by value equality, so 1 and 1.0 are one).
///
/// Every function but COUNT gives null when there is no non-null value.
pub fn eval_attribute(attr: &ir::Attribute, profile: &Value, events: &[Value], ctx: &EvalContext) -> Value {
    let start = window_start(attr.duration, ctx.as_of);
    let qualifying: Vec<&Value> = events
        .iter()
        .filter(|e| matches!(e.get("timestamp"), Value::Timestamp(t) if start <= *t && *t <= ctx.as_of))
        .filter(|e| match &attr.filter {
            Some(f) => truthy(&Env { scopes: &[profile, e], events, ctx }.eval(f)),
            None => true,
        })
        .collect();
    if attr.function == Function::Count {
        return Value::Int(qualifying.len() as i64);
    }
    let value_of = |e: &Value| -> Value {
        match &attr.value {
            Some(v) => Env { scopes: &[profile, e], events, ctx }.eval(v),
            None => e.clone(),
        }
    };
    let values = || qualifying.iter().map(|e| value_of(e)).filter(|v| !v.is_null());
    match attr.function {
        Function::Count => Value::Int(qualifying.len() as i64),
        Function::Sum => sum(values()),
        Function::Avg => average(values()),
        Function::Min => extreme(values(), Ordering::Less),
        Function::Max => extreme(values(), Ordering::Greater),
        Function::MostRecent => {
            qualifying.iter().rev().map(|e| value_of(e)).find(|v| !v.is_null()).unwrap_or_default()
        }
        Function::First => values().next().unwrap_or_default(),
        Function::List(n) => {
            let list: Vec<Value> = qualifying
                .iter()
                .rev()
                .map(|e| value_of(e))
                .filter(|v| !v.is_null())
                .take(n as usize)
                .collect();
            if list.is_empty() {
                Value::Null
            } else {
                Value::array(list)
            }
        }
        Function::CountDistinct => {
            let mut seen: Vec<Value> = Vec::new();
            for v in values() {
                if !seen.contains(&v) {
                    seen.push(v);
                }
            }
            if seen.is_empty() {
                Value::Null
            } else {
                Value::Int(seen.len() as i64)
            }
        }
    }
}
