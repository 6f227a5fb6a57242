//! YAML (and JSON) documents as a tree of nodes with file byte spans, built from saphyr events.

use crate::diag::{Code, Diagnostic, FileId};
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::ops::Range;

/// A YAML node with the byte range it covers in its file.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Range<usize>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Keys and values in file order (duplicates are reported and dropped while building).
    Mapping(Vec<(Node, Node)>),
    Sequence(Vec<Node>),
    Scalar {
        value: String,
        style: Style,
    },
}

/// How a scalar was written; decides how its text maps back to the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl Node {
    pub fn as_mapping(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            Kind::Mapping(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// The value under `key` of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_mapping()?.iter().find(|(k, _)| k.as_str() == Some(key)).map(|(_, v)| v)
    }

    /// A plain scalar that YAML reads as null (`~`, `null`, empty).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar { value, style: Style::Plain } if matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// What the node is, for "expected X, found Y" messages.
    pub fn describe(&self) -> &'static str {
        match &self.kind {
            Kind::Mapping(_) => "a mapping",
            Kind::Sequence(_) => "a list",
            Kind::Scalar { .. } if self.is_null() => "null",
            Kind::Scalar { value, style: Style::Plain } if value.parse::<f64>().is_ok() => "a number",
            Kind::Scalar { value, style: Style::Plain } if matches!(value.as_str(), "true" | "false") => {
                "a boolean"
            }
            Kind::Scalar { .. } => "a string",
        }
    }
}

/// Converts saphyr's character indices into byte offsets of the text.
struct CharIndex<'a> {
    text: &'a str,
    /// Byte offset of every character, plus the text length at the end (empty for ASCII text).
    bytes: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i).chain(std::iter::once(text.len())).collect()
        };
        Self { text, bytes }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.bytes.is_empty() {
            char_index.min(self.text.len())
        } else {
            self.bytes.get(char_index).copied().unwrap_or(self.text.len())
        }
    }

    fn range(&self, span: &Span) -> Range<usize> {
        self.byte(span.start.index())..self.byte(span.end.index())
    }
}

/// Parses every document of a YAML or JSON file. Syntax errors (E0001) and duplicate keys (E0012)
/// become diagnostics; the documents read before a syntax error are still returned.
pub fn parse(file: FileId, text: &str) -> (Vec<Node>, Vec<Diagnostic>) {
    let index = CharIndex::new(text);
    let mut builder = Builder { file, index: &index, stack: Vec::new(), docs: Vec::new(), diags: Vec::new() };
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, span)) => builder.event(event, &span),
            Err(e) => {
                let mut at = index.byte(e.marker().index());
                let mut label = "the YAML parser stopped here";
                // A tab is reported where the scalar or block it breaks starts: point at the tab.
                if e.info().contains("tab") {
                    if let Some(tab) = text[at..].find('\t') {
                        at += tab;
                        label = "a tab: YAML indents with spaces only";
                    }
                }
                let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                builder.diags.push(
                    Diagnostic::new(Code::YamlSyntax, format!("yaml syntax error: {}", e.info())).at(
                        file,
                        at..end,
                        label,
                    ),
                );
                break;
            }
        }
    }
    (builder.docs, builder.diags)
}

/// A node being built: a mapping or sequence whose end has not been seen yet.
enum Open {
    Mapping { start: usize, entries: Vec<(Node, Node)>, key: Option<Node> },
    Sequence { start: usize, items: Vec<Node> },
}

struct Builder<'a> {
    file: FileId,
    index: &'a CharIndex<'a>,
    stack: Vec<Open>,
    docs: Vec<Node>,
    diags: Vec<Diagnostic>,
}

impl Builder<'_> {
    fn event(&mut self, event: Event<'_>, span: &Span) {
        let range = self.index.range(span);
        match event {
            Event::Scalar(value, style, _, _) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    ScalarStyle::SingleQuoted => Style::SingleQuoted,
                    ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
                    ScalarStyle::Literal => Style::Literal,
                    ScalarStyle::Folded => Style::Folded,
                };
                let range = self.scalar_range(range, style);
                self.push(Node { span: range, kind: Kind::Scalar { value: value.into_owned(), style } });
            }
            Event::MappingStart(..) => {
                self.stack.push(Open::Mapping { start: range.start, entries: Vec::new(), key: None })
            }
            Event::SequenceStart(..) => {
                self.stack.push(Open::Sequence { start: range.start, items: Vec::new() })
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(open) = self.stack.pop() else { return };
                // Flow collections end at their closing bracket; block ones at their last child.
                let closing = (range.end > range.start).then_some(range.end);
                let node = match open {
                    Open::Mapping { start, entries, .. } => {
                        let end = closing.or(entries.last().map(|(_, v)| v.span.end)).unwrap_or(start);
                        Node { span: start..end.max(start), kind: Kind::Mapping(entries) }
                    }
                    Open::Sequence { start, items } => {
                        let end = closing.or(items.last().map(|v| v.span.end)).unwrap_or(start);
                        Node { span: start..end.max(start), kind: Kind::Sequence(items) }
                    }
                };
                self.push(node);
            }
            // Aliases are not resolved: policy files have no use for them, and a null keeps shapes simple.
            Event::Alias(_) => self
                .push(Node { span: range, kind: Kind::Scalar { value: String::new(), style: Style::Plain } }),
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => {}
        }
    }

    /// Trims a scalar span to its content: saphyr may include trailing line breaks for blocks.
    fn scalar_range(&self, range: Range<usize>, style: Style) -> Range<usize> {
        let text = self.index.text;
        let mut end = range.end.min(text.len());
        if matches!(style, Style::Literal | Style::Folded | Style::Plain) {
            while end > range.start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r' | b' ' | b'\t') {
                end -= 1;
            }
        }
        range.start..end
    }

    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    let dup = entries
                        .iter()
                        .find(|(prev, _)| prev.as_str().is_some() && prev.as_str() == k.as_str());
                    if let Some((prev, _)) = dup {
                        let name = k.as_str().unwrap_or_default();
                        self.diags.push(
                            Diagnostic::new(Code::DuplicateKey, format!("duplicate key `{name}`"))
                                .at(self.file, k.span.clone(), "repeated here")
                                .with_secondary(self.file, prev.span.clone(), "first defined here"),
                        );
                    } else {
                        entries.push((k, node));
                    }
                }
            },
        }
    }
}

#[cfg(test)]
#[path = "yaml_tests.rs"]
mod tests;
