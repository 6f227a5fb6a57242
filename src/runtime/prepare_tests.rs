//! `prepare::merge` against a plain de-duplication by `_id` text.

use super::*;

/// A part of events `(dataset, _id)`, each `_id` hashed by `hash` (colliding on purpose).
fn part(batch: u32, events: &[(u32, Option<&str>)], hash: fn(&str) -> u64) -> Part {
    let mut p = Part::default();
    for (line, &(dataset, id)) in (1..).zip(events) {
        let primary = Ident::new("ECID", "1");
        let ev = Ev {
            dataset,
            batch,
            line,
            seq: seq_of(batch, line),
            time: 0,
            primary,
            body: None,
            fields: Box::new([]),
            mismatches: 0,
            offset: None,
        };
        p.ids.push(id.map(|id| {
            let start = p.id_text.len();
            p.id_text.push_str(id);
            EventId { hash: hash(id), start, end: p.id_text.len() }
        }));
        p.events.push(ev);
    }
    p
}

/// The reference: one table keyed by dataset and `_id` text, the last ingested winning.
fn reference(parts: &[Vec<(u32, Option<&str>)>]) -> (Vec<(u32, u32)>, u64) {
    let mut out: Vec<(u32, u32)> = Vec::new();
    let mut seen: HashMap<(u32, String), usize> = HashMap::new();
    let mut dups = 0;
    for (batch, events) in (0..).zip(parts) {
        for (line, &(dataset, id)) in (1..).zip(events) {
            match id.map(|id| seen.entry((dataset, id.to_string()))) {
                Some(Entry::Occupied(at)) => {
                    out[*at.get()] = (batch, line);
                    dups += 1;
                }
                Some(Entry::Vacant(slot)) => {
                    slot.insert(out.len());
                    out.push((batch, line));
                }
                None => out.push((batch, line)),
            }
        }
    }
    (out, dups)
}

#[test]
fn duplicates_are_found_by_text_even_when_hashes_collide() {
    let ids = ["a", "b", "cc", "dd", "e", "ff", "g"];
    // A small deterministic generator (xorshift) for the events of three parts.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut parts: Vec<Vec<(u32, Option<&str>)>> = (0..3)
        .map(|_| {
            (0..200).map(|_| (next(2) as u32, [None, Some(ids[next(ids.len())])][next(4).min(1)])).collect()
        })
        .collect();
    // A batch without events starts where the next one does.
    parts.insert(1, Vec::new());
    let hashes: [fn(&str) -> u64; 2] = [|id| id.len() as u64, |id| FxBuildHasher.hash_one(id)];
    for (hash, threads) in hashes.into_iter().zip([1, 3]).chain([(hashes[0], 2)]) {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
        let merged = pool.install(|| {
            merge(parts.iter().zip(0..).map(|(events, batch)| part(batch, events, hash)).collect())
        });
        let got: Vec<(u32, u32)> = merged.events.iter().map(|e| (e.batch, e.line)).collect();
        assert_eq!((got, merged.duplicate_events), reference(&parts), "{threads} threads");
    }
}
