//! Diagnostics: one `Diagnostic` type with a stable code, labels pointing into source files, rendering.
//!
//! Every stage that reports problems to the user (policy loading, PQL parsing, checking) produces
//! `Diagnostic`s. Positions are byte ranges into a file registered in [`Files`]; expression spans
//! are mapped to file ranges by the policy loader's [`crate::policy::ExprSource`] before they get
//! here, so a diagnostic always points at the real line and column inside the YAML file.

pub mod codes;
mod render;
pub mod suggest;

pub use codes::Code;
pub use render::{render_human, render_json};

use std::ops::Range;

/// Index of a file in [`Files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// The source files diagnostics can point into (policy files, the built-in standard library).
#[derive(Debug, Default, Clone)]
pub struct Files {
    files: Vec<SourceFile>,
}

/// One source file: the name shown to the user (a path relative to the project) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl Files {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let text = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        self.files.push(SourceFile { name: name.into(), text, line_starts });
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// FNV-1a over every file's name and text and mosaic's version: equal for the same policy
    /// files read by the same mosaic, stable across runs and platforms.
    pub fn fingerprint(&self) -> String {
        let mut h = crate::fnv::Fnv::default();
        h.piece(env!("CARGO_PKG_VERSION"));
        for f in &self.files {
            h.piece(&f.name);
            h.piece(&f.text);
        }
        h.hex()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i as u32), f))
    }
}

impl SourceFile {
    /// 1-based line and 1-based column (in characters, not bytes) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)].chars().count();
        (line + 1, col + 1)
    }

    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// A place in a source file with a short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: FileId,
    pub range: Range<usize>,
    pub message: String,
}

impl Label {
    pub fn new(file: FileId, range: Range<usize>, message: impl Into<String>) -> Self {
        Self { file, range, message: message.into() }
    }
}

/// A problem found in the policies: stable code, short lowercase message, where, and how to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    /// Where the problem is. `None` only for problems with no place (e.g. a missing file).
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    /// Notes, e.g. `help: did you mean ...`; each is rendered as `= note`.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), primary: None, secondary: Vec::new(), notes: Vec::new() }
    }

    /// Sets the primary label.
    pub fn at(mut self, file: FileId, range: Range<usize>, label: impl Into<String>) -> Self {
        self.primary = Some(Label::new(file, range, label));
        self
    }

    pub fn with_secondary(mut self, file: FileId, range: Range<usize>, label: impl Into<String>) -> Self {
        self.secondary.push(Label::new(file, range, label));
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Sorts diagnostics into a stable order: by file, then position, then code.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.primary.as_ref().map(|l| (l.file, l.range.start, l.range.end));
        key(a).cmp(&key(b)).then_with(|| a.code.cmp(&b.code)).then_with(|| a.message.cmp(&b.message))
    });
}
