//! Parser and printer tests.
use mosaic::syntax::{parse_str, print};

#[test]
fn smoke() {
    for src in [
        "a.b.c = 1 and not x or y",
        "xEvent[eventType = \"commerce.purchases\"].sum(commerce.order.priceTotal)",
        "timestamp occurs <= 7 days before now",
        "a b",
        "(a",
        "[1, 2",
        "f(1,",
        "\"abc",
        "\"a\\qb\"",
        "99999999999999999999",
        "x occurs this fortnight",
        "a < b < c",
        "exists X from xEvent where X.a = 1",
        "x occurs between now and today",
        "x occurs before now() + 1",
        "-5.abs()",
        "^^.a.b",
        "",
        "{\"a\": 1, }",
    ] {
        match parse_str(src) {
            Ok(e) => println!("{src:40} => {}   {:?}", print(&e), e.node),
            Err(e) => println!("{src:40} => ERR {e}"),
        }
    }
}
