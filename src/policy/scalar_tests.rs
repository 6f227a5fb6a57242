//! Tests of the scalar → file offset map, one per YAML scalar style.

use super::expr_source;
use crate::diag::FileId;
use crate::policy::yaml;
use crate::policy::ExprSource;

/// The expression under key `e` of the first document.
fn source(text: &str) -> ExprSource {
    let (docs, diags) = yaml::parse(FileId(0), text);
    assert!(diags.is_empty(), "{diags:?}");
    let node = docs[0].get("e").expect("key e");
    expr_source(FileId(0), text, node).expect("scalar")
}

/// The file text at the file position of the first occurrence of `needle` in the expression.
fn at<'a>(text: &'a str, src: &ExprSource, needle: &str) -> &'a str {
    let i = src.text.find(needle).expect("needle in expression");
    let r = src.to_file(i..i + needle.len());
    &text[r]
}

/// Every byte copied verbatim (not produced by an escape or a fold) maps to the same byte in the file.
fn assert_copies_map_back(text: &str, src: &ExprSource) {
    assert_eq!(src.offsets.len(), src.text.len() + 1);
    for (i, b) in src.text.bytes().enumerate() {
        let escaped = text.as_bytes()[src.offsets[i]] == b'\\';
        if !escaped && !matches!(b, b' ' | b'\n' | b'\'' | b'"' | b'\\') {
            assert_eq!(text.as_bytes()[src.offsets[i]], b, "byte {i} of {:?}", src.text);
        }
    }
}

#[test]
fn plain_multi_line_folds_breaks() {
    let text = "k: 1\ne: xEvent[a = 1]\n  .count() and\n\n  ERR\n";
    let src = source(text);
    assert_eq!(src.text, "xEvent[a = 1] .count() and\nERR");
    assert_eq!(at(text, &src, "ERR"), "ERR");
    assert_eq!(at(text, &src, ".count"), ".count");
    assert_copies_map_back(text, &src);
}

#[test]
fn single_quoted_unescapes_doubled_quotes() {
    let text = "e: 'name = ''x'' and\n   ERR'\n";
    let src = source(text);
    assert_eq!(src.text, "name = 'x' and ERR");
    assert_eq!(at(text, &src, "ERR"), "ERR");
    // An escaped quote maps to its first quote character.
    assert_eq!(at(text, &src, "'x'"), "''x'");
    assert_copies_map_back(text, &src);
}

#[test]
fn double_quoted_escapes_and_folding() {
    let text = "e: \"a = \\\"\\u00e9\\\" \\\\ \\t and\n  ERR \\\n  tail\"\n";
    let src = source(text);
    assert_eq!(src.text, "a = \"é\" \\ \t and ERR tail");
    assert_eq!(at(text, &src, "ERR"), "ERR");
    assert_eq!(at(text, &src, "tail"), "tail");
    assert_eq!(at(text, &src, "é"), "\\");
    assert_copies_map_back(text, &src);
}

#[test]
fn literal_block_strips_indentation() {
    let text = "e: |\n  first\n    indented ERR\n  last\nx: 1\n";
    let src = source(text);
    assert_eq!(src.text, "first\n  indented ERR\nlast\n");
    assert_eq!(at(text, &src, "ERR"), "ERR");
    assert_eq!(at(text, &src, "last"), "last");
    assert_copies_map_back(text, &src);
}

#[test]
fn folded_block_folds_plain_lines_and_keeps_more_indented() {
    let text = "e: >-\n  one\n  two\n\n  three\n    deep ERR\n  four\n";
    let src = source(text);
    assert_eq!(src.text, "one two\nthree\n  deep ERR\nfour");
    assert_eq!(at(text, &src, "ERR"), "ERR");
    assert_eq!(at(text, &src, "four"), "four");
    assert_copies_map_back(text, &src);
}

#[test]
fn folded_block_keeps_final_newline_without_strip() {
    let text = "e: >\n  a\n  b\n";
    let src = source(text);
    assert_eq!(src.text, "a b\n");
    assert_copies_map_back(text, &src);
}

#[test]
fn multi_byte_characters_before_the_scalar_and_inside_it() {
    let text = "# ünïcödé\nnäme: x\ne: >-\n  name = \"日本\" and\n  ERR\n";
    let src = source(text);
    assert_eq!(at(text, &src, "ERR"), "ERR");
    assert_eq!(at(text, &src, "日本"), "日本");
    assert_copies_map_back(text, &src);
}

#[test]
fn unicode_on_the_same_line_before_a_plain_value() {
    let text = "e: {ü: 1, x: a ERR}\n";
    let (docs, _) = yaml::parse(FileId(0), text);
    let node = docs[0].get("e").and_then(|m| m.get("x")).expect("x");
    let src = expr_source(FileId(0), text, node).expect("scalar");
    assert_eq!(at(text, &src, "ERR"), "ERR");
}

#[test]
fn crlf_line_endings() {
    let text = "e: >-\r\n  one\r\n  ERR\r\n";
    let src = source(text);
    assert_eq!(src.text, "one ERR");
    assert_eq!(at(text, &src, "ERR"), "ERR");
}

proptest::proptest! {
    /// Whatever the scalar, the map has one entry per byte plus one, all inside the file.
    #[test]
    fn offsets_stay_inside_the_file(
        style in 0usize..6,
        body in "[a-z =\"'\\\\ü日\\[\\]().]{0,12}(\n[ ]{0,4}[a-z =\"'\\\\ü日\\[\\]().]{0,12}){0,3}",
    ) {
        let indented = body.replace('\n', "\n  ");
        let text = match style {
            0 => format!("e: {indented}\n"),
            1 => format!("e: '{}'\n", indented.replace('\'', "''")),
            2 => format!("e: \"{}\"\n", indented.replace('\\', "\\\\").replace('"', "\\\"")),
            3 => format!("e: |\n  {indented}\n"),
            4 => format!("e: >-\n  {indented}\n"),
            _ => format!("e: >+\n  {indented}\n\n"),
        };
        let (docs, _) = crate::policy::yaml::parse(FileId(0), &text);
        if let Some(node) = docs.first().and_then(|d| d.get("e")) {
            if let Some(src) = expr_source(FileId(0), &text, node) {
                proptest::prop_assert_eq!(src.offsets.len(), src.text.len() + 1);
                proptest::prop_assert!(src.offsets.iter().all(|&o| o <= text.len()));
                let r = src.to_file(0..src.text.len());
                proptest::prop_assert!(r.start <= r.end && r.end <= text.len());
                // The exact map, not the coarse fallback: verbatim bytes map to themselves.
                for (i, b) in src.text.bytes().enumerate() {
                    let escaped = text.as_bytes()[src.offsets[i]] == b'\\';
                    if !escaped && !matches!(b, b' ' | b'\n' | b'\'' | b'"' | b'\\') {
                        proptest::prop_assert_eq!(text.as_bytes()[src.offsets[i]], b, "{:?} in {:?}", src.text, text);
                    }
                }
            }
        }
    }
}
