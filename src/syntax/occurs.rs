//! Building the `occurs` forms and their time anchors and units.

use super::ast::{Calendar, Direction, Node, Occurs, Time, Unit};
use super::build::{cmp_op, inner, span_of, Builder, P};
use super::parser::Rule;
use crate::diag::Code;

/// The written forms of each unit, singular first (the printer uses them too).
pub const UNITS: &[(Unit, &str, &str)] = &[
    (Unit::Millisecond, "millisecond", "milliseconds"),
    (Unit::Second, "second", "seconds"),
    (Unit::Minute, "minute", "minutes"),
    (Unit::Hour, "hour", "hours"),
    (Unit::Day, "day", "days"),
    (Unit::Week, "week", "weeks"),
    (Unit::Month, "month", "months"),
    (Unit::Year, "year", "years"),
];

/// The singular or plural name of a unit.
pub fn unit_name(unit: Unit, plural: bool) -> &'static str {
    let (_, one, many) = UNITS.iter().find(|(u, _, _)| *u == unit).copied().unwrap_or((unit, "day", "days"));
    if plural {
        many
    } else {
        one
    }
}

/// Builds one `occurs_*` form; `None` when a part was invalid (already reported).
pub fn build(b: &mut Builder, p: P) -> Option<Occurs> {
    match p.as_rule() {
        Rule::occurs_distance => build_distance(b, p),
        Rule::occurs_relative => {
            let mut parts = inner(p);
            let direction = direction(parts.next()?);
            let anchor = build_time(b, parts.next()?);
            Some(Occurs::Relative { direction, anchor })
        }
        Rule::occurs_on => Some(Occurs::On { anchor: build_time(b, inner(p).nth(1)?) }),
        Rule::occurs_between => {
            let mut parts = inner(p).filter(|c| c.as_rule() == Rule::time);
            let start = build_time(b, parts.next()?);
            let end = build_time(b, parts.next()?);
            Some(Occurs::Between { start, end })
        }
        _ => {
            let mut parts = inner(p);
            let which = match parts.next()?.into_inner().next()?.as_rule() {
                Rule::kw_last => Calendar::Last,
                Rule::kw_next => Calendar::Next,
                _ => Calendar::This,
            };
            let unit = build_unit(b, parts.next()?)?;
            Some(Occurs::Calendar { which, unit })
        }
    }
}

/// `<cmp> N <unit> before|after <time>`.
fn build_distance(b: &mut Builder, p: P) -> Option<Occurs> {
    let mut parts = inner(p);
    let cmp = cmp_op(parts.next()?.as_str());
    let count = parts.next()?;
    let count_span = span_of(&count);
    let count = match count.as_str().parse::<i64>() {
        Ok(n) => Node::new(count_span, n),
        Err(_) => {
            let msg = format!("count `{}` is out of range", count.as_str());
            b.error(Code::BadLiteral, count_span, msg, "invalid number");
            return None;
        }
    };
    let unit = build_unit(b, parts.next()?)?;
    let direction = direction(parts.next()?);
    let anchor = build_time(b, parts.next()?);
    Some(Occurs::Distance { cmp, count, unit, direction, anchor })
}

fn direction(p: P) -> Direction {
    match p.into_inner().next().map(|k| k.as_rule()) {
        Some(Rule::kw_after) => Direction::After,
        _ => Direction::Before,
    }
}

fn build_unit(b: &mut Builder, p: P) -> Option<Node<Unit>> {
    let span = span_of(&p);
    let word = p.as_str();
    match UNITS.iter().find(|(_, one, many)| word == *one || word == *many) {
        Some((unit, _, _)) => Some(Node::new(span, *unit)),
        None => {
            let msg = format!("unknown time unit `{word}`");
            b.error(Code::UnknownUnit, span, msg, "expected a unit such as `days`");
            None
        }
    }
}

/// A bare `now`/`today`/`yesterday`/`tomorrow` is the anchor itself; anything else an expression.
fn build_time(b: &mut Builder, p: P) -> Node<Time> {
    let span = span_of(&p);
    let Some(c) = inner(p).next() else { return Node::new(span, Time::Now) };
    if c.as_rule() != Rule::time_word {
        return Node::new(span, Time::Expr(b.expr(c)));
    }
    // The `time` pair may end in the whitespace skipped before its lookahead: use the word's span.
    let span = span_of(&c);
    let time = match c.as_str() {
        "today" => Time::Today,
        "yesterday" => Time::Yesterday,
        "tomorrow" => Time::Tomorrow,
        _ => Time::Now,
    };
    Node::new(span, time)
}
