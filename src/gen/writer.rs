//! Batch files of one dataset, written through buffers, with the bad lines and duplicates a real feed has.

use super::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Lines written, per batch file and in total, for the summary and the README.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetStats {
    pub name: &'static str,
    /// Folder relative to the project root.
    pub path: String,
    /// (file name, lines in the file including a CSV header).
    pub files: Vec<(String, u64)>,
    /// Good records (each duplicate counted once).
    pub records: u64,
    /// Lines that mosaic must reject.
    pub bad: u64,
    /// Records written a second time with the same `_id`.
    pub duplicates: u64,
}

struct BatchFile {
    name: String,
    out: BufWriter<File>,
    lines: u64,
    good: u64,
}

/// One bad line after every `BAD_EVERY` good lines of a file (about 0.1%), the first after
/// `BAD_FIRST`, so that small projects have some too.
const BAD_EVERY: u64 = 1000;
const BAD_FIRST: u64 = 100;
/// One duplicate after every `DUP_EVERY` good lines of an event file: about 0.2%.
const DUP_EVERY: u64 = 500;

/// The open batch files of one dataset.
pub struct DatasetWriter {
    stats: DatasetStats,
    dir: PathBuf,
    files: Vec<BatchFile>,
    bad_lines: &'static [&'static str],
    duplicates: bool,
}

impl DatasetWriter {
    /// Creates `root/path/<name>` for every name (and writes `header` first when given).
    /// `bad_lines` are cycled through; `duplicates` re-emits some lines (event datasets).
    pub fn create(
        root: &Path,
        name: &'static str,
        path: &str,
        files: &[(String, Option<&str>)],
        bad_lines: &'static [&'static str],
        duplicates: bool,
    ) -> Result<DatasetWriter, Error> {
        let dir = root.join(path);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut open = Vec::with_capacity(files.len());
        for (file, header) in files {
            let p = dir.join(file);
            let f = File::create(&p).map_err(|e| Error::io(&p, e))?;
            let mut batch = BatchFile {
                name: file.clone(),
                out: BufWriter::with_capacity(1 << 16, f),
                lines: 0,
                good: 0,
            };
            if let Some(h) = header {
                writeln!(batch.out, "{h}").map_err(|e| Error::io(&p, e))?;
                batch.lines += 1;
            }
            open.push(batch);
        }
        let stats = DatasetStats {
            name,
            path: path.to_string(),
            files: Vec::new(),
            records: 0,
            bad: 0,
            duplicates: 0,
        };
        Ok(DatasetWriter { stats, dir, files: open, bad_lines, duplicates })
    }

    /// Writes one good record line to file `file` (clamped to the last file).
    pub fn write(&mut self, file: usize, line: &str) -> Result<(), Error> {
        let last = self.files.len().saturating_sub(1);
        let Some(batch) = self.files.get_mut(file.min(last)) else {
            return Ok(());
        };
        let io = |e| Error::io(&self.dir.join(&batch.name), e);
        writeln!(batch.out, "{line}").map_err(io)?;
        batch.lines += 1;
        batch.good += 1;
        self.stats.records += 1;
        if self.duplicates && batch.good % DUP_EVERY == 0 {
            // A re-sent event: same `_id`, same content, so the order of ingestion cannot matter.
            writeln!(batch.out, "{line}").map_err(|e| Error::io(&self.dir.join(&batch.name), e))?;
            batch.lines += 1;
            self.stats.duplicates += 1;
        }
        if !self.bad_lines.is_empty() && batch.good % BAD_EVERY == BAD_FIRST {
            let bad = self.bad_lines[(self.stats.bad as usize) % self.bad_lines.len()];
            writeln!(batch.out, "{bad}").map_err(|e| Error::io(&self.dir.join(&batch.name), e))?;
            batch.lines += 1;
            self.stats.bad += 1;
        }
        Ok(())
    }

    /// Flushes every file and returns the counts.
    pub fn finish(mut self) -> Result<DatasetStats, Error> {
        for mut batch in self.files {
            batch.out.flush().map_err(|e| Error::io(&self.dir.join(&batch.name), e))?;
            self.stats.files.push((batch.name, batch.lines));
        }
        Ok(self.stats)
    }
}

/// Appends `s` to `buf` as a JSON string literal.
pub fn push_json_str(buf: &mut String, s: &str) {
    buf.push('"');
    for c in s.chars() {
        match c {
            '"' => buf.push_str("\\\""),
            '\\' => buf.push_str("\\\\"),
            '\n' => buf.push_str("\\n"),
            c if (c as u32) < 0x20 => buf.push_str(&format!("\\u{:04x}", c as u32)),
            c => buf.push(c),
        }
    }
    buf.push('"');
}

/// RFC 3339 in UTC for seconds since the epoch (e.g. `2026-10-01T12:00:00Z`).
pub fn rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map(|t| t.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut b = String::new();
        push_json_str(&mut b, "a\"b\\c\nd\u{1}é");
        assert_eq!(b, r#""a\"b\\c\nd\u0001é""#);
        let back: String = serde_json::from_str(&b).unwrap_or_default();
        assert_eq!(back, "a\"b\\c\nd\u{1}é");
    }

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(super::super::REFERENCE_SECS), "2026-11-01T00:00:00Z");
    }
}
