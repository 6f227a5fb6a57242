//! A fully parenthesised rendering of an AST, so that test tables state the tree's shape exactly.

use mosaic::syntax::ast::*;

pub fn sexp(e: &Expr) -> String {
    match &e.node {
        ExprKind::Literal(Literal::String(s)) => format!("{s:?}"),
        ExprKind::Literal(Literal::Int(i)) => i.to_string(),
        ExprKind::Literal(Literal::Double(d)) => format!("{d:?}"),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Literal(Literal::Null) => "null".into(),
        ExprKind::Array(items) => format!("[{}]", list(items)),
        ExprKind::Object(entries) => {
            let parts: Vec<String> =
                entries.iter().map(|(k, v)| format!("{:?} {}", k.node, sexp(v))).collect();
            format!("(obj {})", parts.join(" "))
        }
        ExprKind::Path { up, segments } => {
            let segs: Vec<&str> = segments.iter().map(|s| s.node.as_str()).collect();
            format!("{}{}{}", "^".repeat(*up as usize), if *up > 0 { "." } else { "" }, segs.join("."))
        }
        ExprKind::Field { target, name } => format!("(. {} {})", sexp(target), name.node),
        ExprKind::Call { name, args } => format!("(call {}{})", name.node, prefixed(args)),
        ExprKind::Method { target, name, args } => {
            format!("(.{} {}{})", name.node, sexp(target), prefixed(args))
        }
        ExprKind::Filter { target, cond } => format!("([] {} {})", sexp(target), sexp(cond)),
        ExprKind::Unary { op, expr } => {
            format!("({} {})", if *op == UnaryOp::Not { "not" } else { "neg" }, sexp(expr))
        }
        ExprKind::Binary { op, lhs, rhs } => format!("({op:?} {} {})", sexp(lhs), sexp(rhs)),
        ExprKind::In { negated, expr, list } => {
            format!("({} {} {})", if *negated { "notIn" } else { "in" }, sexp(expr), sexp(list))
        }
        ExprKind::Like { expr, pattern } => format!("(like {} {})", sexp(expr), sexp(pattern)),
        ExprKind::Occurs { expr, occurs } => format!("(occurs {} {})", sexp(expr), occurs_form(occurs)),
        ExprKind::Quantifier { kind, var, source, cond } => {
            format!("({kind:?} {} {} {})", var.node, sexp(source), sexp(cond))
        }
        ExprKind::Error => "ERR".into(),
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(sexp).collect::<Vec<_>>().join(" ")
}

fn prefixed(items: &[Expr]) -> String {
    items.iter().map(|i| format!(" {}", sexp(i))).collect()
}

fn time(t: &Time) -> String {
    match t {
        Time::Expr(e) => sexp(e),
        other => format!("{other:?}"),
    }
}

fn occurs_form(o: &Occurs) -> String {
    match o {
        Occurs::Distance { cmp, count, unit, direction, anchor } => {
            format!("({cmp:?} {} {:?} {direction:?} {})", count.node, unit.node, time(&anchor.node))
        }
        Occurs::Relative { direction, anchor } => format!("({direction:?} {})", time(&anchor.node)),
        Occurs::On { anchor } => format!("(On {})", time(&anchor.node)),
        Occurs::Between { start, end } => format!("(Between {} {})", time(&start.node), time(&end.node)),
        Occurs::Calendar { which, unit } => format!("({which:?} {:?})", unit.node),
    }
}
