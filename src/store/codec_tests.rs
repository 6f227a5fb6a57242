//! Stored batches round-trip, and corrupt bytes are errors.

use super::*;
use crate::store::wire::tag;
use serde_json::json;

fn sample() -> Batch {
    let ident = Ident::new;
    Batch {
        id: "web/part-1.jsonl".into(),
        dataset: "web".into(),
        records: vec![Record {
            line: 1,
            time: Some(-5),
            identities: vec![ident("CRMID", "c-1"), ident("Email", "a@b.se")],
            primary: 0,
            body: (&json!({"person": {"name": "Åsa", "age": 40}, "n": [1, 2.5, null, -3, 18446744073709551615u64, -0.0, 1e300], "b": [true, false], "z": {}, "a": []})).into(),
        }],
        events: vec![
            Event {
                line: 2,
                id: Some("e-1".into()),
                time: 1_767_225_600_000_000,
                identities: vec![ident("ECID", "123")],
                primary: 0,
                body: serde_json::Value::Null,
                fields: vec![json!("x"), serde_json::Value::Null, json!([1.5])],
                offset: Some(0),
            },
            Event {
                line: 300,
                id: None,
                time: 0,
                identities: vec![ident("Email", "a@b.se"), ident("ECID", "9")],
                primary: 1,
                body: json!({"eventType": "y"}),
                fields: vec![json!("y"), json!(null), json!([])],
                offset: None,
            },
        ],
        rejections: vec![Rejection {
            line: 4,
            reason: Reason::InvalidTimestamp,
            detail: "bad".into(),
            raw: "{\"x\":1}".into(),
        }],
        dropped_identities: 7,
        paths: Some(vec![vec!["eventType".into()], vec!["a".into(), "b".into()], vec!["c".into()]]),
    }
}

#[test]
fn round_trips() {
    let batch = sample();
    let bytes = encode(&batch);
    assert!(bytes.len() <= size_bound(&batch), "{} > {}", bytes.len(), size_bound(&batch));
    let back = decode(&bytes).expect("decodes");
    assert_eq!(format!("{back:?}"), format!("{batch:?}"));
}

#[test]
fn every_reason_round_trips() {
    for reason in Reason::ALL {
        let mut batch = sample();
        batch.rejections[0].reason = reason;
        assert_eq!(decode(&encode(&batch)).expect("decodes").rejections[0].reason, reason);
    }
}

#[test]
fn truncated_or_foreign_bytes_are_errors_not_panics() {
    let bytes = encode(&sample());
    for cut in 0..bytes.len() {
        assert!(decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    assert!(matches!(decode(b"{\"id\":1}"), Err(Error::Version(b'{'))));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(decode(&trailing).is_err());
}

#[test]
fn json_keeps_number_kinds_and_member_order() {
    let batch = sample();
    let back = decode(&encode(&batch)).expect("decodes");
    assert_eq!(back.records[0].body, batch.records[0].body);
    assert_eq!(back.records[0].body.value().to_string(), batch.records[0].body.value().to_string());
    assert_eq!(back.events[1].fields, batch.events[1].fields);
}

#[test]
fn deep_nesting_is_corrupt_not_a_stack_overflow() {
    let mut bytes: Vec<u8> = std::iter::repeat_n([tag::ARRAY, 1], 5000).flatten().collect();
    bytes.push(tag::NULL);
    let mut r = Reader { r: In { bytes: &bytes }, namespaces: Vec::new(), values: Vec::new() };
    assert!(matches!(r.json(), Err(Error::Corrupt)));
    let mut r =
        Reader { r: In { bytes: &bytes[bytes.len() - 21..] }, namespaces: Vec::new(), values: Vec::new() };
    assert!(r.json().is_ok(), "ten levels are fine");
}

#[test]
fn decoded_identities_are_the_interned_texts() {
    let bytes = encode(&sample());
    let (a, b) = (decode(&bytes).expect("decodes"), decode(&bytes).expect("decodes"));
    let email = |batch: &Batch| batch.records[0].identities[1];
    assert_eq!(email(&a), Ident::new("Email", "a@b.se"));
    assert_eq!(email(&a).address(), email(&b).address(), "one text for one value");
    assert_eq!(email(&a).address(), a.events[1].identities[0].address(), "across records and events");
}
