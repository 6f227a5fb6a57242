//! Maps the text of a YAML scalar back to file byte offsets, for every scalar style.
//!
//! saphyr gives the unescaped, folded value and the span of the raw scalar; positions inside an
//! expression are recovered by re-reading the raw text with the style's folding rules. The
//! result is checked against saphyr's value, and when they disagree (an exotic construct this
//! reader does not model) every byte maps to the scalar's start, which is coarse but never wrong
//! about the file and line.

use super::model::ExprSource;
use super::yaml::{Kind, Node, Style};
use crate::diag::FileId;

/// The expression text of a scalar node with its offset map, or `None` for a non-scalar.
pub fn expr_source(file: FileId, text: &str, node: &Node) -> Option<ExprSource> {
    let Kind::Scalar { value, style } = &node.kind else { return None };
    let span = node.span.start.min(text.len())..node.span.end.min(text.len());
    // Node spans stop at the last non-blank character; block content may end in spaces.
    let raw_end = match style {
        Style::Literal | Style::Folded => block_end(text, span.end),
        _ => span.end,
    };
    let raw = text.get(span.start..raw_end).unwrap_or("");
    let mut out = Out::default();
    match style {
        Style::Plain => flow(raw, span.start, Quote::None, &mut out),
        Style::SingleQuoted => flow(raw, span.start, Quote::Single, &mut out),
        Style::DoubleQuoted => flow(raw, span.start, Quote::Double, &mut out),
        Style::Literal | Style::Folded => {
            // Re-read from the start of the span's line so that every line is stripped alike.
            // saphyr's span starts at the first content character: step back over the line's
            // indentation and over the blank lines between the header and it (they are content).
            let mut line_start = text.get(..span.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
            while line_start > 0 {
                let prev = text[..line_start - 1].rfind('\n').map_or(0, |i| i + 1);
                if !text[prev..line_start - 1].trim().is_empty() {
                    break;
                }
                line_start = prev;
            }
            let whole = text.get(line_start..raw_end).unwrap_or("");
            let (from, whole) =
                if whole.len() >= raw.len() && whole[..span.start - line_start].trim().is_empty() {
                    (line_start, whole)
                } else {
                    (span.start, raw)
                };
            block(whole, from, *style == Style::Folded, &mut out);
        }
    }
    if matches!(style, Style::Literal | Style::Folded) {
        chomp(value, span.end, &mut out);
    }
    // Whitespace-only lines after the block belong to it only when its chomping keeps them.
    if out.text.len() > value.len() && out.text.starts_with(value.as_str()) {
        out.text.truncate(value.len());
        out.offsets.truncate(value.len());
    }
    if out.text != *value {
        out.text = value.clone();
        out.offsets = vec![span.start; value.len()];
    }
    let past = out.offsets.last().map_or(span.start, |&o| next_char_end(text, o));
    out.offsets.push(past);
    Some(ExprSource { text: out.text, file, offsets: out.offsets })
}

/// The end of a block scalar's raw text: its last line, plus the blank lines that follow it.
fn block_end(text: &str, from: usize) -> usize {
    let mut end = text.get(from..).and_then(|t| t.find('\n')).map_or(text.len(), |i| from + i);
    while end < text.len() {
        let next = text[end + 1..].find('\n').map_or(text.len(), |i| end + 1 + i);
        if !text[end + 1..next].trim().is_empty() {
            break;
        }
        end = next;
    }
    end
}

#[derive(Default)]
struct Out {
    text: String,
    offsets: Vec<usize>,
}

impl Out {
    /// Appends `s`, every byte of it placed at file offsets starting from `at`.
    fn copy(&mut self, s: &str, at: usize) {
        self.text.push_str(s);
        self.offsets.extend(at..at + s.len());
    }

    /// Appends a character produced by an escape or a fold: all its bytes point at `at`.
    fn put(&mut self, c: char, at: usize) {
        self.text.push(c);
        self.offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
    }
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..).and_then(|s| s.chars().next()).map_or(at, |c| at + c.len_utf8())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quote {
    None,
    Single,
    Double,
}

/// Plain and quoted scalars: line breaks fold to a space (n empty lines give n newlines),
/// whitespace around breaks is dropped, quotes and escapes are decoded.
fn flow(raw: &str, base: usize, quote: Quote, out: &mut Out) {
    let (body, base) = match quote {
        Quote::None => (raw, base),
        _ => (raw.get(1..raw.len().saturating_sub(1)).unwrap_or(""), base + 1),
    };
    let lines: Vec<(usize, &str)> = line_starts(body).map(|(i, l)| (base + i, l)).collect();
    let last = lines.len().saturating_sub(1);
    let mut empty_run = 0;
    let mut pending_fold: Option<usize> = None;
    let mut escaped_break = false;
    for (n, &(at, line)) in lines.iter().enumerate() {
        let mut start = 0;
        if n > 0 {
            start = line.len() - line.trim_start_matches([' ', '\t']).len();
        }
        let mut end = line.len();
        if n < last {
            end = line.trim_end_matches([' ', '\t', '\r']).len().max(start);
        }
        let content = &line[start..end];
        if n > 0 && content.is_empty() && n < last {
            empty_run += 1;
            continue;
        }
        if let Some(fold_at) = pending_fold.take() {
            if empty_run == 0 && !escaped_break {
                out.put(' ', fold_at);
            }
            for _ in 0..empty_run {
                out.put('\n', fold_at);
            }
        }
        empty_run = 0;
        escaped_break = false;
        let content = if quote == Quote::Double && n < last && ends_with_escape(content) {
            escaped_break = true;
            &content[..content.len() - 1]
        } else {
            content
        };
        match quote {
            Quote::Double => unescape(content, at + start, out),
            Quote::Single => unquote(content, at + start, out),
            Quote::None => out.copy(content, at + start),
        }
        pending_fold = Some(at + end);
    }
}

/// True when the line ends with an odd number of backslashes (an escaped line break).
fn ends_with_escape(s: &str) -> bool {
    (s.len() - s.trim_end_matches('\\').len()) % 2 == 1
}

/// Lines of `s` with their byte offsets, without the line breaks.
fn line_starts(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut at = 0;
    s.split('\n').map(move |l| {
        let start = at;
        at += l.len() + 1;
        (start, l)
    })
}

fn unquote(s: &str, at: usize, out: &mut Out) {
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with("''") {
            out.put('\'', at + i);
            i += 2;
        } else {
            let c = s[i..].chars().next().unwrap_or('\0');
            out.copy(&s[i..i + c.len_utf8()], at + i);
            i += c.len_utf8();
        }
    }
}

fn unescape(s: &str, at: usize, out: &mut Out) {
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.copy(&s[i..i + c.len_utf8()], at + i);
            continue;
        }
        let Some((_, e)) = chars.next() else { return };
        let hex = |n: usize, chars: &mut std::iter::Peekable<std::str::CharIndices>| {
            let digits: String = (0..n).filter_map(|_| chars.next().map(|(_, d)| d)).collect();
            u32::from_str_radix(&digits, 16).ok().and_then(char::from_u32).unwrap_or('\u{fffd}')
        };
        let decoded = match e {
            '0' => '\0',
            'a' => '\u{7}',
            'b' => '\u{8}',
            't' | '\t' => '\t',
            'n' => '\n',
            'v' => '\u{b}',
            'f' => '\u{c}',
            'r' => '\r',
            'e' => '\u{1b}',
            'N' => '\u{85}',
            '_' => '\u{a0}',
            'L' => '\u{2028}',
            'P' => '\u{2029}',
            'x' => hex(2, &mut chars),
            'u' => hex(4, &mut chars),
            'U' => hex(8, &mut chars),
            other => other,
        };
        out.put(decoded, at + i);
    }
}

/// Block scalars (`|`, `>`): indentation stripped; `>` folds breaks between plain text lines.
/// The block's indentation is that of its first non-blank line (YAML's auto-detection).
fn block(raw: &str, base: usize, folded: bool, out: &mut Out) {
    let lines: Vec<(usize, &str)> = line_starts(raw).map(|(i, l)| (base + i, l)).collect();
    let leading = |l: &str| l.len() - l.trim_start_matches(' ').len();
    let indent = lines.iter().find(|(_, l)| !l.trim().is_empty()).map_or(0, |(_, l)| leading(l));
    let mut prev_more_indented = false;
    let mut empty_run = 0;
    let mut pending: Option<usize> = None;
    for &(at, line) in &lines {
        let strip = indent.min(leading(line));
        let content = line[strip..].trim_end_matches('\r');
        if content.is_empty() {
            match pending {
                Some(_) => empty_run += 1,
                // Blank lines before the first content line are kept as line breaks.
                None => out.put('\n', at + strip),
            }
            continue;
        }
        let more_indented = content.starts_with([' ', '\t']);
        if let Some(break_at) = pending.take() {
            if folded && !more_indented && !prev_more_indented {
                if empty_run == 0 {
                    out.put(' ', break_at);
                }
            } else {
                out.put('\n', break_at);
            }
            for _ in 0..empty_run {
                out.put('\n', break_at);
            }
        }
        empty_run = 0;
        prev_more_indented = more_indented;
        out.copy(content, at + strip);
        pending = Some(at + strip + content.len());
    }
}

/// Applies the block's chomping: saphyr's value says how many trailing newlines it kept.
fn chomp(value: &str, end: usize, out: &mut Out) {
    let want = value.len() - value.trim_end_matches('\n').len();
    let have = out.text.len() - out.text.trim_end_matches('\n').len();
    let at = out.offsets.last().map_or(end, |&o| o + 1);
    for _ in have..want {
        out.put('\n', at);
    }
}

#[cfg(test)]
#[path = "scalar_tests.rs"]
mod tests;
