//! The expressions of the UI cases map back to the right file positions, whatever the scalar
//! style: checked here on the offset map itself, independently of the PQL parser.

use super::decode_file;
use crate::diag::{FileId, Files};
use crate::policy::decode::Doc;

/// For each UI case: the expression's `]` after `eventType = ` maps to a `]` at this line:column.
const CASES: &[(&str, &str, (usize, usize))] = &[
    ("plain", include_str!("../../tests/ui/yaml-expr-plain.yaml"), (4, 26)),
    ("single", include_str!("../../tests/ui/yaml-expr-single-quoted.yaml"), (4, 22)),
    ("double", include_str!("../../tests/ui/yaml-expr-double-quoted.yaml"), (4, 24)),
    ("literal", include_str!("../../tests/ui/yaml-expr-literal.yaml"), (5, 28)),
    ("folded", include_str!("../../tests/ui/yaml-expr-folded.yaml"), (6, 24)),
    ("folded clip", include_str!("../../tests/ui/yaml-expr-folded-clip.yaml"), (6, 26)),
    ("unicode", include_str!("../../tests/ui/yaml-expr-unicode-same-line.yaml"), (4, 68)),
    ("aep object", include_str!("../../tests/ui/yaml-expr-aep-object.yaml"), (3, 71)),
];

#[test]
fn expression_positions_map_to_the_file() {
    for (name, text, (line, col)) in CASES {
        let mut files = Files::new();
        let file = files.add("case.yaml", *text);
        let mut diags = Vec::new();
        let docs = decode_file(file, text, &mut diags);
        assert!(diags.is_empty(), "{name}: {diags:?}");
        let src = match &docs[0].doc {
            Doc::Attribute(a) => &a.expression,
            Doc::Audience(a) => &a.expression,
            _ => panic!("{name}: not a rule"),
        };
        let i = src.text.find("eventType = ]").unwrap_or_else(|| panic!("{name}: {:?}", src.text))
            + "eventType = ".len();
        let range = src.to_file(i..i + 1);
        assert_eq!(&text[range.clone()], "]", "{name}");
        assert_eq!(files.get(FileId(0)).line_col(range.start), (*line, *col), "{name}");
    }
}
