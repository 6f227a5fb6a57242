//! Reading typed fields out of YAML mappings, reporting every problem with the span it concerns.

use super::model::Spanned;
use super::yaml::{Kind, Node, Style};
use crate::diag::{Code, Diagnostic, FileId};

/// The file being decoded and the diagnostics found so far.
pub struct Cx<'a> {
    pub file: FileId,
    pub text: &'a str,
    pub diags: &'a mut Vec<Diagnostic>,
}

impl Cx<'_> {
    pub fn error(&mut self, code: Code, node: &Node, message: impl Into<String>, label: impl Into<String>) {
        self.diags.push(Diagnostic::new(code, message).at(self.file, node.span.clone(), label));
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    pub fn spanned<T>(&self, value: T, node: &Node) -> Spanned<T> {
        Spanned { value, file: self.file, span: node.span.clone() }
    }

    /// Reports unknown keys (E0005, with a suggestion) and AEP keys that are ignored (W0001).
    pub fn check_keys(&mut self, map: &[(Node, Node)], what: &str, known: &[&str], ignored: &[&str]) {
        self.check_key_list(map, false, what, known, ignored);
    }

    /// Like [`Cx::check_keys`] for a whole document, whose `kind` key is always allowed.
    pub fn check_doc_keys(&mut self, map: &[(Node, Node)], what: &str, known: &[&str], ignored: &[&str]) {
        self.check_key_list(map, true, what, known, ignored);
    }

    fn check_key_list(
        &mut self,
        map: &[(Node, Node)],
        document: bool,
        what: &str,
        known: &[&str],
        ignored: &[&str],
    ) {
        for (k, _) in map {
            let Some(key) = k.as_str() else {
                self.error(Code::WrongType, k, "a key must be a string", "expected a string key");
                continue;
            };
            if (document && key == "kind") || known.contains(&key) {
                continue;
            }
            if ignored.contains(&key) {
                self.push(Diagnostic::new(Code::IgnoredField, format!("field `{key}` is ignored")).at(
                    self.file,
                    k.span.clone(),
                    "accepted for AEP compatibility, has no effect here",
                ));
                continue;
            }
            let mut d = Diagnostic::new(Code::UnknownField, format!("unknown field `{key}` in {what}"));
            let label = match suggest(key, known) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "unknown field".to_string(),
            };
            d = d
                .at(self.file, k.span.clone(), label)
                .with_note(format!("expected one of: {}", known.join(", ")));
            self.push(d);
        }
    }

    /// The mapping of a node, or E0006.
    pub fn mapping<'n>(&mut self, node: &'n Node, field: &str) -> Option<&'n [(Node, Node)]> {
        match &node.kind {
            Kind::Mapping(m) => Some(m),
            _ => {
                self.wrong_type(node, field, "a mapping");
                None
            }
        }
    }

    /// The items of a list, or E0006.
    pub fn sequence<'n>(&mut self, node: &'n Node, field: &str) -> Option<&'n [Node]> {
        match &node.kind {
            Kind::Sequence(s) => Some(s),
            _ => {
                self.wrong_type(node, field, "a list");
                None
            }
        }
    }

    /// A scalar as a string (numbers and booleans are kept as written), or E0006.
    pub fn string(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.kind {
            Kind::Scalar { value, .. } if !node.is_null() => Some(value.clone()),
            _ => {
                self.wrong_type(node, field, "a string");
                None
            }
        }
    }

    /// `true`/`false` (quoted too: AEP payloads sometimes send string booleans), or E0006.
    pub fn bool(&mut self, node: &Node, field: &str) -> Option<bool> {
        match node.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => {
                self.wrong_type(node, field, "`true` or `false`");
                None
            }
        }
    }

    /// An unquoted integer, or E0006.
    pub fn int(&mut self, node: &Node, field: &str) -> Option<i64> {
        match &node.kind {
            Kind::Scalar { value, style: Style::Plain } => match value.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    self.wrong_type(node, field, "an integer");
                    None
                }
            },
            _ => {
                self.wrong_type(node, field, "an integer");
                None
            }
        }
    }

    /// One of `allowed` (compared case-insensitively), or E0008 listing them.
    pub fn one_of<T: Copy>(&mut self, node: &Node, field: &str, allowed: &[(&str, T)]) -> Option<T> {
        let value = self.string(node, field)?;
        if let Some((_, t)) = allowed.iter().find(|(name, _)| name.eq_ignore_ascii_case(&value)) {
            return Some(*t);
        }
        let mut names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
        names.dedup();
        let label = match suggest(&value, &names) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "not allowed here".to_string(),
        };
        self.push(
            Diagnostic::new(Code::InvalidValue, format!("invalid value `{value}` for `{field}`"))
                .at(self.file, node.span.clone(), label)
                .with_note(format!("expected one of: {}", names.join(", "))),
        );
        None
    }

    pub fn wrong_type(&mut self, node: &Node, field: &str, expected: &str) {
        let found = node.describe();
        self.error(
            Code::WrongType,
            node,
            format!("`{field}` must be {expected}"),
            format!("expected {expected}, found {found}"),
        );
    }
}

/// A required field of a mapping, or E0007 at the mapping's key span.
pub fn required<'n>(
    cx: &mut Cx,
    map_node: &'n Node,
    anchor: &Node,
    field: &str,
    what: &str,
) -> Option<&'n Node> {
    let found = map_node.get(field);
    if found.is_none() {
        cx.error(
            Code::MissingField,
            anchor,
            format!("missing field `{field}` in {what}"),
            format!("`{field}` is required"),
        );
    }
    found
}

/// The closest name to `word` among `candidates`, when close enough to be a likely typo.
pub fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    crate::diag::suggest::closest(word, candidates.iter().copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(suggest("timezon", &["name", "timezone"]), Some("timezone"));
        assert_eq!(suggest("grphLimit", &["graphLimit", "namespaces"]), Some("graphLimit"));
        assert_eq!(suggest("zzz", &["name", "timezone"]), None);
    }
}
