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
    // case-sensitive keywords
    ("AND", "AND"),
    ("True", "True"),
    ("notin", "notin"),
    // examples from the specification
    (
        r#"homeAddress.countryCode = "SE" and computedAttributes.totalSpend30d > 500
    and xEvent.any(eventType = "web.webpagedetails.pageViews" and timestamp occurs <= 7 days before now)"#,
        r#"(And (And (Eq homeAddress.countryCode "SE") (Gt computedAttributes.totalSpend30d 500)) (.any xEvent (And (Eq eventType "web.webpagedetails.pageViews") (occurs timestamp (Le 7 Day Before Now)))))"#,
    ),
    (
        r#"xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)"#,
        r#"(.sum ([] xEvent (Eq eventType "commerce.purchases")) commerce.order.priceTotal)"#,
    ),
    (
        "xEvent.topN(timestamp, 1).map({\"timestamp\": timestamp, \"value\": productListItems.name}).head()",
        r#"(.head (.map (.topN xEvent timestamp 1) (obj "timestamp" timestamp "value" productListItems.name)))"#,
    ),
    ("person.orders.storeId.distinct().count() > 1", "(Gt (.count (.distinct person.orders.storeId)) 1)"),
    (
        r#"eventType.equals("commerce.backofficeOrderPlaced", false)"#,
        r#"(.equals eventType "commerce.backofficeOrderPlaced" false)"#,
    ),
    (r#"email.regexGroup("@(\\w+)", 1)"#, r#"(.regexGroup email "@(\\w+)" 1)"#),
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

/// Source → the first error: code, byte span, message.
const ERROR_CASES: &[(&str, Code, std::ops::Range<usize>, &str)] = &[
    ("", Code::SyntaxError, 0..0, "expected expression, found end of input"),
    ("a b", Code::SyntaxError, 2..3, "expected operator or end of input, found `b`"),
    ("(a", Code::SyntaxError, 2..2, "expected `)` or operator, found end of input"),
    ("[1, 2", Code::SyntaxError, 5..5, "expected `]`, `,` or operator, found end of input"),
    ("f(a b)", Code::SyntaxError, 4..5, "expected `)`, `,` or operator, found `b`"),
    ("f(1,", Code::SyntaxError, 4..4, "expected expression, found end of input"),
    ("xEvent[a = 1]]", Code::SyntaxError, 13..14, "expected operator or end of input, found `]`"),
    ("a and", Code::SyntaxError, 5..5, "expected expression, found end of input"),
    ("and", Code::SyntaxError, 0..3, "expected expression, found `and`"),
    ("1 +* 2", Code::SyntaxError, 3..4, "expected expression, found `*`"),
    ("a == b", Code::SyntaxError, 3..4, "expected expression, found `=`"),
    ("a < b < c", Code::SyntaxError, 6..7, "expected operator or end of input, found `<`"),
    ("a in [1] in [2]", Code::SyntaxError, 9..11, "expected operator or end of input, found `in`"),
    ("x.1", Code::SyntaxError, 2..3, "expected name, found `1`"),
    ("{a: 1}", Code::SyntaxError, 1..2, "expected expression or `}`, found `a`"),
    ("{\"a\" 1}", Code::SyntaxError, 5..6, "expected `:`, found `1`"),
    ("{\"a\": 1, }", Code::SyntaxError, 9..10, "expected expression, found `}`"),
    ("é", Code::SyntaxError, 0..2, "expected expression, found `é`"),
    ("\"abc", Code::SyntaxError, 0..4, "unterminated string"),
    ("exists from xs where a", Code::SyntaxError, 7..11, "expected name, found `from`"),
    ("exists X xs where a", Code::SyntaxError, 9..11, "expected `from`, found `xs`"),
    ("exists X from xs", Code::SyntaxError, 16..16, "expected `:`, `where` or operator, found end of input"),
    (
        "x occurs",
        Code::SyntaxError,
        8..8,
        "expected `before`, `after`, `on`, `between`, `this`, `last`, `next` or a comparison, found end of input",
    ),
    ("x occurs <= days before now", Code::SyntaxError, 12..16, "expected number, found `days`"),
    ("x occurs <= 7 days now", Code::SyntaxError, 19..22, "expected `before` or `after`, found `now`"),
    ("x occurs between now", Code::SyntaxError, 20..20, "expected `and`, found end of input"),
    ("x occurs this fortnight", Code::UnknownUnit, 14..23, "unknown time unit `fortnight`"),
    ("\"a\\qb\"", Code::BadLiteral, 2..4, "unknown escape `\\q` in string"),
    ("\"\\u12\"", Code::BadLiteral, 1..5, "`\\u` must be followed by four hex digits"),
    ("\"\\ud800\"", Code::BadLiteral, 1..7, "unpaired surrogate in `\\u` escape"),
    ("99999999999999999999", Code::BadLiteral, 0..20, "integer `99999999999999999999` is out of range"),
    ("-9223372036854775808", Code::BadLiteral, 1..20, "integer `9223372036854775808` is out of range"),
    ("1e999", Code::BadLiteral, 0..5, "number `1e999` is out of range"),
    (
        "x occurs < 99999999999999999999 days before now",
        Code::BadLiteral,
        11..31,
        "count `99999999999999999999` is out of range",
    ),
];

#[test]
fn error_cases() {
    let mut failures = Vec::new();
    for (src, code, span, message) in ERROR_CASES {
        match parse_str(src) {
            Err(e) if e.code == *code && e.span == *span && e.message == *message => {}
            Err(e) => failures.push(format!(
                "{src:?}\n   want {code} {span:?} {message}\n    got {} {:?} {}",
                e.code, e.span, e.message
            )),
            Ok(e) => failures.push(format!("{src:?} parsed as {}", sexp(&e))),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// A bad literal does not hide the rest: every one is reported, and the tree keeps its shape.
#[test]
fn literal_errors_leave_placeholders() {
    let (e, errors) = syntax::parse_text(r#"a = "\q" or b = 99999999999999999999"#);
    assert_eq!(sexp(&e), "(Or (Eq a ERR) (Eq b ERR))");
    let codes: Vec<_> = errors.iter().map(|e| (e.code, e.span.clone())).collect();
    assert_eq!(codes, vec![(Code::BadLiteral, 5..7), (Code::BadLiteral, 16..36)]);
}

/// Spans are byte ranges of the expression text; a parenthesised node spans its parentheses.
#[test]
fn spans() {
    let src = "(a.b + 1) * f(x)[y] and t occurs before now";
    let e = parse_str(src).unwrap();
    let text = |r: &std::ops::Range<usize>| src[r.clone()].to_string();
    let syntax::ast::ExprKind::Binary { lhs, rhs, .. } = &e.node else { panic!("{}", sexp(&e)) };
    assert_eq!(text(&e.span), src);
    assert_eq!(text(&lhs.span), "(a.b + 1) * f(x)[y]");
    let syntax::ast::ExprKind::Binary { lhs: group, rhs: filter, .. } = &lhs.node else { panic!() };
    assert_eq!(text(&group.span), "(a.b + 1)");
    assert_eq!(text(&filter.span), "f(x)[y]");
    let syntax::ast::ExprKind::Binary { lhs: path, .. } = &group.node else { panic!() };
    assert_eq!(text(&path.span), "a.b");
    let syntax::ast::ExprKind::Path { segments, .. } = &path.node else { panic!() };
    assert_eq!(segments.iter().map(|s| text(&s.span)).collect::<Vec<_>>(), ["a", "b"]);
    let syntax::ast::ExprKind::Occurs { expr, occurs } = &rhs.node else { panic!() };
    assert_eq!(text(&expr.span), "t");
    let syntax::ast::Occurs::Relative { anchor, .. } = &**occurs else { panic!() };
    assert_eq!(text(&anchor.span), "now");
}

/// `syntax::parse` maps error spans into the policy file through `ExprSource`.
#[test]
fn diagnostics_point_into_the_file() {
    let file_text = "expression: >-\n  a = (1 +\n  ]\n";
    let mut files = Files::new();
    let file = files.add("policies/x.yaml", file_text);
    // The folded scalar `a = (1 +\n  ]` reads as `a = (1 + ]`.
    let text = "a = (1 + ]".to_string();
    let mut offsets: Vec<usize> = (17..25).collect();
    offsets.extend([25, 28, 29]);
    let src = ExprSource { text, file, offsets };
    let (e, diags) = syntax::parse(&src);
    assert_eq!(e.node, syntax::ast::ExprKind::Error);
    assert_eq!(diags.len(), 1);
    let d = &diags[0];
    assert_eq!(d.code, Code::SyntaxError);
    assert_eq!(d.message, "expected expression, found `]`");
    let label = d.primary.as_ref().unwrap();
    assert_eq!(label.range, 28..29);
    assert_eq!(files.get(file).line_col(label.range.start), (3, 3));
}

#[test]
fn valid_expression_has_no_diagnostics() {
    let mut files = Files::new();
    let text = "xEvent[eventType = \"commerce.purchases\"].sum(commerce.order.priceTotal)".to_string();
    let file = files.add("a.yaml", text.clone());
    let src = ExprSource { offsets: (0..=text.len()).collect(), text, file };
    let (e, diags) = syntax::parse(&src);
    assert!(diags.is_empty());
    assert_eq!(
        sexp(&e),
        r#"(.sum ([] xEvent (Eq eventType "commerce.purchases")) commerce.order.priceTotal)"#
    );
}

/// Source → canonical printed form: minimal parentheses, `!` as `not`, normalised numbers.
const PRINT_CASES: &[(&str, &str)] = &[
    ("((a))", "a"),
    ("(a + b) * c", "(a + b) * c"),
    ("a + (b * c)", "a + b * c"),
    ("a - (b - c)", "a - (b - c)"),
    ("(a - b) - c", "a - b - c"),
    ("!a", "not a"),
    ("!(a and b)", "not (a and b)"),
    ("a = (not b)", "a = (not b)"),
    ("(a = b) = c", "(a = b) = c"),
    ("-(a + 1)", "-(a + 1)"),
    ("(-a).f()", "(-a).f()"),
    ("1e3", "1000.0"),
    ("1.50", "1.5"),
    ("1e21", "1e21"),
    ("0.000001", "1e-6"),
    ("\"tab\\there\\u0001\\/\"", "\"tab\\there\\u0001/\""),
    ("{\"k\" : [ 1,2 ]}", "{\"k\": [1, 2]}"),
    ("t occurs <= 1 days before now", "t occurs <= 1 day before now"),
    ("t occurs < 2 day after today", "t occurs < 2 days after today"),
    ("t occurs last weeks", "t occurs last week"),
    ("exists X from xs: X", "exists X from xs where X"),
    ("(exists X from xs where X) and b", "(exists X from xs where X) and b"),
    ("a and (exists X from xs where X)", "a and (exists X from xs where X)"),
    ("now", "now()"),
    // A parenthesised time word is an expression (a call), not the anchor word.
    ("t occurs before (now)", "t occurs before now()"),
    ("^^.a.b", "^^.a.b"),
];

#[test]
fn print_cases() {
    let mut failures = Vec::new();
    for (src, want) in PRINT_CASES {
        match parse_str(src) {
            Ok(e) if print(&e) == *want => {}
            Ok(e) => failures.push(format!("{src:?}\n   want {want}\n    got {}", print(&e))),
            Err(e) => failures.push(format!("{src:?}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Nesting past the limits is an error, never a stack overflow (on a 2 MiB test thread).
#[test]
fn deep_nesting_is_an_error() {
    let n = syntax::MAX_NESTING;
    let ok = format!("{}a{}", "(".repeat(n), ")".repeat(n));
    assert!(parse_str(&ok).is_ok());
    for deep in [
        format!("{}a{}", "(".repeat(n + 1), ")".repeat(n + 1)),
        format!("{}1", "[".repeat(100_000)),
        "exists X from x where ".repeat(n + 1) + "a",
        "f(".repeat(50_000),
    ] {
        let err = parse_str(&deep).unwrap_err();
        assert_eq!(err.code, Code::SyntaxError);
        assert_eq!(err.message, format!("expression nested too deeply (more than {n} levels)"));
    }
    let d = syntax::MAX_DEPTH;
    for long in [
        format!("{}1", "-".repeat(50_000)),
        format!("{}a", "not ".repeat(d + 1)),
        "a + ".repeat(20_000) + "a",
        "x".to_string() + &".f()".repeat(d + 1),
        "a or ".repeat(d + 1) + "a",
    ] {
        let err = parse_str(&long).unwrap_err();
        assert_eq!(err.code, Code::SyntaxError, "{}", &long[..20]);
        assert_eq!(err.message, format!("expression nested too deeply (more than {d} levels)"));
    }
    let fits = "a or ".repeat(d - 2) + "a";
    assert!(parse_str(&fits).is_ok());
}

proptest! {
    /// Any text, including near-misses built from PQL tokens, parses or fails without panicking,
    /// and error spans stay inside the text on character boundaries.
    #[test]
    fn any_text_parses_or_fails_cleanly(
        tokens in prop::collection::vec(proptest::sample::select(&[
            "a", ".", "b", "(", ")", "[", "]", "{", "}", ",", ":", "\"s\"", "\"", "\\", "1", "2.5", "e", "-", "+",
            "*", "/", "%", "=", "!", "<", ">", "^", "and", "or", "not", "in", "notIn", "like", "occurs", "before",
            "after", "on", "between", "this", "last", "days", "now", "today", "exists", "forall", "from", "where",
            " ", "é", "\n",
        ][..]), 0..24),
        noise in ".{0,8}",
    ) {
        for text in [tokens.concat(), tokens.join(" "), noise] {
            match parse_str(&text) {
                Ok(e) => prop_assert!(e.span.end <= text.len()),
                Err(err) => {
                    prop_assert!(err.span.start <= err.span.end && err.span.end <= text.len());
                    prop_assert!(text.is_char_boundary(err.span.start) && text.is_char_boundary(err.span.end));
                }
            }
        }
    }
}
