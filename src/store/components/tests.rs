//! Round trips of the component layout, and corrupt bytes refused without a panic.

use super::*;
use crate::value::Value;
use serde_json::json;

/// One component alone.
fn encode(part: &Part<'_>) -> Vec<u8> {
    encode_onto(part, Vec::new())
}

/// `stream` into memory.
fn chunk(parts: &[Part<'_>]) -> Chunked {
    let mut chunks = Vec::new();
    let places = stream(parts, &mut |c| {
        chunks.push(c);
        true
    });
    Chunked { chunks, places: places.unwrap_or_default() }
}

/// A component's rows with their identities numbered, owned for a [`Part`] to borrow.
#[derive(Default)]
struct Numbered<'p> {
    records: Vec<(&'p Rec, u32)>,
    events: Vec<(&'p Ev, u32)>,
    links: Vec<(&'p Link, (u32, u32))>,
}

impl<'p> Numbered<'p> {
    /// `records`, `events` and `links` with their identities numbered in order of appearance.
    fn new(records: Vec<&'p Rec>, events: Vec<&'p Ev>, links: Vec<&'p Link>) -> Numbered<'p> {
        let mut numbers: FxHashMap<&'p Ident, u32> = FxHashMap::default();
        let mut number = |i: &'p Ident| {
            let next = numbers.len() as u32;
            *numbers.entry(i).or_insert(next)
        };
        Numbered {
            records: records.into_iter().map(|r| (r, number(&r.primary))).collect(),
            events: events.into_iter().map(|e| (e, number(&e.primary))).collect(),
            links: links.into_iter().map(|l| (l, (number(&l.a), number(&l.b)))).collect(),
        }
    }

    fn part(&self) -> Part<'_> {
        Part { records: &self.records, events: &self.events, links: &self.links }
    }
}

fn sample() -> (Vec<Rec>, Vec<Ev>, Vec<Link>) {
    let ident = Ident::new;
    let records = vec![Rec {
        dataset: 0,
        batch: 3,
        line: 1,
        seq: (3 << 32) | 1,
        time: -5,
        primary: ident("CRMID", "c-1"),
        body: (&json!({"person": {"name": "Åsa \"q\""}, "n": [1, 2.5, null, -3, u64::MAX, true, false], "o": {}, "z": 0})).into(),
    }];
    let events = vec![
        Ev {
            dataset: 1,
            batch: 7,
            line: 2,
            seq: (7 << 32) | 2,
            time: 1_767_225_600_000_000,
            primary: ident("ECID", "123"),
            body: None,
            fields: vec![
                Value::string("x"),
                Value::Null,
                Value::array(vec![Value::Double(1.5), Value::Int(-7), Value::Bool(true)]),
                Value::Timestamp(-1),
                Value::Date(20_000),
                Value::object([("k".to_string(), Value::Bool(false))].into_iter().collect()),
            ]
            .into(),
            mismatches: 2,
            offset: Some(0),
        },
        Ev {
            dataset: 1,
            batch: 3,
            line: 300,
            seq: (3 << 32) | 300,
            time: 0,
            primary: ident("Email", "a@b.se"),
            body: Some(Box::new(json!({"eventType": "y", "n": [1.5, -2, null, {}]}))),
            fields: vec![Value::string("y")].into(),
            mismatches: 0,
            offset: None,
        },
    ];
    let links = vec![Link {
        a: ident("CRMID", "c-1"),
        b: ident("Email", "a@b.se"),
        time: -5,
        seq: (3 << 32) | 1,
        dataset: 0,
        batch: 3,
        line: 1,
    }];
    (records, events, links)
}

fn batch_ids() -> Vec<String> {
    (0..10).map(|i| format!("web/part-{i}.jsonl")).collect()
}

fn encoded() -> Vec<u8> {
    let (records, events, links) = sample();
    let numbered = Numbered::new(records.iter().collect(), events.iter().collect(), links.iter().collect());
    encode(&numbered.part())
}

#[test]
fn round_trips_with_local_batch_indexes() {
    let (records, events, links) = sample();
    let back = decode(&encoded(), &batch_ids()).expect("decodes");
    assert_eq!(back.batches, vec!["web/part-3.jsonl".to_string(), "web/part-7.jsonl".to_string()]);
    // Global batch 3 is local 0, global 7 local 1, sequence numbers follow; everything else is
    // kept as it was.
    let local = |b: u32| if b == 3 { 0 } else { 1 };
    let want_records: Vec<Rec> = records
        .into_iter()
        .map(|r| Rec { batch: local(r.batch), seq: seq_of(local(r.batch), r.line), ..r })
        .collect();
    let want_events: Vec<Ev> = events
        .into_iter()
        .map(|e| Ev { batch: local(e.batch), seq: seq_of(local(e.batch), e.line), ..e })
        .collect();
    let want_links: Vec<Link> = links
        .into_iter()
        .map(|l| Link { batch: local(l.batch), seq: seq_of(local(l.batch), l.line), ..l })
        .collect();
    assert_eq!(format!("{:?}", back.records), format!("{want_records:?}"));
    assert_eq!(format!("{:?}", back.events), format!("{want_events:?}"));
    assert_eq!(format!("{:?}", back.links), format!("{want_links:?}"));
}

#[test]
fn a_batch_index_past_the_run_list_is_corrupt() {
    // The sample refers to batches 3 and 7 of the run's list.
    assert!(matches!(decode(&encoded(), &batch_ids()[..7]), Err(Error::Corrupt)));
    assert!(decode(&encoded(), &batch_ids()[..8]).is_ok());
}

#[test]
fn an_empty_component_round_trips() {
    let back = decode(&encode(&Part::default()), &[]).expect("decodes");
    assert!(back.batches.is_empty() && back.records.is_empty() && back.events.is_empty());
    assert!(back.links.is_empty());
}

#[test]
fn truncated_or_foreign_bytes_are_errors_not_panics() {
    let bytes = encoded();
    for cut in 0..bytes.len() {
        assert!(decode(&bytes[..cut], &batch_ids()).is_err(), "cut at {cut}");
    }
    assert!(matches!(decode(b"\x09rest", &batch_ids()), Err(Error::Version(9))));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(decode(&trailing, &batch_ids()).is_err());
    // Every single-byte corruption decodes or fails, never panics.
    for at in 1..bytes.len() {
        let mut bad = bytes.clone();
        bad[at] ^= 0xff;
        let _ = decode(&bad, &batch_ids());
    }
}

#[test]
fn values_nested_too_deep_are_corrupt() {
    // An event whose body is 200 nested arrays: past the depth limit.
    let mut deep = serde_json::Value::Null;
    for _ in 0..200 {
        deep = serde_json::Value::Array(vec![deep]);
    }
    let (_, mut events, _) = sample();
    events[1].body = Some(Box::new(deep));
    let numbered = Numbered::new(Vec::new(), events.iter().collect(), Vec::new());
    assert!(matches!(decode(&encode(&numbered.part()), &batch_ids()), Err(Error::Corrupt)));
}

#[test]
fn runtime_values_nested_too_deep_are_corrupt() {
    let mut deep = Value::Null;
    for _ in 0..200 {
        deep = Value::array(vec![deep]);
    }
    let (_, mut events, _) = sample();
    events[0].fields = vec![deep].into();
    let numbered = Numbered::new(Vec::new(), events.iter().collect(), Vec::new());
    assert!(matches!(decode(&encode(&numbered.part()), &batch_ids()), Err(Error::Corrupt)));
}

#[test]
fn chunks_pack_components_in_order_and_a_big_one_opens_the_next() {
    let (_, events, _) = sample();
    let with_body = |bytes: usize| {
        let mut e = events[0].clone();
        e.body = Some(Box::new(json!("x".repeat(bytes))));
        e
    };
    // small, 600 KB, 600 KB, small, 1.5 MB; then enough small ones to need a second group.
    let mut owned = vec![events[1].clone(), with_body(600_000), with_body(600_000), events[1].clone()];
    owned.push(with_body(1_500_000));
    owned.extend((0..5000).map(|_| events[1].clone()));
    let numbered: Vec<Numbered> =
        owned.iter().map(|e| Numbered::new(Vec::new(), vec![e], Vec::new())).collect();
    let parts: Vec<Part> = numbered.iter().map(Numbered::part).collect();
    let chunked = chunk(&parts);
    let chunks_of: Vec<u32> = chunked.places.iter().take(5).map(|p| p.0).collect();
    assert_eq!(chunks_of, [0, 0, 1, 1, 2]);
    assert_eq!(chunked.places.len(), parts.len());
    assert!(chunked.places.windows(2).all(|w| w[0].0 <= w[1].0));
    for (part, &(chunk, offset, len)) in parts.iter().zip(&chunked.places) {
        let bytes = &chunked.chunks[chunk as usize][offset as usize..(offset + len) as usize];
        assert_eq!(bytes, encode(part).as_slice());
    }
    assert!(chunked.chunks.iter().all(|c| c.len() <= 1 << 20 || c.len() > 1_500_000));
}
