//! Random canonical ASTs for the print/reparse property: every node kind, every `occurs` form,
//! quantifiers, unicode strings, extreme numbers.

use mosaic::syntax::ast::*;
use mosaic::syntax::KEYWORDS;
use proptest::prelude::*;

fn node<T>(t: T) -> Node<T> {
    Node::new(0..0, t)
}

fn expr(kind: ExprKind) -> Expr {
    node(kind)
}

/// A name that may start a path or name a call or variable.
fn ident() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
        Just("xEvent".to_string()),
        Just("timestamp".to_string()),
        Just("before".to_string()),
        Just("last".to_string()),
    ]
    .prop_filter("keywords are not identifiers", |s| !KEYWORDS.contains(&s.as_str()))
}

/// A name after `.`: keywords are allowed there.
fn member() -> impl Strategy<Value = String> {
    prop_oneof![4 => "[a-zA-Z_][a-zA-Z0-9_]{0,6}", 1 => proptest::sample::select(KEYWORDS).prop_map(String::from)]
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        any::<String>().prop_map(Literal::String),
        "[ -~]{0,8}".prop_map(Literal::String),
        (0..=i64::MAX).prop_map(Literal::Int),
        prop_oneof![Just(0i64), Just(i64::MAX), Just(1)].prop_map(Literal::Int),
        any::<f64>().prop_filter("finite", |d| d.is_finite()).prop_map(|d| Literal::Double(d.abs())),
        prop_oneof![Just(0.0), Just(f64::MAX), Just(f64::MIN_POSITIVE), Just(5e-324), Just(1e16), Just(0.1)]
            .prop_map(Literal::Double),
        any::<bool>().prop_map(Literal::Bool),
        Just(Literal::Null),
    ]
}

fn path() -> impl Strategy<Value = ExprKind> {
    (0u32..3, ident(), prop::collection::vec(member(), 0..3)).prop_map(|(up, first, rest)| ExprKind::Path {
        up,
        segments: std::iter::once(first).chain(rest).map(node).collect(),
    })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        literal().prop_map(|l| expr(ExprKind::Literal(l))),
        path().prop_map(expr),
        proptest::sample::select(&["now", "today", "yesterday", "tomorrow"][..])
            .prop_map(|n| expr(ExprKind::Call { name: node(n.to_string()), args: vec![] })),
    ]
}

fn unit() -> impl Strategy<Value = Unit> {
    proptest::sample::select(
        &[
            Unit::Millisecond,
            Unit::Second,
            Unit::Minute,
            Unit::Hour,
            Unit::Day,
            Unit::Week,
            Unit::Month,
            Unit::Year,
        ][..],
    )
}

fn time(e: BoxedStrategy<Expr>) -> impl Strategy<Value = Node<Time>> {
    prop_oneof![
        Just(Time::Now),
        Just(Time::Today),
        Just(Time::Yesterday),
        Just(Time::Tomorrow),
        e.prop_map(Time::Expr),
    ]
    .prop_map(node)
}

fn occurs(e: BoxedStrategy<Expr>) -> impl Strategy<Value = Occurs> {
    let cmp = proptest::sample::select(
        &[BinaryOp::Eq, BinaryOp::Ne, BinaryOp::Lt, BinaryOp::Le, BinaryOp::Gt, BinaryOp::Ge][..],
    );
    let dir = prop_oneof![Just(Direction::Before), Just(Direction::After)];
    let which = prop_oneof![Just(Calendar::This), Just(Calendar::Last), Just(Calendar::Next)];
    prop_oneof![
        (cmp, prop_oneof![0..=10i64, 0..=i64::MAX], unit(), dir.clone(), time(e.clone())).prop_map(
            |(cmp, count, unit, direction, anchor)| Occurs::Distance {
                cmp,
                count: node(count),
                unit: node(unit),
                direction,
                anchor
            }
        ),
        (dir, time(e.clone())).prop_map(|(direction, anchor)| Occurs::Relative { direction, anchor }),
        time(e.clone()).prop_map(|anchor| Occurs::On { anchor }),
        (time(e.clone()), time(e)).prop_map(|(start, end)| Occurs::Between { start, end }),
        (which, unit()).prop_map(|(which, unit)| Occurs::Calendar { which, unit: node(unit) }),
    ]
}

fn binary_op() -> impl Strategy<Value = BinaryOp> {
    use BinaryOp::*;
    proptest::sample::select(&[Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Rem][..])
}

/// Any canonical expression tree.
pub fn canonical_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(5, 48, 4, |inner| {
        let e = inner.clone().boxed();
        let args = prop::collection::vec(inner.clone(), 0..4);
        prop_oneof![
            args.clone().prop_map(|a| expr(ExprKind::Array(a))),
            prop::collection::vec((any::<String>(), inner.clone()), 0..3)
                .prop_map(|kv| expr(ExprKind::Object(kv.into_iter().map(|(k, v)| (node(k), v)).collect()))),
            // `Field` on a path would read back as a longer path: that target becomes a method call.
            (inner.clone(), member()).prop_map(|(t, n)| match t.node {
                ExprKind::Path { .. } => {
                    expr(ExprKind::Method { target: Box::new(t), name: node(n), args: vec![] })
                }
                _ => expr(ExprKind::Field { target: Box::new(t), name: node(n) }),
            }),
            (ident(), args.clone()).prop_map(|(n, args)| expr(ExprKind::Call { name: node(n), args })),
            (inner.clone(), member(), args).prop_map(|(t, n, args)| expr(ExprKind::Method {
                target: Box::new(t),
                name: node(n),
                args
            })),
            (inner.clone(), inner.clone())
                .prop_map(|(t, c)| expr(ExprKind::Filter { target: Box::new(t), cond: Box::new(c) })),
            (prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)], inner.clone())
                .prop_map(|(op, e)| expr(ExprKind::Unary { op, expr: Box::new(e) })),
            (binary_op(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| expr(ExprKind::Binary {
                op,
                lhs: Box::new(l),
                rhs: Box::new(r)
            })),
            (any::<bool>(), inner.clone(), inner.clone()).prop_map(|(negated, e, l)| expr(ExprKind::In {
                negated,
                expr: Box::new(e),
                list: Box::new(l)
            })),
            (inner.clone(), inner.clone())
                .prop_map(|(e, p)| expr(ExprKind::Like { expr: Box::new(e), pattern: Box::new(p) })),
            (inner.clone(), occurs(e))
                .prop_map(|(e, o)| expr(ExprKind::Occurs { expr: Box::new(e), occurs: Box::new(o) })),
            (prop_oneof![Just(Quantifier::Exists), Just(Quantifier::Forall)], ident(), inner.clone(), inner)
                .prop_map(|(kind, v, s, c)| expr(ExprKind::Quantifier {
                    kind,
                    var: node(v),
                    source: Box::new(s),
                    cond: Box::new(c)
                })),
        ]
    })
}

/// Operator-heavy trees over small leaves, so that every pair of precedence levels meets often.
pub fn operator_expr() -> impl Strategy<Value = Expr> {
    let small = prop_oneof![
        (0i64..3).prop_map(|i| expr(ExprKind::Literal(Literal::Int(i)))),
        proptest::sample::select(&["a", "b", "c"][..])
            .prop_map(|n| expr(ExprKind::Path { up: 0, segments: vec![node(n.to_string())] })),
    ];
    small.prop_recursive(6, 64, 2, |inner| {
        let e = inner.clone().boxed();
        prop_oneof![
            8 => (binary_op(), inner.clone(), inner.clone())
                .prop_map(|(op, l, r)| expr(ExprKind::Binary { op, lhs: Box::new(l), rhs: Box::new(r) })),
            3 => (prop_oneof![Just(UnaryOp::Not), Just(UnaryOp::Neg)], inner.clone())
                .prop_map(|(op, e)| expr(ExprKind::Unary { op, expr: Box::new(e) })),
            1 => (any::<bool>(), inner.clone(), inner.clone())
                .prop_map(|(negated, e, l)| expr(ExprKind::In { negated, expr: Box::new(e), list: Box::new(l) })),
            1 => (inner.clone(), inner.clone())
                .prop_map(|(e, p)| expr(ExprKind::Like { expr: Box::new(e), pattern: Box::new(p) })),
            1 => (inner.clone(), occurs(e))
                .prop_map(|(e, o)| expr(ExprKind::Occurs { expr: Box::new(e), occurs: Box::new(o) })),
            1 => (inner.clone(), inner.clone())
                .prop_map(|(s, c)| expr(ExprKind::Quantifier {
                    kind: Quantifier::Exists,
                    var: node("X".to_string()),
                    source: Box::new(s),
                    cond: Box::new(c)
                })),
            1 => (inner.clone(), inner.clone())
                .prop_map(|(t, c)| expr(ExprKind::Filter { target: Box::new(t), cond: Box::new(c) })),
            1 => inner.prop_map(|t| expr(ExprKind::Method { target: Box::new(t), name: node("f".into()), args: vec![] })),
        ]
    })
}
