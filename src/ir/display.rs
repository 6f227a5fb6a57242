//! The stable listing of the IR: one block per attribute or audience, expressions as indented
//! s-expressions with their types. Tests snapshot it, so its shape changes only on purpose.

use super::{ArrayOp, Attribute, Audience, Expr, ExprKind, Func, Occurs, Program, Time, Type};
use crate::value::Value;
use std::fmt::{self, Display, Formatter, Write};

impl Display for Type {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Type::Null => f.write_str("null"),
            Type::Bool => f.write_str("bool"),
            Type::Int => f.write_str("int"),
            Type::Double => f.write_str("double"),
            Type::String => f.write_str("string"),
            Type::Timestamp => f.write_str("timestamp"),
            Type::Date => f.write_str("date"),
            Type::Array(e) => write!(f, "array<{e}>"),
            Type::Object(fields) => {
                f.write_str("{")?;
                for (i, (k, t)) in fields.iter().enumerate() {
                    write!(f, "{}{k}: {t}", if i == 0 { "" } else { ", " })?;
                }
                f.write_str("}")
            }
            Type::Any => f.write_str("any"),
        }
    }
}

/// A type as node annotations show it: large objects (a whole event) abbreviated to `object`.
struct Short<'t>(&'t Type);

impl Display for Short<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.0 {
            Type::Array(e) => write!(f, "array<{}>", Short(e)),
            Type::Object(fields) if fields.len() > 4 => f.write_str("object"),
            Type::Object(fields) => {
                f.write_str("{")?;
                for (i, (k, t)) in fields.iter().enumerate() {
                    write!(f, "{}{k}: {}", if i == 0 { "" } else { ", " }, Short(t))?;
                }
                f.write_str("}")
            }
            t => t.fmt(f),
        }
    }
}

impl Display for Program {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for a in &self.attributes {
            writeln!(f, "{a}")?;
        }
        for a in &self.audiences {
            writeln!(f, "{a}")?;
        }
        writeln!(f, "event paths")?;
        for p in &self.event_paths {
            writeln!(f, "  {} : {}", p.path.join("."), Short(&p.ty))?;
        }
        Ok(())
    }
}

impl Display for Attribute {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "attribute {} = {} at {} : {}",
            self.name,
            self.function.name(),
            self.path.join("."),
            self.ty
        )?;
        if let super::Function::List(n) = self.function {
            writeln!(f, "  count {n}")?;
        }
        if let Some(d) = self.duration {
            writeln!(f, "  duration {} {}", d.count, format!("{:?}", d.unit).to_uppercase())?;
        }
        if let Some(e) = &self.filter {
            writeln!(f, "  filter")?;
            write_expr(f, e, 2)?;
        }
        if let Some(e) = &self.value {
            writeln!(f, "  value")?;
            write_expr(f, e, 2)?;
        }
        Ok(())
    }
}

impl Display for Audience {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "audience {}", self.name)?;
        write_expr(f, &self.expr, 1)
    }
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_expr(f, self, 0)
    }
}

/// Writes one node per line: `(head) : type`, children indented below it.
fn write_expr(f: &mut Formatter<'_>, e: &Expr, depth: usize) -> fmt::Result {
    let pad = "  ".repeat(depth);
    let (head, children): (String, Vec<&Expr>) = match &e.kind {
        ExprKind::Const(v) => (format!("const {}", value(v)), vec![]),
        ExprKind::Path { scope, path } => (format!("path @{scope} {}", path.join(".")), vec![]),
        ExprKind::Events => ("events".to_string(), vec![]),
        ExprKind::Field { target, name } => (format!("field {name}"), vec![target]),
        ExprKind::Array(items) => ("array".to_string(), items.iter().collect()),
        ExprKind::Object(fields) => {
            let keys: Vec<String> = fields.iter().map(|(k, _)| format!("{k:?}")).collect();
            (format!("object {}", keys.join(" ")), fields.iter().map(|(_, x)| x).collect())
        }
        ExprKind::Not(x) => ("not".to_string(), vec![x]),
        ExprKind::Neg(x) => ("neg".to_string(), vec![x]),
        ExprKind::Logic { op, lhs, rhs } => (format!("{op:?}").to_lowercase(), vec![lhs, rhs]),
        ExprKind::Compare { op, lhs, rhs } => (format!("{op:?}").to_lowercase(), vec![lhs, rhs]),
        ExprKind::Arith { op, lhs, rhs } => (format!("{op:?}").to_lowercase(), vec![lhs, rhs]),
        ExprKind::If { cond, then, otherwise } => ("if".to_string(), vec![cond, then, otherwise]),
        ExprKind::In { negated, expr, list } => {
            ((if *negated { "notIn" } else { "in" }).to_string(), vec![expr, list])
        }
        ExprKind::Like { expr, pattern } => (format!("like {pattern:?}"), vec![expr]),
        ExprKind::Occurs { expr, occurs } => {
            (format!("occurs {}", occurs_head(occurs)), occurs_children(expr, occurs))
        }
        ExprKind::Call { func, args } => (format!("call {}", func_name(func)), args.iter().collect()),
        ExprKind::Each { op, array, scope, inner } => {
            let mut kids = vec![&**array];
            kids.extend(inner.as_deref());
            (format!("{} @{scope}", array_op(*op)), kids)
        }
    };
    writeln!(f, "{pad}({head}) : {}", Short(&e.ty))?;
    for c in children {
        write_expr(f, c, depth + 1)?;
    }
    Ok(())
}

fn occurs_head(o: &Occurs) -> String {
    let dir = |after: bool| if after { "after" } else { "before" };
    match o {
        Occurs::Distance { cmp, count, unit, after, anchor } => {
            format!("{cmp:?} {count} {unit:?} {} {}", dir(*after), time(anchor)).to_lowercase()
        }
        Occurs::Relative { after, anchor } => format!("{} {}", dir(*after), time(anchor)),
        Occurs::On { anchor } => format!("on {}", time(anchor)),
        Occurs::Between { start, end } => format!("between {} and {}", time(start), time(end)),
        Occurs::Calendar { offset, unit } => format!("calendar {offset} {unit:?}").to_lowercase(),
    }
}

fn occurs_children<'e>(expr: &'e Expr, o: &'e Occurs) -> Vec<&'e Expr> {
    let t = |t: &'e Time| match t {
        Time::Expr(e) => Some(e),
        _ => None,
    };
    let mut out = vec![expr];
    match o {
        Occurs::Distance { anchor, .. } | Occurs::Relative { anchor, .. } | Occurs::On { anchor } => {
            out.extend(t(anchor))
        }
        Occurs::Between { start, end } => out.extend(t(start).into_iter().chain(t(end))),
        Occurs::Calendar { .. } => {}
    }
    out
}

/// An anchor's name; an expression anchor is listed as a child.
fn time(t: &Time) -> &'static str {
    match t {
        Time::Now => "now",
        Time::Today => "today",
        Time::Yesterday => "yesterday",
        Time::Tomorrow => "tomorrow",
        Time::Expr(_) => "<expr>",
    }
}

fn func_name(func: &Func) -> String {
    match func {
        Func::Matches(re) => format!("matches {:?}", re.pattern),
        Func::RegexGroup(re) => format!("regexGroup {:?}", re.pattern),
        other => format!("{other:?}"),
    }
}

fn array_op(op: ArrayOp) -> String {
    match op {
        ArrayOp::TopN(n) => format!("topN {n}"),
        ArrayOp::BottomN(n) => format!("bottomN {n}"),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// A constant as PQL would write it; timestamps and dates in RFC 3339 / ISO form.
fn value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Double(d) => format!("{d:?}"),
        Value::String(s) => format!("{s:?}"),
        Value::Timestamp(us) => match jiff::Timestamp::from_microsecond(*us) {
            Ok(ts) => format!("timestamp({ts})"),
            Err(_) => format!("timestamp({us}us)"),
        },
        Value::Date(days) => {
            let date = jiff::Span::new()
                .try_days(i64::from(*days))
                .and_then(|span| jiff::civil::date(1970, 1, 1).checked_add(span));
            match date {
                Ok(d) => format!("date({d})"),
                Err(_) => format!("date({days}d)"),
            }
        }
        Value::Array(items) => {
            let mut s = String::from("[");
            for (i, x) in items.iter().enumerate() {
                let _ = write!(s, "{}{}", if i == 0 { "" } else { ", " }, value(x));
            }
            s + "]"
        }
        Value::Object(m) => {
            let parts: Vec<String> = m.iter().map(|(k, x)| format!("{k:?}: {}", value(x))).collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}
