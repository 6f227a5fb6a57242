//! The binary form of a stored batch.
//!
//! A run reads every stored batch back, so their encoding is on the hot path: integers are
//! LEB128 varints, namespaces are written once per batch and referred to by index, and record
//! bodies and event field values are a tagged binary form of JSON (no printing and re-parsing
//! of text; events hold just the values at the paths rules read, see `ingest::Keep`). A version
//! byte leads, so a store written by another layout is refused with a clear message rather
//! than misread.

use super::wire::{deref_to, Corrupt, In, Out};
use super::PackedJson;
use crate::ingest::{Batch, Event, Ident, Reason, Record, Rejection, Text};

/// Layout version; bump on any change below. It is part of every batch's fingerprint
/// (`runtime::batches`), so a run re-reads the files of batches stored in another layout.
pub const VERSION: u8 = 3;

/// Why bytes are not a batch.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("stored batch layout {0} is not this version's ({VERSION})")]
    Version(u8),
    #[error("stored batch is truncated or corrupt")]
    Corrupt,
}

/// Deepest nesting a stored value may have: far beyond serde_json's limit of 128 for the lines
/// values come from.
const MAX_DEPTH: u32 = 1024;

impl From<Corrupt> for Error {
    fn from(_: Corrupt) -> Error {
        Error::Corrupt
    }
}

/// Encodes `batch`.
pub fn encode(batch: &Batch) -> Vec<u8> {
    let mut w = Writer { w: Out::with_capacity(size_bound(batch)), namespaces: Vec::new() };
    w.out.push(VERSION);
    for ident in batch
        .records
        .iter()
        .flat_map(|r| &r.identities)
        .chain(batch.events.iter().flat_map(|e| &e.identities))
    {
        if !w.namespaces.contains(&ident.namespace) {
            w.namespaces.push(ident.namespace);
        }
    }
    let n = w.namespaces.len() as u64;
    w.uint(n);
    for ns in w.namespaces.clone() {
        w.str(&ns);
    }
    w.str(&batch.id);
    w.str(&batch.dataset);
    w.uint(batch.dropped_identities);
    match &batch.paths {
        Some(paths) => {
            w.uint(paths.len() as u64 + 1);
            for p in paths {
                w.uint(p.len() as u64);
                p.iter().for_each(|k| w.str(k));
            }
        }
        None => w.uint(0),
    }
    w.uint(batch.records.len() as u64);
    for r in &batch.records {
        w.uint(u64::from(r.line));
        w.opt_int(r.time);
        w.identities(&r.identities, r.primary);
        // Packed bodies are in the form `json` writes.
        w.out.extend_from_slice(r.body.bytes());
    }
    w.uint(batch.events.len() as u64);
    for e in &batch.events {
        w.uint(u64::from(e.line));
        w.int(e.time);
        w.opt_str(e.id.as_deref());
        w.identities(&e.identities, e.primary);
        w.json(&e.body);
        w.uint(e.fields.len() as u64);
        e.fields.iter().for_each(|f| w.json(f));
        match e.offset {
            Some(o) => w.uint(o + 1),
            None => w.uint(0),
        }
    }
    w.uint(batch.rejections.len() as u64);
    for r in &batch.rejections {
        w.uint(u64::from(r.line));
        w.uint(Reason::ALL.iter().position(|x| *x == r.reason).unwrap_or(0) as u64);
        w.str(&r.detail);
        w.str(&r.raw);
    }
    w.w.out
}

/// At least the size of `batch` encoded (a varint takes at most 10 bytes), so the buffer is
/// allocated once: a batch is megabytes, and growing it by doubling touched fresh memory twice.
fn size_bound(batch: &Batch) -> usize {
    // Counting each identity's namespace covers the namespace table too.
    let ids = |ids: &[Ident]| 10 + ids.iter().map(|i| 20 + i.id.len() + i.namespace.len()).sum::<usize>();
    let text = |s: &str| 10 + s.len();
    let header = 128
        + text(&batch.id)
        + text(&batch.dataset)
        + batch.paths.iter().flatten().flatten().map(|k| text(k) + 10).sum::<usize>();
    let records: usize = batch.records.iter().map(|r| 32 + ids(&r.identities) + r.body.bytes().len()).sum();
    let events: usize = batch
        .events
        .iter()
        .map(|e| {
            let fields: usize = e.fields.iter().map(json_bound).sum();
            64 + e.id.as_deref().map_or(0, text) + ids(&e.identities) + json_bound(&e.body) + fields
        })
        .sum();
    let rejections: usize = batch.rejections.iter().map(|r| 32 + text(&r.detail) + text(&r.raw)).sum();
    header + records + events + rejections
}

/// At least the size of `v` in the form `Out::json` writes.
fn json_bound(v: &serde_json::Value) -> usize {
    use serde_json::Value as J;
    match v {
        J::Null | J::Bool(_) => 1,
        J::Number(_) => 11,
        J::String(s) => 11 + s.len(),
        J::Array(items) => 11 + items.iter().map(json_bound).sum::<usize>(),
        J::Object(members) => 11 + members.iter().map(|(k, v)| 10 + k.len() + json_bound(v)).sum::<usize>(),
    }
}

/// Decodes what [`encode`] wrote, its identity strings (namespaces and values) interned as
/// ingest interns them.
pub fn decode(bytes: &[u8]) -> Result<Batch, Error> {
    let (&version, rest) = bytes.split_first().ok_or(Error::Corrupt)?;
    if version != VERSION {
        return Err(Error::Version(version));
    }
    let mut r = Reader { r: In { bytes: rest }, namespaces: Vec::new(), values: Vec::new() };
    let n = r.len()?;
    for _ in 0..n {
        let ns = Text::new(r.str()?);
        r.namespaces.push(ns);
    }
    let mut batch = Batch { id: r.str()?.to_string(), dataset: r.str()?.to_string(), ..Batch::default() };
    batch.dropped_identities = r.uint()?;
    if let Some(n) = r.uint()?.checked_sub(1) {
        let mut paths = Vec::new();
        for _ in 0..n {
            let keys = r.len()?;
            paths.push((0..keys).map(|_| r.str().map(str::to_string)).collect::<Result<Vec<_>, _>>()?);
        }
        batch.paths = Some(paths);
    }
    let n = r.len()?;
    batch.records.reserve(n);
    for _ in 0..n {
        let line = r.u32()?;
        let time = r.opt_int()?;
        let (identities, primary) = r.identities()?;
        let body = PackedJson::read(&mut r.r)?;
        batch.records.push(Record { line, time, identities, primary, body });
    }
    let n = r.len()?;
    batch.events.reserve(n);
    for _ in 0..n {
        let line = r.u32()?;
        let time = r.int()?;
        let id = r.opt_str()?.map(str::to_string);
        let (identities, primary) = r.identities()?;
        let body = r.json()?;
        let n = r.len()?;
        let fields = (0..n).map(|_| r.json()).collect::<Result<Vec<_>, _>>()?;
        let offset = r.uint()?.checked_sub(1);
        batch.events.push(Event { line, id, time, identities, primary, body, fields, offset });
    }
    let n = r.len()?;
    for _ in 0..n {
        let line = r.u32()?;
        let reason = *Reason::ALL.get(r.index()?).ok_or(Error::Corrupt)?;
        let detail = r.str()?.to_string();
        let raw = r.str()?.to_string();
        batch.rejections.push(Rejection { line, reason, detail, raw });
    }
    if !r.bytes.is_empty() {
        return Err(Error::Corrupt);
    }
    // The identity values, interned all at once (see `Reader::identities`), in the order read.
    let mut texts = Text::intern_all(&r.values).into_iter();
    let idents = batch.records.iter_mut().flat_map(|r| &mut r.identities);
    for ident in idents.chain(batch.events.iter_mut().flat_map(|e| &mut e.identities)) {
        ident.id = texts.next().ok_or(Error::Corrupt)?;
    }
    Ok(batch)
}

struct Writer {
    w: Out,
    namespaces: Vec<Text>,
}
deref_to!(Writer, w, Out);

impl Writer {
    fn identities(&mut self, ids: &[Ident], primary: u32) {
        self.uint(ids.len() as u64);
        for i in ids {
            let ns = self.namespaces.iter().position(|n| *n == i.namespace).unwrap_or(0);
            self.uint(ns as u64);
            self.str(&i.id);
        }
        self.uint(u64::from(primary));
    }
}

struct Reader<'b> {
    r: In<'b>,
    namespaces: Vec<Text>,
    /// The identity values read so far, in order, to be interned together once the whole
    /// batch is read (`Text::intern_all`, many times faster than one at a time).
    values: Vec<&'b str>,
}
deref_to!(lifetime 'b; Reader<'b>, r, In<'b>);

impl<'b> Reader<'b> {
    /// A value written by `Out::json`.
    fn json(&mut self) -> Result<serde_json::Value, Error> {
        Ok(self.r.json(MAX_DEPTH)?)
    }

    /// A row's identities, their values not interned yet: each holds its namespace in place of
    /// its value until [`decode`] interns the values of the whole batch (see `values`).
    fn identities(&mut self) -> Result<(Vec<Ident>, u32), Error> {
        let n = self.len()?;
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let ns = self.index()?;
            let namespace = *self.namespaces.get(ns).ok_or(Error::Corrupt)?;
            self.values.push(self.r.str()?);
            ids.push(Ident { namespace, id: namespace });
        }
        Ok((ids, self.u32()?))
    }
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;
