//! The binary form of one stored identity component: its records, events and links.
//!
//! `mosaic run` stores the flattened data of every plain connected component of the identity
//! graph (see `runtime::components`), so `profile` and `explain` load one component instead of
//! every batch. The layout follows `codec.rs` (a version byte, LEB128 varints, zigzag times,
//! namespaces and identities once per blob), but values are not JSON text: a tagged binary
//! form that is cheaper to write and read (the run writes millions of them). A blob lists the
//! batches it refers to as indexes into the run's batch list (stored once, next to the
//! components' stamp: their ids as text made every blob ~15% larger), sorted, and
//! `batch` fields are local indexes into that list. The run's list is sorted by id, so local
//! indexes keep the run's batch order, and sequence numbers, which only order lines, are
//! rebuilt from the local index and the line (`ops::world` renumbers them over the batches of
//! all the components it loads).

use super::wire::{deref_to, Corrupt, In, Out};
use super::PackedJson;
use crate::ingest::{Ident, Text};
use crate::runtime::prepare::{seq_of, Ev, Link, Rec};
use rustc_hash::FxHashMap;

/// Layout version; bump on any change below (it is part of `runtime::components::stamp`, so
/// blobs of another layout are stale, not misread).
pub const VERSION: u8 = 5;

/// Why bytes are not a component.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("stored component layout {0} is not this version's ({VERSION})")]
    Version(u8),
    #[error("stored component is truncated or corrupt")]
    Corrupt,
}

impl From<Corrupt> for Error {
    fn from(_: Corrupt) -> Error {
        Error::Corrupt
    }
}

/// One component's data to encode, borrowed from the run's `Prepared`, in ingestion order,
/// each identity with a number (the run's `runtime::nodes` numbers; any numbering where equal
/// identities, and only they, share a number will do), so encoding hashes no strings. The run
/// groups all components' rows into one array each and hands out slices of it.
#[derive(Debug, Default, Clone, Copy)]
pub struct Part<'p> {
    /// Each record with its primary identity's number.
    pub records: &'p [(&'p Rec, u32)],
    pub events: &'p [(&'p Ev, u32)],
    /// Each link with the numbers of its two identities.
    pub links: &'p [(&'p Link, (u32, u32))],
}

/// One component decoded: `batch` fields index into `batches`.
#[derive(Debug, Default)]
pub struct Component {
    /// Ids of the batches the data comes from, sorted.
    pub batches: Vec<String>,
    pub records: Vec<Rec>,
    pub events: Vec<Ev>,
    pub links: Vec<Link>,
}

/// Encodes `part`, whose `Rec::batch` (and the like) index the run's batch list, appending to
/// `out` (so that many components share one buffer).
pub fn encode_onto<'p>(part: &Part<'p>, out: Vec<u8>) -> Vec<u8> {
    let mut used: Vec<u32> = part
        .records
        .iter()
        .map(|(r, _)| r.batch)
        .chain(part.events.iter().map(|(e, _)| e.batch))
        .chain(part.links.iter().map(|(l, _)| l.batch))
        .collect();
    used.sort_unstable();
    used.dedup();
    let mut w = Writer { w: Out { out }, idents: FxHashMap::default(), used };
    // The blob's namespaces, by text.
    let mut namespaces: Vec<&'p str> = Vec::new();
    w.out.push(VERSION);
    // The run's batch indexes, ascending, each as the gap from the one before.
    let n = w.used.len() as u64;
    w.uint(n);
    for i in 0..w.used.len() {
        let gap = w.used[i] - i.checked_sub(1).map_or(0, |j| w.used[j]);
        w.uint(u64::from(gap));
    }
    // Identities once per blob: a component has few, and each appears in many lines.
    let idents = part
        .records
        .iter()
        .map(|&(r, n)| (&r.primary, n))
        .chain(part.events.iter().map(|&(e, n)| (&e.primary, n)))
        .chain(part.links.iter().flat_map(|&(l, (a, b))| [(&l.a, a), (&l.b, b)]));
    let mut table: Vec<&'p Ident> = Vec::new();
    for (i, n) in idents {
        if let std::collections::hash_map::Entry::Vacant(slot) = w.idents.entry(n) {
            slot.insert(table.len() as u32);
            table.push(i);
            if !namespaces.contains(&&*i.namespace) {
                namespaces.push(&i.namespace);
            }
        }
    }
    w.uint(namespaces.len() as u64);
    for ns in &namespaces {
        w.str(ns);
    }
    w.uint(table.len() as u64);
    for i in table {
        let ns = namespaces.iter().position(|n| *n == &*i.namespace).unwrap_or(0);
        w.uint(ns as u64);
        w.str(&i.id);
    }
    w.uint(part.records.len() as u64);
    for &(r, n) in part.records {
        w.place(r.dataset, r.batch, r.line, r.time);
        w.ident(n);
        // The packed body is what `json` writes for it.
        w.out.extend_from_slice(r.body.bytes());
    }
    w.uint(part.events.len() as u64);
    for &(e, n) in part.events {
        w.place(e.dataset, e.batch, e.line, e.time);
        w.ident(n);
        match &e.body {
            Some(body) => {
                w.out.push(1);
                w.json(body);
            }
            None => w.out.push(0),
        }
        w.uint(e.fields.len() as u64);
        e.fields.iter().for_each(|f| w.value(f));
        w.uint(u64::from(e.mismatches));
        w.uint(e.offset.map_or(0, |o| o.saturating_add(1)));
    }
    w.uint(part.links.len() as u64);
    for &(l, (a, b)) in part.links {
        w.place(l.dataset, l.batch, l.line, l.time);
        w.ident(a);
        w.ident(b);
    }
    w.w.out
}

/// Decodes what [`encode_onto`] wrote; `batch_ids` is the run's batch list the blob indexes.
pub fn decode(bytes: &[u8], batch_ids: &[String]) -> Result<Component, Error> {
    let (&version, rest) = bytes.split_first().ok_or(Error::Corrupt)?;
    if version != VERSION {
        return Err(Error::Version(version));
    }
    let mut r = Reader { r: In { bytes: rest }, namespaces: Vec::new(), idents: Vec::new(), batches: 0 };
    let mut out = Component::default();
    let n = r.len()?;
    let mut global = 0u64;
    for i in 0..n {
        let gap = r.uint()?;
        // Ascending: every gap after the first is at least 1.
        if i > 0 && gap == 0 {
            return Err(Error::Corrupt);
        }
        global = global.checked_add(gap).ok_or(Error::Corrupt)?;
        let id = usize::try_from(global).ok().and_then(|g| batch_ids.get(g)).ok_or(Error::Corrupt)?;
        out.batches.push(id.clone());
    }
    r.batches = out.batches.len();
    let n = r.len()?;
    for _ in 0..n {
        let ns = Text::new(r.str()?);
        r.namespaces.push(ns);
    }
    let n = r.len()?;
    for _ in 0..n {
        let ns = usize::try_from(r.uint()?).map_err(|_| Error::Corrupt)?;
        let namespace = *r.namespaces.get(ns).ok_or(Error::Corrupt)?;
        let ident = Ident { namespace, id: Text::new(r.str()?) };
        r.idents.push(ident);
    }
    let n = r.len()?;
    out.records.reserve(n);
    for _ in 0..n {
        let (dataset, batch, line, seq, time) = r.place()?;
        let primary = r.ident()?;
        let body = PackedJson::read(&mut r.r)?;
        out.records.push(Rec { dataset, batch, line, seq, time, primary, body });
    }
    let n = r.len()?;
    out.events.reserve(n);
    for _ in 0..n {
        let (dataset, batch, line, seq, time) = r.place()?;
        let primary = r.ident()?;
        let body = match r.byte()? {
            0 => None,
            _ => Some(Box::new(r.json()?)),
        };
        let k = r.len()?;
        let fields = (0..k).map(|_| r.value(0)).collect::<Result<Box<[_]>, _>>()?;
        let mismatches = r.u32()?;
        let offset = r.uint()?.checked_sub(1);
        out.events.push(Ev { dataset, batch, line, seq, time, primary, body, fields, mismatches, offset });
    }
    let n = r.len()?;
    out.links.reserve(n);
    for _ in 0..n {
        let (dataset, batch, line, seq, time) = r.place()?;
        let (a, b) = (r.ident()?, r.ident()?);
        out.links.push(Link { a, b, time, seq, dataset, batch, line });
    }
    if !r.bytes.is_empty() {
        return Err(Error::Corrupt);
    }
    Ok(out)
}

struct Writer {
    w: Out,
    /// Identity number → its index in the blob's identity table.
    idents: FxHashMap<u32, u32>,
    /// The global batch indexes used, sorted: a local index is a position in it.
    used: Vec<u32>,
}

deref_to!(Writer, w, Out);

impl Writer {
    fn ident(&mut self, number: u32) {
        let at = self.idents.get(&number).copied().unwrap_or(0);
        self.uint(u64::from(at));
    }

    /// Where a record, event or link comes from, with its batch as a local index. The
    /// sequence number is not stored: it follows from the batch's position and the line.
    fn place(&mut self, dataset: u32, batch: u32, line: u32, time: i64) {
        let local = self.used.binary_search(&batch).unwrap_or(0);
        self.uint(u64::from(dataset));
        self.uint(local as u64);
        self.uint(u64::from(line));
        self.int(time);
    }
}

struct Reader<'b> {
    r: In<'b>,
    namespaces: Vec<Text>,
    idents: Vec<Ident>,
    /// The size of the batch table, which local batch indexes must stay under.
    batches: usize,
}

deref_to!(lifetime 'b; Reader<'b>, r, In<'b>);

impl Reader<'_> {
    fn ident(&mut self) -> Result<Ident, Error> {
        let at = usize::try_from(self.uint()?).map_err(|_| Error::Corrupt)?;
        self.idents.get(at).cloned().ok_or(Error::Corrupt)
    }

    /// (dataset, local batch, line, sequence number, time).
    fn place(&mut self) -> Result<(u32, u32, u32, u64, i64), Error> {
        let dataset = self.u32()?;
        let batch = self.u32()?;
        if batch as usize >= self.batches {
            return Err(Error::Corrupt);
        }
        let line = self.u32()?;
        Ok((dataset, batch, line, seq_of(batch, line), self.int()?))
    }
}

pub mod keys;
mod table;
pub(in crate::store) use table::{drop_old_index, put_streamed, CHUNKS_STAGED, INDEX_STAGED};
pub use table::{stream, Chunked, Streamed};
pub(super) use table::{COMPONENTS, COMPONENT_INDEX};
mod values;

#[cfg(test)]
mod tests;
