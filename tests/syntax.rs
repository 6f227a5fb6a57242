//! PQL parser and printer tests: table-driven parse cases, error cases, limits, and the
//! print/reparse property over random canonical trees.

#[path = "syntax/sexp.rs"]
mod sexp;
#[path = "syntax/strategy.rs"]
mod strategy;

use mosaic::diag::{Code, Files};
use mosaic::policy::ExprSource;
use mosaic::syntax::{self, parse_str, print};
use proptest::prelude::*;
use sexp::sexp;

/// Source → the tree's shape.
const PARSE_CASES: &[(&str, &str)] = &[
    // literals
    ("42", "42"),
    ("0", "0"),
    ("007", "7"),
    ("9223372036854775807", "9223372036854775807"),
    ("3.14", "3.14"),
    ("1e3", "1000.0"),
    ("2.5E-3", "0.0025"),
    ("1.5e+2", "150.0"),
    ("-5", "(neg 5)"),
    ("-2.5", "(neg 2.5)"),
    ("true", "true"),
    ("false", "false"),
    ("null", "null"),
    (r#""pizza""#, r#""pizza""#),
    (r#""a\"b\\c\nd\te\/f""#, r#""a\"b\\c\nd\te/f""#),
    (r#""\u00e9\u20AC""#, r#""é€""#),
    (r#""\ud83d\ude00""#, r#""😀""#),
    (r#""héllo wörld""#, r#""héllo wörld""#),
    ("[1, 4, 7]", "[1 4 7]"),
    ("[]", "[]"),
    (r#"["US", "CA"]"#, r#"["US" "CA"]"#),
    (r#"{"timestamp": timestamp, "value": producedBy}"#, r#"(obj "timestamp" timestamp "value" producedBy)"#),
    ("{}", "(obj )"),
    // paths
    ("person.name.firstName", "person.name.firstName"),
    ("_id", "_id"),
    ("a1.b_2", "a1.b_2"),
    ("xEvent", "xEvent"),
    ("^.person.gender", "^.person.gender"),
    ("^^.a", "^^.a"),
    ("timestamp", "timestamp"),
    ("a.last.next", "a.last.next"),
    ("person.and", "person.and"),
    ("(a).b", "a.b"),
    ("before", "before"),
    // calls and time words
    (r#"timestamp("2026-03-14T10:00:00Z")"#, r#"(call timestamp "2026-03-14T10:00:00Z")"#),
    ("date(2026, 3, 14)", "(call date 2026 3 14)"),
    ("currentYear()", "(call currentYear)"),
    ("if(a > 1, \"x\", \"y\")", r#"(call if (Gt a 1) "x" "y")"#),
    ("now", "(call now)"),
    ("today()", "(call today)"),
    ("yesterday = tomorrow", "(Eq (call yesterday) (call tomorrow))"),
    // postfix
    ("name.lower()", "(.lower name)"),
    (r#"s.startsWith("a", false)"#, r#"(.startsWith s "a" false)"#),
    ("xs.head().value", "(. (.head xs) value)"),
    ("xs.head().value.x", "(. (. (.head xs) value) x)"),
    ("f(x).y", "(. (call f x) y)"),
    ("xEvent[a = 1]", "([] xEvent (Eq a 1))"),
    ("xEvent[a = 1].count()", "(.count ([] xEvent (Eq a 1)))"),
    ("xEvent[a].b", "(. ([] xEvent a) b)"),
    (
        r#"xEvent[productListItems[SKU = "PS" or ^^.person.gender = "female"]]"#,
        r#"([] xEvent ([] productListItems (Or (Eq SKU "PS") (Eq ^^.person.gender "female"))))"#,
    ),
    (
        "xEvent[eventType = \"p\"].topN(timestamp, 1).map({\"v\": x}).head()",
        r#"(.head (.map (.topN ([] xEvent (Eq eventType "p")) timestamp 1) (obj "v" x)))"#,
    ),
    ("1.abs()", "(.abs 1)"),
    ("1.5.abs()", "(.abs 1.5)"),
    ("[1][0]", "([] [1] 0)"),
    // unary and arithmetic
    ("-a.b", "(neg a.b)"),
    ("-x.f()", "(neg (.f x))"),
    ("--5", "(neg (neg 5))"),
    ("a - -5", "(Sub a (neg 5))"),
    ("1 + 2 * 3", "(Add 1 (Mul 2 3))"),
    ("(1 + 2) * 3", "(Mul (Add 1 2) 3)"),
    ("a - b - c", "(Sub (Sub a b) c)"),
    ("a / b % c * d", "(Mul (Rem (Div a b) c) d)"),
    ("-a * b", "(Mul (neg a) b)"),
    // comparisons
    ("a = 1", "(Eq a 1)"),
    ("a != 1", "(Ne a 1)"),
    ("a < 1", "(Lt a 1)"),
    ("a <= 1", "(Le a 1)"),
    ("a > 1", "(Gt a 1)"),
    ("a >= 1", "(Ge a 1)"),
    ("a + 1 = b * 2", "(Eq (Add a 1) (Mul b 2))"),
    (r#"c in ["US", "CA"]"#, r#"(in c ["US" "CA"])"#),
    ("c notIn [1, 2]", "(notIn c [1 2])"),
    ("c in xs", "(in c xs)"),
    (r#"name like "%es%""#, r#"(like name "%es%")"#),
    // boolean
    ("a and b or c", "(Or (And a b) c)"),
    ("a or b and c", "(Or a (And b c))"),
    ("a or b or c", "(Or (Or a b) c)"),
    ("not a", "(not a)"),
    ("!a", "(not a)"),
    ("!(a)", "(not a)"),
    ("not a = b", "(not (Eq a b))"),
    ("not a and b", "(And (not a) b)"),
    ("not not a", "(not (not a))"),
    ("! !a", "(not (not a))"),
    ("a and not b", "(And a (not b))"),
    ("notable", "notable"),
    ("android and oregon", "(And android oregon)"),
    // occurs
    ("timestamp occurs <= 7 days before now", "(occurs timestamp (Le 7 Day Before Now))"),
    ("timestamp occurs > 1 hour after today", "(occurs timestamp (Gt 1 Hour After Today))"),
    ("t occurs = 3 days before yesterday", "(occurs t (Eq 3 Day Before Yesterday))"),
    ("t occurs < 2 weeks after tomorrow", "(occurs t (Lt 2 Week After Tomorrow))"),
    ("t occurs >= 5 milliseconds before x.y", "(occurs t (Ge 5 Millisecond Before x.y))"),
    ("t occurs != 1 second before now", "(occurs t (Ne 1 Second Before Now))"),
    ("t occurs <= 30 minutes before now", "(occurs t (Le 30 Minute Before Now))"),
    ("t occurs <= 1 month before now", "(occurs t (Le 1 Month Before Now))"),
    ("t occurs <= 2 years before now", "(occurs t (Le 2 Year Before Now))"),
    ("X.timestamp occurs before today", "(occurs X.timestamp (Before Today))"),
    ("t occurs after date(2026, 1, 1)", "(occurs t (After (call date 2026 1 1)))"),
    ("t occurs on date(2019, 12, 31)", "(occurs t (On (call date 2019 12 31)))"),
    ("t occurs on now()", "(occurs t (On (call now)))"),
    ("t occurs before now + 1", "(occurs t (Before (Add (call now) 1)))"),
    ("t occurs before today.getYear()", "(occurs t (Before (.getYear (call today))))"),
    (
        "d occurs between date(2015, 1, 8) and date(2017, 7, 1)",
        "(occurs d (Between (call date 2015 1 8) (call date 2017 7 1)))",
    ),
    ("d occurs between yesterday and now and x", "(And (occurs d (Between Yesterday Now)) x)"),
    ("product.saleDate occurs last week", "(occurs product.saleDate (Last Week))"),
    ("t occurs this month", "(occurs t (This Month))"),
    ("t occurs next years", "(occurs t (Next Year))"),
    (
        "t occurs before now and t occurs after yesterday",
        "(And (occurs t (Before Now)) (occurs t (After Yesterday)))",
    ),
    // quantifiers
    ("exists X from xEvent where X.a = 1", "(Exists X xEvent (Eq X.a 1))"),
    ("exists X from xEvent: X.a = 1 and X.b", "(Exists X xEvent (And (Eq X.a 1) X.b))"),
    (
        "forall I from E.productListItems where I.SKU = \"PS\"",
        r#"(Forall I E.productListItems (Eq I.SKU "PS"))"#,
    ),
    ("a and exists X from xs where X.b", "(And a (Exists X xs X.b))"),
    ("not exists X from xs where X", "(not (Exists X xs X))"),
    ("(exists X from xs where X) or b", "(Or (Exists X xs X) b)"),
    (
        "exists X from xEvent[a] where exists Y from X.items where Y.p > ^.q",
        "(Exists X ([] xEvent a) (Exists Y X.items (Gt Y.p ^.q)))",
    ),
    // whitespace
    ("  a\n\t=\r\n1  ", "(Eq a 1)"),
    ("f ( 1 , 2 )", "(call f 1 2)"),
];

#[test]
fn parse_cases() {
    let mut failures = Vec::new();
    for (src, want) in PARSE_CASES {
        match parse_str(src) {
            Ok(e) if sexp(&e) == *want => {}
            Ok(e) => failures.push(format!("{src:?}\n   want {want}\n    got {}", sexp(&e))),
            Err(e) => failures.push(format!("{src:?}\n   want {want}\n    got {e}")),
        }
    }
    assert!(PARSE_CASES.len() >= 60);
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Runs a property over 1024 random trees on a thread with a large stack: proptest's nested
/// value trees for recursive strategies overflow a test thread's 2 MiB in debug builds.
fn check_round_trip<S: Strategy<Value = syntax::ast::Expr> + 'static>(make: fn() -> S) {
    let worker = std::thread::Builder::new().stack_size(256 << 20).spawn(move || {
        let strategy = make();
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(1024));
        runner.run(&strategy, |e| {
            let printed = print(&e);
            match parse_str(&printed) {
                Ok(back) => prop_assert_eq!(&back, &e, "printed as {}", printed),
                Err(err) => prop_assert!(false, "printed form {printed:?} does not parse: {err}"),
            }
            Ok(())
        })
    });
    if let Err(failure) = worker.expect("spawn the property thread").join().expect("property thread") {
        panic!("{failure}");
    }
}

/// Printing then parsing any canonical tree gives the same tree.
#[test]
fn print_then_parse_is_identity() {
    check_round_trip(strategy::canonical_expr);
}

/// The same over operator-heavy trees, where precedence and parentheses matter most.
#[test]
fn print_then_parse_keeps_precedence() {
    check_round_trip(strategy::operator_expr);
}
