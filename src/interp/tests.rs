//! Unit tests of the interpreter on hand-built IR (the front end is not needed).

use super::*;
use crate::ir::{ArithOp, ArrayOp, CmpOp, Expr, ExprKind, Func, Function, Occurs, Time, Type, Unit};
use crate::value::Map;

fn ctx(as_of: &str, tz: &str) -> EvalContext {
    EvalContext {
        as_of: as_of.parse::<jiff::Timestamp>().unwrap().as_microsecond(),
        tz: jiff::tz::TimeZone::get(tz).unwrap(),
        interner: Arc::new(Interner::new()),
    }
}

fn utc() -> EvalContext {
    ctx("2026-03-15T12:00:00Z", "UTC")
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, ty: Type::Any, span: 0..0 }
}

fn c(v: impl Into<Value>) -> Expr {
    e(ExprKind::Const(v.into()))
}

fn null() -> Expr {
    e(ExprKind::Const(Value::Null))
}

fn ts(s: &str) -> Value {
    Value::Timestamp(s.parse::<jiff::Timestamp>().unwrap().as_microsecond())
}

fn path(scope: u32, p: &str) -> Expr {
    e(ExprKind::Path { scope, path: p.split('.').map(String::from).collect() })
}

fn cmp(op: CmpOp, l: Expr, r: Expr) -> Expr {
    e(ExprKind::Compare { op, lhs: Box::new(l), rhs: Box::new(r) })
}

fn arith(op: ArithOp, l: Expr, r: Expr) -> Expr {
    e(ExprKind::Arith { op, lhs: Box::new(l), rhs: Box::new(r) })
}

fn call(func: Func, args: Vec<Expr>) -> Expr {
    e(ExprKind::Call { func, args })
}

fn run(x: &Expr, cx: &EvalContext) -> Value {
    eval(x, &[&Value::Null], &[], cx)
}

fn obj(pairs: &[(&str, Value)]) -> Value {
    Value::object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<Map>())
}

#[test]
fn comparisons_with_null_are_false_even_not_equal() {
    let cx = utc();
    assert_eq!(run(&cmp(CmpOp::Ne, null(), c(1i64)), &cx), Value::Bool(false));
    assert_eq!(run(&cmp(CmpOp::Eq, null(), null()), &cx), Value::Bool(false));
    assert_eq!(run(&cmp(CmpOp::Ne, c("a"), c(1i64)), &cx), Value::Bool(false));
    let not = e(ExprKind::Not(Box::new(cmp(CmpOp::Eq, null(), c(1i64)))));
    assert_eq!(run(&not, &cx), Value::Bool(true));
    assert_eq!(run(&cmp(CmpOp::Eq, c(1i64), c(1.0)), &cx), Value::Bool(true));
    assert_eq!(run(&cmp(CmpOp::Lt, c(i64::MAX), c(9.223372036854776e18)), &cx), Value::Bool(true));
    assert_eq!(run(&cmp(CmpOp::Lt, c(true), c(false)), &cx), Value::Bool(false));
    assert_eq!(run(&cmp(CmpOp::Eq, c(f64::NAN), c(f64::NAN)), &cx), Value::Bool(false));
}

#[test]
fn arithmetic_is_checked_and_null_propagates() {
    let cx = utc();
    assert_eq!(run(&arith(ArithOp::Add, c(i64::MAX), c(1i64)), &cx), Value::Null);
    assert_eq!(run(&arith(ArithOp::Div, c(7i64), c(2i64)), &cx), Value::Double(3.5));
    assert_eq!(run(&arith(ArithOp::Div, c(6i64), c(2i64)), &cx), Value::Double(3.0));
    assert_eq!(run(&arith(ArithOp::Div, c(1i64), c(0i64)), &cx), Value::Null);
    assert_eq!(run(&arith(ArithOp::Rem, c(-7i64), c(2i64)), &cx), Value::Int(-1));
    assert_eq!(run(&arith(ArithOp::Div, c(1.0), c(0i64)), &cx), Value::Null);
    assert_eq!(run(&arith(ArithOp::Rem, c(i64::MIN), c(-1i64)), &cx), Value::Null);
    assert_eq!(run(&arith(ArithOp::Mul, c(2i64), c(1.5)), &cx), Value::Double(3.0));
    assert_eq!(run(&arith(ArithOp::Rem, c(5.5), c(2i64)), &cx), Value::Double(1.5));
    assert_eq!(run(&arith(ArithOp::Sub, null(), c(1i64)), &cx), Value::Null);
    assert_eq!(run(&e(ExprKind::Neg(Box::new(c(i64::MIN)))), &cx), Value::Null);
}

#[test]
fn paths_project_through_arrays() {
    let cx = utc();
    let items = Value::array(vec![
        obj(&[("sku", "a".into()), ("tags", Value::array(vec!["x".into(), "y".into()]))]),
        obj(&[("tags", Value::array(vec!["z".into()]))]),
        obj(&[("sku", "b".into())]),
    ]);
    let profile = obj(&[("items", items)]);
    let skus = eval(&path(0, "items.sku"), &[&profile], &[], &cx);
    assert_eq!(skus, Value::array(vec!["a".into(), "b".into()]));
    let tags = eval(&path(0, "items.tags"), &[&profile], &[], &cx);
    assert_eq!(tags, Value::array(vec!["x".into(), "y".into(), "z".into()]));
    assert_eq!(eval(&path(0, "items.sku.nope"), &[&profile], &[], &cx), Value::array(vec![]));
    assert_eq!(eval(&path(3, "items"), &[&profile], &[], &cx), Value::Null);
}

#[test]
fn strings_and_like() {
    let cx = utc();
    assert!(strings::eval_like(&"héllo wörld".into(), "h_llo%d"));
    assert!(!strings::eval_like(&"Hello".into(), "hello"));
    assert!(strings::eval_like(&"".into(), "%"));
    assert!(strings::eval_like(&"a%b".into(), "a%%b"));
    assert!(!strings::eval_like(&"abc".into(), "ab"));
    assert!(strings::eval_like(&"mississippi".into(), "%iss%ppi"));
    let dns = call(Func::DoesNotStartWith, vec![null(), c("a")]);
    assert_eq!(run(&dns, &cx), Value::Bool(false));
    let sw = call(Func::StartsWith, vec![c("ÅSA"), c("ås"), c(false)]);
    assert_eq!(run(&sw, &cx), Value::Bool(true));
    let re = ir::RegexLit { pattern: "[a-z]+".into(), regex: regex::Regex::new("[a-z]+").unwrap() };
    assert_eq!(run(&call(Func::Matches(re.clone()), vec![c("abc1")]), &cx), Value::Bool(false));
    assert_eq!(run(&call(Func::Matches(re.clone()), vec![c("abc")]), &cx), Value::Bool(true));
    let g =
        ir::RegexLit { pattern: "(\\d+)-(\\d+)".into(), regex: regex::Regex::new("(\\d+)-(\\d+)").unwrap() };
    assert_eq!(run(&call(Func::RegexGroup(g.clone()), vec![c("x12-34"), c(2i64)]), &cx), Value::from("34"));
    assert_eq!(run(&call(Func::RegexGroup(g), vec![c("x12-34"), c(3i64)]), &cx), Value::Null);
    assert_eq!(run(&call(Func::Length, vec![c("naïve")]), &cx), Value::Int(5));
}

#[test]
fn occurs_distance_months_and_calendar_weeks() {
    let cx = utc();
    let within = |v: &str, cmp: CmpOp, count: i64, unit: Unit| {
        let occ = Occurs::Distance { cmp, count, unit, after: false, anchor: Time::Now };
        run(&e(ExprKind::Occurs { expr: Box::new(c(ts(v))), occurs: Box::new(occ) }), &cx)
    };
    assert_eq!(within("2026-01-15T12:00:00Z", CmpOp::Le, 2, Unit::Month), Value::Bool(true));
    assert_eq!(within("2026-01-15T11:59:59Z", CmpOp::Le, 2, Unit::Month), Value::Bool(false));
    assert_eq!(within("2026-03-16T00:00:00Z", CmpOp::Le, 2, Unit::Month), Value::Bool(false));
    assert_eq!(within("2026-03-08T12:00:00Z", CmpOp::Ge, 1, Unit::Week), Value::Bool(true));
    // 2026-03-15 is a Sunday: this week is Monday 9th .. Sunday 15th.
    let this_week = |v: &str, offset: i64| {
        let occ = Occurs::Calendar { offset, unit: Unit::Week };
        run(&e(ExprKind::Occurs { expr: Box::new(c(ts(v))), occurs: Box::new(occ) }), &cx)
    };
    assert_eq!(this_week("2026-03-09T00:00:00Z", 0), Value::Bool(true));
    assert_eq!(this_week("2026-03-08T23:59:59Z", 0), Value::Bool(false));
    assert_eq!(this_week("2026-03-08T23:59:59Z", -1), Value::Bool(true));
    assert_eq!(this_week("2026-03-16T00:00:00Z", 1), Value::Bool(true));
}

#[test]
fn today_follows_the_time_zone() {
    // 23:30 UTC on the 14th is already the 15th in Stockholm.
    let cx = ctx("2026-03-14T23:30:00Z", "Europe/Stockholm");
    let on_today = |v: &str| {
        let occ = Occurs::On { anchor: Time::Today };
        run(&e(ExprKind::Occurs { expr: Box::new(c(ts(v))), occurs: Box::new(occ) }), &cx)
    };
    assert_eq!(on_today("2026-03-14T23:00:00Z"), Value::Bool(true));
    assert_eq!(on_today("2026-03-14T22:59:59Z"), Value::Bool(false));
    assert_eq!(run(&call(Func::CurrentDayOfMonth, vec![]), &cx), Value::Int(15));
    assert_eq!(run(&call(Func::MakeDate, vec![c(2026i64), c(2i64), c(29i64)]), &cx), Value::Null);
}

#[test]
fn aggregates_skip_nulls_and_rank_with_ties() {
    let cx = utc();
    let arr = c(Value::array(vec![Value::Int(3), Value::Null, Value::Int(1), Value::Int(3)]));
    let each = |op| e(ExprKind::Each { op, array: Box::new(arr.clone()), scope: 1, inner: None });
    assert_eq!(run(&each(ArrayOp::Sum), &cx), Value::Int(7));
    assert_eq!(run(&each(ArrayOp::Min), &cx), Value::Int(1));
    assert_eq!(run(&each(ArrayOp::Average), &cx), Value::Double(7.0 / 3.0));
    let big = c(Value::array(vec![Value::Int(i64::MAX), Value::Int(1)]));
    let sum = e(ExprKind::Each { op: ArrayOp::Sum, array: Box::new(big), scope: 1, inner: None });
    assert_eq!(run(&sum, &cx), Value::Null);
    let empty = c(Value::array(vec![]));
    let all = e(ExprKind::Each { op: ArrayOp::All, array: Box::new(empty), scope: 1, inner: None });
    assert_eq!(run(&all, &cx), Value::Bool(true));
    let rows = Value::array(vec![
        obj(&[("k", 1i64.into()), ("id", "a".into())]),
        obj(&[("k", 2i64.into()), ("id", "b".into())]),
        obj(&[("k", 2i64.into()), ("id", "c".into())]),
    ]);
    let rank = |op| {
        let inner = Some(Box::new(path(1, "k")));
        let x = e(ExprKind::Each { op, array: Box::new(c(rows.clone())), scope: 1, inner });
        let ids = e(ExprKind::Field { target: Box::new(x), name: "id".into() });
        run(&ids, &cx)
    };
    assert_eq!(rank(ArrayOp::TopN(2)), Value::array(vec!["c".into(), "b".into()]));
    assert_eq!(rank(ArrayOp::BottomN(2)), Value::array(vec!["a".into(), "b".into()]));
}

#[test]
fn attribute_windows_and_functions() {
    let cx = utc();
    let ev = |t: &str, v: Value| obj(&[("timestamp", ts(t)), ("v", v)]);
    let events = vec![
        ev("2026-02-14T12:00:00Z", Value::Int(100)),
        ev("2026-02-15T12:00:00Z", Value::Int(1)),
        ev("2026-03-01T00:00:00Z", Value::Null),
        ev("2026-03-15T12:00:00Z", Value::Int(2)),
        ev("2026-03-15T12:00:01Z", Value::Int(50)),
    ];
    let attr = |function, months: Option<i64>| ir::Attribute {
        name: "a".into(),
        path: vec!["a".into()],
        function,
        filter: None,
        value: Some(path(1, "v")),
        duration: months.map(|count| ir::Duration { count, unit: ir::DurationUnit::Months }),
        ty: Type::Any,
    };
    let run_attr = |a: ir::Attribute| eval_attribute(&a, &Value::Null, &events, &cx);
    assert_eq!(run_attr(attr(Function::Sum, Some(1))), Value::Int(3));
    assert_eq!(run_attr(attr(Function::Sum, None)), Value::Int(103));
    assert_eq!(run_attr(attr(Function::Count, Some(1))), Value::Int(3));
    assert_eq!(run_attr(attr(Function::MostRecent, None)), Value::Int(2));
    assert_eq!(run_attr(attr(Function::First, Some(1))), Value::Int(1));
    assert_eq!(
        run_attr(attr(Function::List(5), None)),
        Value::array(vec![2i64.into(), 1i64.into(), 100i64.into()])
    );
    assert_eq!(run_attr(attr(Function::CountDistinct, Some(0))), Value::Int(1));
    assert_eq!(run_attr(attr(Function::CountDistinct, None)), Value::Int(3));
    let mut missing = attr(Function::Max, None);
    missing.value = Some(path(1, "nope"));
    assert_eq!(run_attr(missing), Value::Null);
}

#[test]
fn interpreter_reads_columns() {
    let cx = utc();
    let program = ir::Program {
        attributes: vec![ir::Attribute {
            name: "n".into(),
            path: vec!["n".into()],
            function: Function::Sum,
            filter: Some(cmp(CmpOp::Eq, path(1, "kind"), c("buy"))),
            value: Some(path(1, "order.total")),
            duration: None,
            ty: Type::Int,
        }],
        audiences: vec![],
        event_paths: vec![
            ir::EventPath { path: vec!["kind".into()], ty: Type::String },
            ir::EventPath { path: vec!["order".into(), "total".into()], ty: Type::Int },
            ir::EventPath { path: vec!["timestamp".into()], ty: Type::Timestamp },
        ],
        profile_type: Type::Any,
        event_type: Type::Any,
    };
    let ev = |t: &str, kind: &str, total: Value| {
        obj(&[("timestamp", ts(t)), ("kind", kind.into()), ("order", obj(&[("total", total)]))])
    };
    let events = vec![
        ev("2026-03-02T00:00:00Z", "buy", Value::Int(5)),
        ev("2026-03-01T00:00:00Z", "buy", "oops".into()),
        ev("2026-03-03T00:00:00Z", "view", Value::Int(7)),
        ev("2026-03-20T00:00:00Z", "buy", Value::Int(9)),
    ];
    let cols = crate::engine::columns_from_events(&program, &events, &cx.interner);
    assert_eq!(cols.timestamp.len(), 4);
    let compiled = crate::engine::compile(&program, crate::engine::EngineKind::Interp, &cx.interner);
    let mut out = Vec::new();
    compiled.attributes(&Value::Null, &cols, 0..cols.len(), &cx, &mut out);
    assert_eq!(out, vec![Value::Int(5)]);
}

#[test]
fn rows_select_one_profile_and_audiences_see_all_its_events() {
    let cx = utc();
    let program = ir::Program {
        attributes: vec![],
        audiences: vec![ir::Audience {
            name: "late".into(),
            // xEvent.any(timestamp occurs after now): the as-of instant filters no data.
            expr: e(ExprKind::Each {
                op: ArrayOp::Any,
                array: Box::new(e(ExprKind::Events)),
                scope: 1,
                inner: Some(Box::new(e(ExprKind::Occurs {
                    expr: Box::new(path(1, "timestamp")),
                    occurs: Box::new(Occurs::Relative { after: true, anchor: Time::Now }),
                }))),
            }),
        }],
        event_paths: vec![ir::EventPath { path: vec!["timestamp".into()], ty: Type::Timestamp }],
        profile_type: Type::Any,
        event_type: Type::Any,
    };
    let ev = |t: &str| obj(&[("timestamp", ts(t))]);
    let a = crate::engine::columns_from_events(&program, &[ev("2026-03-01T00:00:00Z")], &cx.interner);
    let b = crate::engine::columns_from_events(&program, &[ev("2026-04-01T00:00:00Z")], &cx.interner);
    // Two profiles' rows in one set of columns: 0..1 is the first, 1..2 the second.
    let mut both = a.clone();
    both.timestamp.extend(&b.timestamp);
    both.columns[0].tags.extend(&b.columns[0].tags);
    both.columns[0].bits.extend(&b.columns[0].bits);
    let compiled = crate::engine::compile(&program, crate::engine::EngineKind::Interp, &cx.interner);
    let mut out = Vec::new();
    compiled.audiences(&Value::Null, &both, 0..1, &cx, &mut out);
    assert_eq!(out, vec![false]);
    compiled.audiences(&Value::Null, &both, 1..2, &cx, &mut out);
    assert_eq!(out, vec![true]);
    compiled.audiences(&Value::Null, &both, 5..9, &cx, &mut out);
    assert_eq!(out, vec![false]);
}

#[test]
fn reads_events_finds_x_event_at_any_depth() {
    let events = || e(ExprKind::Events);
    let count =
        |array: Expr| e(ExprKind::Each { op: ArrayOp::Any, array: Box::new(array), scope: 1, inner: None });
    assert!(!cmp(CmpOp::Eq, path(0, "homeAddress.city"), c("stockholm")).reads_events());
    assert!(count(events()).reads_events());
    assert!(e(ExprKind::Not(Box::new(count(events())))).reads_events());
    // Inside an `occurs` anchor.
    let anchored = e(ExprKind::Occurs {
        expr: Box::new(path(0, "birthDate")),
        occurs: Box::new(Occurs::Relative { after: true, anchor: Time::Expr(count(events())) }),
    });
    assert!(anchored.reads_events());
    let plain = e(ExprKind::Occurs {
        expr: Box::new(path(0, "birthDate")),
        occurs: Box::new(Occurs::Relative { after: true, anchor: Time::Now }),
    });
    assert!(!plain.reads_events());
    // An audience that reads no event still sees the profile.
    let cx = utc();
    let program = ir::Program {
        attributes: vec![],
        audiences: vec![ir::Audience {
            name: "home".into(),
            expr: cmp(CmpOp::Eq, path(0, "city"), c("Malmö")),
        }],
        event_paths: vec![ir::EventPath { path: vec!["timestamp".into()], ty: Type::Timestamp }],
        profile_type: Type::Any,
        event_type: Type::Any,
    };
    let columns = crate::engine::columns_from_events(
        &program,
        &[obj(&[("timestamp", ts("2026-03-01T00:00:00Z"))])],
        &cx.interner,
    );
    let compiled = crate::engine::compile(&program, crate::engine::EngineKind::Interp, &cx.interner);
    let mut out = Vec::new();
    compiled.audiences(&obj(&[("city", Value::string("Malmö"))]), &columns, 0..1, &cx, &mut out);
    assert_eq!(out, [true]);
}

#[test]
fn attributes_see_only_their_window_unless_a_rule_reads_every_event() {
    let cx = utc(); // as of 2026-03-15T12:00:00Z
    let ev = |t: &str, v: i64| obj(&[("timestamp", ts(t)), ("v", Value::Int(v))]);
    let evs = [ev("2026-01-01T00:00:00Z", 5), ev("2026-03-10T00:00:00Z", 1), ev("2026-03-15T11:00:00Z", 2)];
    let attr =
        |name: &str, function, days: Option<i64>, filter: Option<Expr>, value: Option<Expr>| ir::Attribute {
            name: name.into(),
            path: vec![name.into()],
            function,
            filter,
            value,
            duration: days.map(|count| ir::Duration { count, unit: ir::DurationUnit::Days }),
            ty: Type::Any,
        };
    // `xEvent.sum(v) > 7` inside a filter: every event of the profile, whatever the window.
    let all_events_sum = e(ExprKind::Each {
        op: ArrayOp::Sum,
        array: Box::new(e(ExprKind::Events)),
        scope: 2,
        inner: Some(Box::new(path(2, "v"))),
    });
    let reads_all = cmp(CmpOp::Gt, all_events_sum, c(7i64));
    let run = |attributes: Vec<ir::Attribute>| {
        let program = ir::Program {
            attributes,
            audiences: vec![],
            event_paths: vec![
                ir::EventPath { path: vec!["timestamp".into()], ty: Type::Timestamp },
                ir::EventPath { path: vec!["v".into()], ty: Type::Int },
            ],
            profile_type: Type::Any,
            event_type: Type::Any,
        };
        let columns = crate::engine::columns_from_events(&program, &evs, &cx.interner);
        let compiled = crate::engine::compile(&program, crate::engine::EngineKind::Interp, &cx.interner);
        let mut out = Vec::new();
        compiled.attributes(&Value::Null, &columns, 0..evs.len(), &cx, &mut out);
        out
    };
    let week = || attr("week", Function::Count, Some(7), None, None);
    let newest = || attr("newest", Function::MostRecent, Some(1), None, None);
    // Only windows: the events outside every window are not built, and not missed.
    assert_eq!(run(vec![week()]), [Value::Int(2)]);
    assert_eq!(run(vec![newest()]), [evs[2].clone()]);
    let total = attr("total", Function::Sum, None, None, Some(path(1, "v")));
    assert_eq!(run(vec![week(), total]), [Value::Int(2), Value::Int(8)]);
    // A filter reading xEvent sees all three events (sum 8), not the week's two (sum 3).
    let filtered = attr("filtered", Function::Count, Some(7), Some(reads_all), None);
    assert_eq!(run(vec![week(), filtered]), [Value::Int(2), Value::Int(2)]);
}

#[test]
fn attribute_event_objects_hold_the_paths_attributes_can_observe() {
    let cx = utc(); // as of 2026-03-15T12:00:00Z
    let order = obj(&[("total", Value::Int(3)), ("currency", Value::string("SEK"))]);
    let ev = obj(&[
        ("timestamp", ts("2026-03-10T00:00:00Z")),
        ("type", Value::string("buy")),
        ("commerce", obj(&[("order", order.clone())])),
        ("web", obj(&[("page", Value::string("home"))])),
    ]);
    let attr = |function, filter: Option<Expr>, value: Option<Expr>| ir::Attribute {
        name: "a".into(),
        path: vec!["a".into()],
        function,
        filter,
        value,
        duration: None,
        ty: Type::Any,
    };
    let program = |paths: &[&str], attributes: Vec<ir::Attribute>| ir::Program {
        attributes,
        audiences: vec![],
        event_paths: paths
            .iter()
            .map(|p| ir::EventPath { path: p.split('.').map(String::from).collect(), ty: Type::Any })
            .collect(),
        profile_type: Type::Any,
        event_type: Type::Any,
    };
    let run = |p: ir::Program| {
        let columns = crate::engine::columns_from_events(&p, std::slice::from_ref(&ev), &cx.interner);
        let compiled = crate::engine::compile(&p, crate::engine::EngineKind::Interp, &cx.interner);
        let mut out = Vec::new();
        compiled.attributes(&Value::Null, &columns, 0..1, &cx, &mut out);
        out
    };
    let is_buy = || cmp(CmpOp::Eq, path(1, "type"), c("buy"));
    // `commerce.order` is made of the paths that extend it; `web.page` plays no part.
    let paths = ["timestamp", "type", "commerce.order.total", "commerce.order.currency", "web.page"];
    let value = e(ExprKind::Object(vec![
        ("o".into(), path(1, "commerce.order")),
        ("t".into(), path(1, "timestamp")),
    ]));
    let p = program(&paths, vec![attr(Function::MostRecent, Some(is_buy()), Some(value))]);
    assert_eq!(observed_paths(&p), Some(vec![true, true, true, true, false]));
    assert_eq!(run(p), [obj(&[("o", order.clone()), ("t", ts("2026-03-10T00:00:00Z"))])]);
    // A deeper path is read out of the path that holds it.
    let paths = ["type", "commerce", "web.page"];
    let p = program(&paths, vec![attr(Function::Sum, None, Some(path(1, "commerce.order.total")))]);
    assert_eq!(observed_paths(&p), Some(vec![false, true, false]));
    assert_eq!(run(p), [Value::Int(3)]);
    let p = program(&paths, vec![attr(Function::Count, Some(is_buy()), None)]);
    assert_eq!(observed_paths(&p), Some(vec![true, false, false]));
    assert_eq!(run(p), [Value::Int(1)]);
    // The event itself as the value (`….head()` of whole events), or `xEvent`: every path.
    let p = program(&paths, vec![attr(Function::MostRecent, Some(is_buy()), None)]);
    assert_eq!(observed_paths(&p), None);
    assert_eq!(
        run(p),
        [obj(&[
            ("type", Value::string("buy")),
            ("commerce", obj(&[("order", order)])),
            ("web", obj(&[("page", Value::string("home"))])),
            ("timestamp", ts("2026-03-10T00:00:00Z"))
        ])]
    );
    let events =
        e(ExprKind::Each { op: ArrayOp::Sum, array: Box::new(e(ExprKind::Events)), scope: 2, inner: None });
    let p = program(&paths, vec![attr(Function::Count, Some(cmp(CmpOp::Gt, events, c(0i64))), None)]);
    assert_eq!(observed_paths(&p), None);
}
