//! JSON files that hold one array of records (`[{…}, {…}]`, often pretty-printed), as many
//! tools export: read as a batch whose records are the array's elements.
//!
//! Read line by line, such a file would reject every line. Instead each element is cut out of
//! the array by its brackets and parsed alone, numbered by the line it starts on, so a bad
//! element is one rejection at its place and the others are read. A file is read this way when
//! its first character (after a byte order mark and blanks) is `[` and the array is closed with
//! nothing but blanks after it; anything else (a JSONL file whose first line is an array, a file
//! cut short) is read as JSON Lines, where every line is read or rejected on its own. Such a
//! file is read whole into memory: large data belongs in JSON Lines.

/// One element of the array: its text, and the line and column (1-based) it starts at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    pub line: u32,
    pub column: u32,
    pub text: &'a [u8],
    /// Why the text is no element even before it is parsed: it is empty (`[1,,2]`, `[1,]`).
    pub broken: Option<&'static str>,
}

/// The elements of `bytes` (a whole file, without its byte order mark) when it is one JSON
/// array with nothing but blanks after it; `None` otherwise.
fn elements(bytes: &[u8]) -> Option<Vec<Element<'_>>> {
    let mut s = Scanner { bytes, at: 0, line: 1, counted: 0, chars: 0 };
    s.blanks();
    if s.peek() != Some(b'[') {
        return None;
    }
    s.at += 1;
    let mut out = Vec::new();
    loop {
        s.blanks();
        let (line, column, start) = (s.line, s.column(), s.at);
        let (end, text_end) = s.element_end();
        let text = trim_end(&bytes[start..text_end]);
        let element = |broken| Element { line, column, text, broken };
        match end {
            End::Comma if text.is_empty() => out.push(element(Some("empty element"))),
            // `[]`: no element.
            End::Close if text.is_empty() && out.is_empty() => {}
            End::Close if text.is_empty() => out.push(element(Some("comma before the array's `]`"))),
            End::Comma | End::Close => out.push(element(None)),
            // Never closed: a file cut short, or JSON Lines whose first line opens an array and
            // is broken. Read as lines, where no line is taken into another's rejection.
            End::Eof => return None,
        }
        if end == End::Close {
            s.blanks();
            // Something after the array: not an array file (JSON Lines starting with an array).
            return (s.at == bytes.len()).then_some(out);
        }
    }
}

/// How an element ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// At a `,` of the array (consumed).
    Comma,
    /// At the array's `]` (consumed).
    Close,
    /// At the end of the file.
    Eof,
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
    line: u32,
    /// The current line has `chars` characters before byte `counted`: columns are counted on
    /// from there, so a minified array (one long line) is not counted over and over.
    counted: usize,
    chars: u32,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn column(&mut self) -> u32 {
        // Columns count characters, as serde_json's do: continuation bytes are no character.
        let new = self.bytes[self.counted..self.at].iter().filter(|&&b| b & 0xC0 != 0x80).count();
        self.chars += new as u32;
        self.counted = self.at;
        self.chars + 1
    }

    fn newline(&mut self) {
        self.line += 1;
        (self.counted, self.chars) = (self.at + 1, 0);
    }

    fn blanks(&mut self) {
        while let Some(b) = self.peek().filter(u8::is_ascii_whitespace) {
            if b == b'\n' {
                self.newline();
            }
            self.at += 1;
        }
    }

    /// Moves past one element: past the `,` or `]` that ends it at depth zero outside
    /// strings, or to the end of the file; returns how it ended and where its text ends. The
    /// element need not be valid JSON: its parse says what is wrong with it.
    fn element_end(&mut self) -> (End, usize) {
        let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
        while let Some(b) = self.peek() {
            if b == b'\n' {
                self.newline();
            }
            self.at += 1;
            if in_string {
                match b {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b',' if depth == 0 => return (End::Comma, self.at - 1),
                b']' if depth == 0 => return (End::Close, self.at - 1),
                b'}' | b']' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        (End::Eof, self.at)
    }
}

fn trim_end(text: &[u8]) -> &[u8] {
    let n = text.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(0, |i| i + 1);
    &text[..n]
}

/// The first character of the file at `path` after a byte order mark and blanks (`None` for a
/// blank file): whether it may be an array file is decided on it before the file is read whole.
fn first_char(path: &std::path::Path) -> std::io::Result<Option<u8>> {
    use std::io::Read;
    let mut reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut start = Vec::with_capacity(super::BOM.len());
    (&mut reader).take(super::BOM.len() as u64).read_to_end(&mut start)?;
    if start == super::BOM {
        start.clear();
    }
    for b in start.into_iter().map(Ok).chain(reader.bytes()) {
        let b = b?;
        if !b.is_ascii_whitespace() {
            return Ok(Some(b));
        }
    }
    Ok(None)
}

/// `f` of the elements of the file at `path` when it is an array file (read whole, without its
/// byte order mark); `None` when it is not, and is read as JSON Lines. Ingest and the type
/// sampler both read array files through it.
pub fn with_elements<T>(
    path: &std::path::Path,
    f: impl FnOnce(&[Element<'_>]) -> T,
) -> std::io::Result<Option<T>> {
    if first_char(path)? != Some(b'[') {
        return Ok(None);
    }
    let bytes = std::fs::read(path)?;
    Ok(elements(bytes.strip_prefix(super::BOM).unwrap_or(&bytes)).map(|all| f(&all)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An element as (line, column, text, broken).
    type Shown<'a> = (u32, u32, &'a str, Option<&'static str>);

    fn split(text: &str) -> Option<Vec<Shown<'_>>> {
        let elements = elements(text.as_bytes())?;
        let shown =
            elements.iter().map(|e| (e.line, e.column, std::str::from_utf8(e.text).unwrap(), e.broken));
        Some(shown.collect())
    }

    #[test]
    fn elements_are_cut_at_their_brackets_with_their_places() {
        let text = "  [\n  {\"a\": [1, 2], \"s\": \"x,]}\\\"\"},\n  {\"b\": {\"c\": 1}}\n ,\"å\", 3 ]\n";
        assert_eq!(
            split(text),
            Some(vec![
                (2, 3, "{\"a\": [1, 2], \"s\": \"x,]}\\\"\"}", None),
                (3, 3, "{\"b\": {\"c\": 1}}", None),
                (4, 3, "\"å\"", None),
                // Columns count characters, as serde_json's do.
                (4, 8, "3", None),
            ])
        );
        assert_eq!(split("[]"), Some(vec![]));
        assert_eq!(split(" [ \n ] \n\n"), Some(vec![]));
    }

    #[test]
    fn a_broken_element_is_marked_and_the_others_kept() {
        assert_eq!(
            split("[{\"a\": 1},,{\"b\": 2},]"),
            Some(vec![
                (1, 2, "{\"a\": 1}", None),
                (1, 11, "", Some("empty element")),
                (1, 12, "{\"b\": 2}", None),
                (1, 21, "", Some("comma before the array's `]`")),
            ])
        );
        // Invalid JSON inside an element is left to its parse.
        assert_eq!(split("[{\"a\": }]"), Some(vec![(1, 2, "{\"a\": }", None)]));
    }

    #[test]
    fn only_a_file_that_is_one_array_is_an_array_file() {
        // JSON Lines whose first line is an array: read as lines.
        assert_eq!(split("[1, 2]\n{\"a\": 1}\n"), None);
        assert_eq!(split("{\"a\": 1}\n[1]\n"), None);
        assert_eq!(split(""), None);
        assert_eq!(split("[1] x"), None);
        // Never closed: a file cut short, or JSON Lines whose first line is broken.
        assert_eq!(split("[\n{\"a\": 1},\n{\"b\": [2,"), None);
        assert_eq!(split("[{\"a\": 1}\n{\"b\": 2}\n"), None);
    }

    #[test]
    fn the_first_character_skips_the_byte_order_mark_and_blanks() {
        let dir = std::env::temp_dir().join(format!("mosaic-array-first-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: [(&[u8], Option<u8>); 5] = [
            (b"\xEF\xBB\xBF \n [{}]", Some(b'[')),
            (b"\n\n{\"a\": 1}", Some(b'{')),
            (b"\xEF\xBB", Some(0xEF)),
            (b"  \n", None),
            (b"", None),
        ];
        for (i, (bytes, first)) in cases.into_iter().enumerate() {
            let path = dir.join(format!("{i}.json"));
            std::fs::write(&path, bytes).unwrap();
            assert_eq!(first_char(&path).unwrap(), first, "case {i}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
