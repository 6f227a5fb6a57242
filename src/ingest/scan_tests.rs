//! The scanner against serde: whatever it takes, serde takes with the same result.

use super::*;
use proptest::prelude::*;

fn plans() -> Vec<Plan> {
    let paths = |list: &[&str]| -> Vec<Vec<String>> {
        list.iter().map(|p| p.split('.').map(str::to_string).collect()).collect()
    };
    vec![
        Plan::new(
            &paths(&["eventType", "commerce.order.priceTotal", "productListItems.SKU", "web"]),
            &["_id", "timestamp"],
        ),
        Plan::new(&paths(&["identityMap.ECID", "n", "a.b"]), &["_id", "timestamp", "crm.id"]),
    ]
}

/// Lines of every shape an event line takes, valid JSON all.
const LINES: &[&str] = &[
    r#"{"_id": "w-3-10", "timestamp": "2026-07-06T22:41:04Z", "eventType": "web.webpagedetails.pageViews", "identityMap": {"ECID": [{"id": "98861524560810209164748811422053539259", "primary": true}], "Email": [{"id": "sigrid.mattsson3@yahoo.com", "authenticatedState": "authenticated"}]}, "web": {"webPageDetails": {"name": "home", "URL": "https://shop.example.se/home", "pageViews": {"value": 1}}}}"#,
    r#"{"_id":7,"timestamp":"2026-07-04T00:24:58Z","identityMap":{"ECID":{"id":12},"Email":"bare","N":1.5e3,"X":[true,null,[1],{"id":{"a":1}},{"id":-0,"primary":"yes"}]},"productListItems":[{"SKU":"sku-502","quantity":1,"priceTotal":49.75},{"SKU":null},3],"commerce":{"order":{"priceTotal":-12.5e-3,"x":[]},"order":{"priceTotal":18446744073709551615}}}"#,
    r#"  {"eventType":"a\"b\\c\u00e5\ud83d\ude00","n":0,"a":{"b":[1,{"c":2}],"d":"\t"},"identityMap":{"ECID":[{"id":"1"}]},"identityMap":[1,2]} "#,
    r#"{"identityMap":{"ECID":[{"id":"1","primary":true}],"ECID":[{"id":"2"}]},"crm":{"id":"c-1"},"web":"é","eventType":false,"x":{"y":[[[]]],"z":{}}}"#,
    r#"{}"#,
    r#"{"eventType":123456789012345678,"n":1234567890123456789,"commerce":[{"order":{"priceTotal":1}},{"order":null}]}"#,
];

/// Bytes and snippets that break or bend JSON.
const TOKENS: &[&str] = &[
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    " ",
    "0",
    "-",
    "e",
    ".",
    "\u{1}",
    "\\u12",
    "\\ud800",
    "tru",
    "nul",
    "é",
    "1",
    "+",
    "\t",
    "x",
    "\"identityMap\":",
    "\"id\":",
    "\\q",
    "\u{7f}",
];

/// Whatever the scanner returns, serde returns too; whatever serde rejects, the scanner leaves.
fn agrees(text: &str, plan: &Plan) -> bool {
    let scanned = parse(text, plan);
    if let Some(scanned) = &scanned {
        match plan.parse_by_serde(text) {
            Ok(reference) => assert_eq!(*scanned, reference, "{text}"),
            Err(e) => panic!("scanner took a line serde rejects ({e}): {text}"),
        }
    }
    scanned.is_some()
}

#[test]
fn takes_every_typical_line_with_serdes_result() {
    for plan in plans() {
        for line in LINES {
            assert!(agrees(line, &plan), "scanner left a plain line: {line}");
        }
    }
}

#[test]
fn leaves_unusual_lines_to_serde() {
    let plan = &plans()[0];
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(100), "]".repeat(100));
    for line in [r#"{"a\u0062":1}"#, "[1]", "3", r#"{"a":1} x"#, r#"{"a":01}"#, &deep] {
        assert!(!agrees(line, plan), "{line}");
    }
    assert!(parse("{}", &Plan::new(&[vec![]], &[])).is_none(), "a whole-line plan is serde's");
}

#[test]
fn every_single_edit_of_every_line_agrees() {
    for plan in plans() {
        for line in LINES {
            let cuts: Vec<usize> = (0..=line.len()).filter(|&i| line.is_char_boundary(i)).collect();
            for w in cuts.windows(2) {
                agrees(&format!("{}{}", &line[..w[0]], &line[w[1]..]), &plan);
            }
            for &at in &cuts {
                for token in TOKENS {
                    agrees(&format!("{}{token}{}", &line[..at], &line[at..]), &plan);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Several edits at once (inserted tokens, deleted or swapped characters).
    #[test]
    fn mutated_lines_agree(
        which in 0..LINES.len(),
        plan in 0..2usize,
        edits in prop::collection::vec((any::<usize>(), 0..3u8, 0..TOKENS.len()), 1..5),
    ) {
        let mut line = LINES[which].to_string();
        for (at, op, token) in edits {
            let mut at = at % (line.len() + 1);
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            match op {
                0 => line.insert_str(at, TOKENS[token]),
                1 => {
                    if let Some(c) = line[at..].chars().next() {
                        line.replace_range(at..at + c.len_utf8(), "");
                    }
                }
                _ => {
                    if let Some(c) = line[at..].chars().next() {
                        line.replace_range(at..at + c.len_utf8(), TOKENS[token]);
                    }
                }
            }
        }
        agrees(&line, &plans()[plan]);
    }
}
