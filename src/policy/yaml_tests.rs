//! Tests of the YAML tree: spans, documents, duplicate keys, syntax errors, and no panics.

use super::{parse, Kind, Node};
use crate::diag::{Code, FileId};
use proptest::prelude::*;

fn text_of<'a>(text: &'a str, node: &Node) -> &'a str {
    &text[node.span.clone()]
}

#[test]
fn spans_are_byte_ranges_even_after_multi_byte_characters() {
    let text = "ä: 日本\nkey: välue # c\nlist: [a, 'b']\n";
    let (docs, diags) = parse(FileId(0), text);
    assert!(diags.is_empty());
    let doc = &docs[0];
    assert_eq!(text_of(text, doc.get("ä").unwrap()), "日本");
    assert_eq!(text_of(text, doc.get("key").unwrap()), "välue");
    let list = doc.get("list").unwrap();
    assert_eq!(text_of(text, list), "[a, 'b']");
    let Kind::Sequence(items) = &list.kind else { panic!("not a list") };
    assert_eq!(text_of(text, &items[1]), "'b'");
    assert_eq!(items[1].as_str(), Some("b"));
}

#[test]
fn several_documents_and_json() {
    let text = "kind: A\n---\nkind: B\n---\n{\"kind\": \"C\", \"n\": [1, 2]}\n";
    let (docs, diags) = parse(FileId(0), text);
    assert!(diags.is_empty());
    let kinds: Vec<_> = docs.iter().map(|d| d.get("kind").and_then(Node::as_str).unwrap()).collect();
    assert_eq!(kinds, ["A", "B", "C"]);
    assert_eq!(text_of(text, docs[2].get("n").unwrap()), "[1, 2]");
}

#[test]
fn duplicate_keys_are_reported_and_the_first_kept() {
    let text = "a: 1\nb: 2\na: 3\n";
    let (docs, diags) = parse(FileId(0), text);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::DuplicateKey);
    assert_eq!(diags[0].primary.as_ref().unwrap().range, 10..11);
    assert_eq!(docs[0].get("a").and_then(Node::as_str), Some("1"));
}

#[test]
fn syntax_errors_point_at_the_error_and_keep_earlier_documents() {
    let text = "kind: A\n---\nkey: [unclosed\nnext: 1\n";
    let (docs, diags) = parse(FileId(0), text);
    assert_eq!(docs.len(), 1);
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].code, Code::YamlSyntax);
    let at = diags[0].primary.as_ref().unwrap().range.start;
    assert!(at >= 12 && at <= text.len(), "{at}");
}

/// A tab indenting a line is reported at the tab, not at the scalar before it.
#[test]
fn a_tab_is_pointed_at() {
    let text = "kind: A\nname: tabbed\n\tduration: 1\n";
    let (_, diags) = parse(FileId(0), text);
    assert_eq!(diags.len(), 1);
    assert!(diags[0].message.contains("tab"), "{}", diags[0].message);
    let primary = diags[0].primary.as_ref().unwrap();
    assert_eq!(primary.range, 21..22);
    assert_eq!(primary.message, "a tab: YAML indents with spaces only");
}

#[test]
fn syntax_error_after_multi_byte_characters_is_at_a_char_boundary() {
    let text = "ü: 日本\n  bad: [\n";
    let (_, diags) = parse(FileId(0), text);
    assert_eq!(diags.len(), 1);
    let r = diags[0].primary.as_ref().unwrap().range.clone();
    assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in "[a-z:\\-\\[\\]{}'\" \\n#|>ü日,.*&!%@`]{0,80}") {
        let (docs, diags) = parse(FileId(0), &text);
        for d in &diags {
            let r = d.primary.as_ref().map(|l| l.range.clone()).unwrap_or(0..0);
            prop_assert!(r.start <= r.end && r.end <= text.len());
        }
        let mut all = Vec::new();
        for doc in &docs {
            prop_assert!(doc.span.end <= text.len());
            let mut cx = crate::policy::fields::Cx { file: FileId(0), text: &text, diags: &mut all };
            let _ = crate::policy::decode::decode_document(&mut cx, doc);
        }
    }
}
