//! PQL parser and printer tests: table-driven parse cases, error cases, limits, and the
//! print/reparse property over random canonical trees.

#[path = "syntax/cases.rs"]
mod cases;
#[path = "syntax/sexp.rs"]
mod sexp;
#[path = "syntax/strategy.rs"]
mod strategy;

use cases::{ERROR_CASES, PARSE_CASES, PRINT_CASES};
use mosaic::diag::{Code, Files};
use mosaic::policy::ExprSource;
use mosaic::syntax::{self, parse_str, print};
use proptest::prelude::*;
use sexp::sexp;

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
