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
        slotted(&["eventType", "commerce.order.priceTotal", "n", "a.b", "web"], &["crm.id"]),
    ]
}

/// A plan read by slots (`ingest::direct`): `wanted` event paths, `_id`, `timestamp` and the
/// identity fields `fields`.
fn slotted(wanted: &[&str], fields: &[&str]) -> Plan {
    let wanted: Vec<Vec<String>> =
        wanted.iter().map(|p| p.split('.').map(str::to_string).collect()).collect();
    let mut own = vec!["_id", "timestamp"];
    own.extend(fields);
    let mut plan = Plan::new(&wanted, &own);
    plan.slots = Some(Slots::new(&plan.trie, &wanted, "timestamp", fields).expect("paths end at leaves"));
    plan
}

/// What the slots of `plan` read from `text`, when the slot scan takes it, is what the slim
/// parse gives at each slot's path (`Null` when absent), and the same identity map. Returns
/// whether the slot scan took the line.
fn slots_agree(text: &str, plan: &Plan) -> bool {
    let Some(slots) = &plan.slots else { return false };
    let Some((raw, ids)) = scan_slots(text, slots) else { return false };
    let (slim, slim_ids) = match plan.parse_by_serde(text) {
        Ok(parsed) => parsed,
        Err(e) => panic!("slot scan took a line serde rejects ({e}): {text}"),
    };
    assert_eq!(ids, slim_ids, "{text}");
    let mut all: Vec<(Vec<String>, usize)> =
        vec![(vec!["_id".into()], slots.id), (vec!["timestamp".into()], slots.time)];
    let wanted = ["eventType", "commerce.order.priceTotal", "n", "a.b", "web", "crm.id"];
    all.extend(wanted.iter().map(|p| (p.split('.').map(str::to_string).collect(), slot_at(slots, p))));
    for (path, slot) in all {
        let read = raw[slot].clone().unwrap_or(Value::Null);
        assert_eq!(read, crate::ingest::typed::project_path(&slim, &path), "{path:?} in {text}");
    }
    true
}

fn slot_at(slots: &Slots, dotted: &str) -> usize {
    let mut node = &slots.root;
    for key in dotted.split('.') {
        node = &node.children.iter().find(|(k, _)| k == key).expect("a wanted path").1;
    }
    node.slot.expect("a leaf")
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
    slots_agree(text, plan);
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
fn slots_take_every_typical_line_without_arrays_or_repeats_on_wanted_paths() {
    let plan = &plans()[2];
    let taken: Vec<bool> = LINES.iter().map(|l| slots_agree(l, plan)).collect();
    // Line 1 repeats `commerce`; line 5 has an array at `commerce`: both go the slim way.
    assert_eq!(taken, [true, false, true, true, true, false]);
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
        plan in 0..3usize,
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
