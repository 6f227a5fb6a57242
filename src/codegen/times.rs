//! Calendar arithmetic done on the Rust side: lookback windows and `occurs` bounds per call,
//! with the interpreter's own month shifts, calendar periods and windows (`interp::time`,
//! `interp::attribute`), so the two engines count time one way.
//!
//! An `occurs` whose anchors are `now`, `today`, `yesterday`, `tomorrow` or constants is reduced,
//! once per call, to an inclusive range `[lo, hi]` of microseconds (minus one excluded instant for
//! `!=`), so the native test is two integer comparisons.

use crate::interp::time::{date_midnight, local_date, period, shift, word_instant};
use crate::ir::{self, CmpOp, Occurs, Time};
use jiff::civil::Date;
use jiff::tz::TimeZone;

const MIN: i64 = i64::MIN;
const MAX: i64 = i64::MAX;
/// A range that holds nothing, for anchors out of the calendar's range.
pub const EMPTY: [i64; 4] = [1, 0, 0, 0];

/// Year (0), month (1) or day of month (2) of a date.
pub fn part(d: Date, part: i64) -> i64 {
    match part {
        0 => d.year() as i64,
        1 => d.month() as i64,
        _ => d.day() as i64,
    }
}

/// A date's midnight in the time zone, µs (the interpreter's); `i64::MIN` when out of range.
pub fn date_to_ts(days: i64, tz: &TimeZone) -> i64 {
    i32::try_from(days).ok().and_then(|d| date_midnight(d, tz)).unwrap_or(MIN)
}

/// Start of the lookback window of a duration ending at `as_of`: the interpreter's.
pub use crate::interp::attribute::window_start;

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

/// The instant of a static anchor (see [`anchor_is_static`]): a time word as the interpreter
/// reads it, or a constant.
pub(super) fn anchor(t: &Time, as_of: i64, tz: &TimeZone) -> Option<i64> {
    match t {
        Time::Expr(e) => match e.kind {
            ir::ExprKind::Const(crate::value::Value::Timestamp(us)) => Some(us),
            ir::ExprKind::Const(crate::value::Value::Date(d)) => Some(date_to_ts(d as i64, tz)),
            _ => None,
        },
        word => word_instant(word, as_of, tz),
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
            let b = shift(t, n, *unit)?;
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
            r(date_midnight(d, tz)?, date_midnight(d.checked_add(1)?, tz)? - 1)
        }
        Occurs::Between { start, end } => r(anchor(start, as_of, tz)?, anchor(end, as_of, tz)?),
        Occurs::Calendar { offset, unit } => {
            let (lo, hi) = period(as_of, tz, *offset, *unit)?;
            r(lo, hi - 1)
        }
    }
}
