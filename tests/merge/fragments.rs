//! Fragments (SPEC 4): replace versus upsert, explicit null, fragment time and provenance.

use super::*;

// ---- fragments -------------------------------------------------------------------------------

#[test]
fn a_new_record_replaces_the_fragment() {
    let f = frag(CRM, 1, 1, json!({"a": 1, "b": {"c": 2}}));
    let f = apply_record(Some(f), &who(), &map(json!({"b": {"d": 3}})), 2, 2, origin(CRM, 2), false);
    assert_eq!(to_json(&Value::object(f.attrs.clone())), json!({"b": {"d": 3}}));
    assert_eq!(f.origins.keys().collect::<Vec<_>>(), ["b.d"]);
}

#[test]
fn replace_drops_null_fields() {
    let f = frag(CRM, 1, 1, json!({"a": null, "b": {"c": null, "d": 1}, "e": [null]}));
    assert_eq!(to_json(&Value::object(f.attrs)), json!({"b": {"d": 1}, "e": [null]}));
}

#[test]
fn upsert_merges_objects_recursively_and_overwrites_scalars() {
    let f = frag(
        CRM,
        1,
        1,
        json!({"person": {"name": {"first": "Ann", "last": "Lee"}, "age": 30}, "tier": "gold"}),
    );
    let rec = map(json!({"person": {"name": {"first": "Anna"}}, "tier": "silver"}));
    let f = apply_record(Some(f), &who(), &rec, 2, 2, origin(CRM, 2), true);
    assert_eq!(
        to_json(&Value::object(f.attrs)),
        json!({"person": {"name": {"first": "Anna", "last": "Lee"}, "age": 30}, "tier": "silver"})
    );
}

#[test]
fn upsert_overwrites_arrays_whole() {
    let f = frag(CRM, 1, 1, json!({"tags": ["a", "b", "c"]}));
    let f = apply_record(Some(f), &who(), &map(json!({"tags": ["z"]})), 2, 2, origin(CRM, 2), true);
    assert_eq!(to_json(&Value::object(f.attrs)), json!({"tags": ["z"]}));
}

#[test]
fn upsert_explicit_null_removes_the_field() {
    let f = frag(CRM, 1, 1, json!({"a": 1, "b": {"c": 2, "d": 3}}));
    let f =
        apply_record(Some(f), &who(), &map(json!({"a": null, "b": {"c": null}})), 2, 2, origin(CRM, 2), true);
    assert_eq!(to_json(&Value::object(f.attrs)), json!({"b": {"d": 3}}));
    assert_eq!(f.origins.keys().collect::<Vec<_>>(), ["b.d"]);
}

#[test]
fn upsert_keeps_the_origin_of_untouched_leaves() {
    let f = frag(CRM, 1, 1, json!({"a": 1, "b": 2}));
    let f = apply_record(Some(f), &who(), &map(json!({"b": 3, "c": {"d": 4}})), 2, 5, origin(CRM, 5), true);
    assert_eq!(f.origins["a"].origin.line, 1);
    assert_eq!(f.origins["b"].origin.line, 5);
    assert_eq!(f.origins["c.d"].origin.line, 5);
    assert_eq!(f.origins["a"].time, 1);
}

#[test]
fn upsert_replaces_a_scalar_by_an_object_and_back() {
    let f = frag(CRM, 1, 1, json!({"a": 1}));
    let f =
        apply_record(Some(f), &who(), &map(json!({"a": {"x": 1, "y": null}})), 2, 2, origin(CRM, 2), true);
    assert_eq!(to_json(&Value::object(f.attrs.clone())), json!({"a": {"x": 1}}));
    let f = apply_record(Some(f), &who(), &map(json!({"a": 5})), 3, 3, origin(CRM, 3), true);
    assert_eq!(to_json(&Value::object(f.attrs.clone())), json!({"a": 5}));
    assert_eq!(f.origins.keys().collect::<Vec<_>>(), ["a"]);
}

#[test]
fn fragment_time_is_the_time_of_its_latest_record() {
    // Replace: the replacing record alone makes the fragment, even when its time is older.
    let f = frag(CRM, 10, 1, json!({"a": 1}));
    let f = apply_record(Some(f), &who(), &map(json!({"a": 2})), 4, 2, origin(CRM, 2), false);
    assert_eq!((f.time, f.seq), (4, 2));
    // Upsert: the fragment holds both records; the latest record time counts, seq is the last.
    let g = frag(CRM, 10, 1, json!({"a": 1}));
    let g = apply_record(Some(g), &who(), &map(json!({"b": 2})), 4, 2, origin(CRM, 2), true);
    assert_eq!((g.time, g.seq), (10, 2));
    let g = apply_record(Some(g), &who(), &map(json!({"b": 3})), 12, 3, origin(CRM, 3), true);
    assert_eq!((g.time, g.seq), (12, 3));
}

#[test]
fn the_first_upsert_record_makes_the_fragment() {
    let f = apply_record(None, &who(), &map(json!({"a": null, "b": 1})), 3, 9, origin(LOYALTY, 9), true);
    assert_eq!((f.dataset, f.time, f.seq), (LOYALTY, 3, 9));
    assert_eq!(to_json(&Value::object(f.attrs)), json!({"b": 1}));
}
