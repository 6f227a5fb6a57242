//! Fuzz target: the PQL parser never panics, and whatever parses prints back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mosaic::syntax::{parse_str, parse_text, print};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (expr, errors) = parse_text(text);
    if !errors.is_empty() {
        return;
    }
    let printed = print(&expr);
    match parse_str(&printed) {
        Ok(again) => assert_eq!(again, expr, "print/reparse changed the tree: {text:?} printed as {printed:?}"),
        Err(e) => panic!("printed form does not parse: {text:?} printed as {printed:?}: {e}"),
    }
});
