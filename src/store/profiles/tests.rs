//! The page format on its own (packing, lookup, edits, corrupt bytes), and the paged tables of
//! a real store against a `BTreeMap` model, including a store written before pages.

use super::*;
use crate::runtime::fixture::temp_dir;
use crate::store::{Error, Store};
use proptest::prelude::*;
use redb::{ReadableDatabase, ReadableTableMetadata, TableDefinition};
use std::collections::{BTreeMap, BTreeSet};

fn id(i: usize) -> String {
    format!("ECID:{i:08}")
}

fn line(i: usize) -> String {
    format!("{{\"profileId\":\"{}\",\"pad\":\"{}\"}}", id(i), "p".repeat(i % 300))
}

/// The page `key` falls in, as `update` picks it: at or before the key, else the first.
fn page_of<'p>(pages: &'p [Page], key: &str) -> &'p [u8] {
    let found = pages.iter().rev().find(|(first, _)| first.as_str() <= key).or(pages.first());
    found.map_or(&[], |(_, bytes)| bytes.as_slice())
}

#[test]
fn every_key_is_found_in_its_page_and_no_other_key_is() {
    let owned: Vec<(String, String)> = (0..5_000).map(|i| (id(i * 2), line(i * 2))).collect();
    let pages = pages(owned.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    assert!(pages.len() > 3, "several pages: {}", pages.len());
    assert!(pages.windows(2).all(|w| w[0].0 < w[1].0));
    assert!(pages.iter().all(|(first, bytes)| first.len() + bytes.len() <= PAGE_BYTES));
    let closed = &pages[..pages.len() - 1];
    assert!(closed.iter().all(|(first, bytes)| first.len() + bytes.len() > PAGE_BYTES - 1_000), "full");
    for (k, v) in &owned {
        assert_eq!(find(page_of(&pages, k), k).expect("decodes"), Some(v.as_str()));
    }
    for missing in [id(1), id(4_001), id(99_999), "A".into(), "ECID:".into(), format!("{}x", id(0))] {
        assert_eq!(find(page_of(&pages, &missing), &missing).expect("decodes"), None, "{missing}");
    }
    let all: Vec<(&str, &str)> = pages.iter().flat_map(|(_, b)| entries(b).expect("decodes")).collect();
    let expected: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(all, expected);
    assert!(super::pages(std::iter::empty()).is_empty());
    let huge = "h".repeat(PAGE_BYTES * 2);
    let alone = super::pages([("a", "1"), ("b", huge.as_str()), ("c", "3")]);
    let firsts: Vec<&str> = alone.iter().map(|(first, _)| first.as_str()).collect();
    assert_eq!(firsts, ["a", "b", "c"], "an entry larger than a page is a page of its own");
}

#[test]
fn sorted_orders_entries_and_keeps_one_per_key() {
    let got = sorted(vec![("b", "2"), ("a", "9"), ("b", "1"), ("a", "3")]);
    assert_eq!(got, vec![("a", "3"), ("b", "1")]);
}

#[test]
fn corrupt_pages_are_errors() {
    assert!(find(&[0x80], "x").is_err());
    assert!(entries(&[3, b'a', b'b']).is_err(), "a string longer than the page");
    assert!(entries(&[1, 0xff, 0]).is_err(), "not UTF-8");
    let mut unordered = Packer::new();
    unordered.push("b", "1");
    unordered.push("a", "2");
    let (_, bytes) = unordered.finish().expect("a page");
    assert!(entries(&bytes).is_err(), "keys out of order");
    assert!(edit(&bytes, &[("c", Some("3"))]).is_err());
}

fn page(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut pages = pages(entries.iter().copied());
    assert_eq!(pages.len(), 1);
    pages.pop().map(|(_, bytes)| bytes).unwrap_or_default()
}

fn edited(page: &[u8], changes: &[Change<'_>]) -> Vec<(String, Vec<(String, String)>)> {
    let pages = edit(page, changes).expect("decodes").expect("changed");
    let own =
        |b: &[u8]| entries(b).expect("decodes").iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    pages.iter().map(|(first, bytes)| (first.clone(), own(bytes))).collect()
}

fn owned(entries: &[(&str, &str)]) -> Vec<(String, String)> {
    entries.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn edits_insert_before_inside_and_after_and_rekey_the_page() {
    let p = page(&[("c", "1"), ("e", "2"), ("g", "3")]);
    let changes = [("a", Some("0")), ("d", Some("x")), ("e", None), ("g", Some("4")), ("h", Some("5"))];
    let expected = owned(&[("a", "0"), ("c", "1"), ("d", "x"), ("g", "4"), ("h", "5")]);
    assert_eq!(edited(&p, &changes), vec![("a".to_string(), expected)]);
    // The first entry removed: the page moves to its new first key.
    assert_eq!(edited(&p, &[("c", None)]), vec![("e".to_string(), owned(&[("e", "2"), ("g", "3")]))]);
}

#[test]
fn edits_that_change_nothing_rewrite_nothing_and_empty_pages_are_dropped() {
    let p = page(&[("c", "1"), ("e", "2")]);
    assert_eq!(edit(&p, &[("c", Some("1")), ("d", None), ("z", None)]).expect("decodes"), None);
    assert_eq!(edit(&p, &[("c", None), ("e", None)]).expect("decodes"), Some(Vec::new()));
}

#[test]
fn a_page_grown_past_twice_the_page_size_is_split_in_order() {
    let p = page(&[("k0000", "v")]);
    let big = "v".repeat(1_000);
    let keys: Vec<String> = (1..200).map(|i| format!("k{i:04}")).collect();
    let changes: Vec<Change<'_>> = keys.iter().map(|k| (k.as_str(), Some(big.as_str()))).collect();
    let grown = edit(&p, &changes[..100]).expect("decodes").expect("changed");
    assert_eq!(grown.len(), 1, "under twice the page size a page grows in place");
    let split = edit(&p, &changes).expect("decodes").expect("changed");
    assert!(split.len() >= 3, "{} pages", split.len());
    assert!(split.iter().all(|(first, b)| first.len() + b.len() <= PAGE_BYTES));
    let all: Vec<String> =
        split.iter().flat_map(|(_, b)| entries(b).expect("decodes")).map(|(k, _)| k.into()).collect();
    assert_eq!(all.first().map(String::as_str), Some("k0000"));
    assert_eq!(all[1..], keys[..]);
    assert!(split.iter().all(|(first, b)| entries(b).expect("decodes")[0].0 == first));
}

/// A profile of a run: (profileId, (line, identity keys)); `put` sorts them as a run does.
type Profile = (String, (String, Vec<String>));

fn store(name: &str) -> Store {
    Store::open(&temp_dir(name), true).expect("store")
}

fn put(store: &Store, profiles: &[Profile]) {
    let (send, receive) = std::sync::mpsc::sync_channel(1);
    drop(send);
    let mut sorted: Vec<&Profile> = profiles.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut output = store.begin_run_output().expect("begin");
    for (id, (line, _)) in &sorted {
        output.push(id, line).expect("push");
    }
    let index: Vec<(String, Vec<String>)> =
        sorted.iter().map(|(id, (_, keys))| (id.clone(), keys.clone())).collect();
    output.finish(&index, &[], &receive).expect("put");
}

fn rows(store: &Store, def: TableDefinition<&str, &[u8]>) -> u64 {
    let txn = store.db.begin_read().expect("read");
    txn.open_table(def).and_then(|t| Ok(t.len()?)).expect("table")
}

/// The stored answers, all of them: every line, and each id's and key's profile.
fn check(store: &Store, model: &BTreeMap<String, (String, Vec<String>)>, missing: &[&str]) {
    let lines: Vec<String> = model.values().map(|(l, _)| l.clone()).collect();
    assert_eq!(store.profiles().expect("profiles"), lines);
    for (id, (line, keys)) in model {
        assert_eq!(store.profile(id).expect("profile").as_ref(), Some(line));
        for key in keys {
            assert_eq!(store.profile_of_identity(key).expect("lookup").as_ref(), Some(id), "{key}");
        }
    }
    for key in missing {
        assert_eq!(store.profile(key).expect("profile"), None, "{key}");
        assert_eq!(store.profile_of_identity(key).expect("lookup"), None, "{key}");
    }
}

fn profile(i: usize, keys: &[usize], version: &str) -> Profile {
    let mut ks: Vec<String> = keys.iter().map(|&k| format!("Email:{k:06}")).collect();
    ks.push(id(i));
    (id(i), (format!("{}{version}", line(i)), ks))
}

/// Applies an update to the store and to the model alike.
fn update(
    store: &Store,
    model: &mut BTreeMap<String, (String, Vec<String>)>,
    removed: &[String],
    upserted: Vec<Profile>,
) {
    let removed: Vec<(String, Vec<String>)> =
        removed.iter().filter_map(|id| Some((id.clone(), model.remove(id)?.1))).collect();
    let rows: Vec<(String, String, Vec<String>)> =
        upserted.iter().map(|(id, (line, keys))| (id.clone(), line.clone(), keys.clone())).collect();
    store.update_profiles(&removed, &rows, &[]).expect("update");
    model.extend(upserted);
}

fn page_sizes(store: &Store) -> Vec<usize> {
    let txn = store.db.begin_read().expect("read");
    let table = txn.open_table(PROFILE_PAGES).expect("table");
    let items = redb::ReadableTable::iter(&table).expect("iter");
    items.map(|item| item.expect("row").1.value().len()).collect()
}

#[test]
fn updates_insert_before_and_after_split_and_drop_pages() {
    let store = store("profile-pages-update");
    let initial: Vec<Profile> = (100..1_100).map(|i| profile(i, &[i * 10, i * 10 + 1], "")).collect();
    put(&store, &initial);
    let mut model: BTreeMap<String, (String, Vec<String>)> = initial.into_iter().collect();
    let before = page_sizes(&store).len();
    assert!(before > 2, "{before} pages");
    check(&store, &model, &["ECID:00000001", "Email:000002", "A", "~"]);

    // A page's worth of removals; new profiles before the first page and after the last; a
    // re-stitch that moves `Email:006010` from profile 601 to profile 500.
    let mut removed: Vec<String> = (100..400).map(id).collect();
    removed.extend([id(500), id(601)]);
    let mut upserted: Vec<Profile> =
        (1..5).chain(2_000..2_003).map(|i| profile(i, &[i * 10], " v2")).collect();
    upserted.extend([profile(500, &[5_000, 6_010], " v2"), profile(601, &[6_011], " v2")]);
    update(&store, &mut model, &removed, upserted);
    check(&store, &model, &["ECID:00000100", "Email:001000", "Email:005001", "ECID:00000005"]);
    assert!(store.profile_of_identity("Email:006010").expect("lookup") == Some(id(500)));

    // Enough inserts into one page to split it.
    let big = "b".repeat(1_000);
    let inside: Vec<Profile> = (0..300)
        .map(|j| (format!("{}-{j:03}", id(700)), (big.clone(), vec![format!("Email:7-{j}")])))
        .collect();
    update(&store, &mut model, &[], inside);
    check(&store, &model, &["ECID:00000700-300", "Email:7-300"]);
    let sizes = page_sizes(&store);
    assert!(sizes.len() >= before + 3, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= SPLIT_BYTES), "{sizes:?}");

    // Everything removed: no page is left, and a later insert starts a table again.
    let all: Vec<String> = model.keys().cloned().collect();
    update(&store, &mut model, &all, Vec::new());
    assert!(page_sizes(&store).is_empty());
    assert_eq!(rows(&store, IDENTITY_PAGES), 0);
    update(&store, &mut model, &[], vec![profile(7, &[70], "")]);
    check(&store, &model, &["ECID:00000100"]);
}

#[test]
fn a_corrupt_page_is_an_error() {
    let store = store("profile-pages-corrupt");
    put(&store, &[profile(1, &[10], "")]);
    let txn = store.db.begin_write().expect("write");
    let mut table = txn.open_table(PROFILE_PAGES).expect("table");
    table.insert(id(1).as_str(), [0x85u8].as_slice()).expect("insert");
    drop(table);
    txn.commit().expect("commit");
    let page_error = |r: Result<Option<String>, Error>| matches!(r, Err(Error::Page { .. }));
    assert!(page_error(store.profile(&id(1))));
    assert!(page_error(store.profile_of_identity("Email:000010")));
    assert!(matches!(store.profiles(), Err(Error::Page { .. })));
    let failed = store.update_profiles(&[], &[(id(2), "x".into(), vec![id(2)])], &[]);
    assert!(matches!(failed, Err(Error::Page { .. })), "{failed:?}");
}

#[test]
fn a_store_written_before_pages_is_read_and_then_moved_into_pages() {
    let store = store("profile-pages-old");
    put(&store, &[profile(99, &[990], "stale")]);
    // An older mosaic wrote last: its rows, not the pages, are the stored profiles.
    let txn = store.db.begin_write().expect("write");
    {
        let mut lines = txn.open_table(TableDefinition::<&str, &[u8]>::new("profiles")).expect("table");
        let mut index = txn.open_table(TableDefinition::<&str, &str>::new("identities")).expect("table");
        for i in [1, 2] {
            lines.insert(id(i).as_str(), line(i).as_bytes()).expect("insert");
            index.insert(format!("Email:{:06}", i * 10).as_str(), id(i).as_str()).expect("insert");
        }
    }
    txn.commit().expect("commit");
    let mut model: BTreeMap<String, (String, Vec<String>)> =
        [1, 2].into_iter().map(|i| profile(i, &[i * 10], "")).collect();
    check(&store, &model, &[&id(99), "Email:000990"]);
    update(&store, &mut model, &[id(1)], vec![profile(3, &[30], "")]);
    check(&store, &model, &[&id(1), "Email:000010", &id(99)]);
    let txn = store.db.begin_read().expect("read");
    assert!(txn.open_table(TableDefinition::<&str, &[u8]>::new("profiles")).is_err(), "deleted");
}

/// One step of the model test: each touched key (index into the key universe) moves to a
/// group (0: no group, the identity is gone).
type Step = Vec<(usize, u8)>;

fn key(k: usize) -> String {
    // Long keys, so that the identity index has several pages too.
    format!("K:{k:04}{}", "k".repeat(400))
}

/// The profiles of a grouping: one per group, its id the smallest key, a line long enough
/// that the profiles span several pages.
fn grouped(groups: &BTreeMap<usize, u8>, labels: &BTreeSet<u8>, version: usize) -> Vec<Profile> {
    let mut members: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    for (&k, &g) in groups.iter().filter(|(_, g)| labels.contains(g)) {
        members.entry(g).or_default().push(key(k));
    }
    let line = |id: &str| format!("{id} v{version} {}", "l".repeat(3_000 + id.len() * 7 % 5_000));
    members
        .into_values()
        .filter_map(|keys| Some((keys.first()?.clone(), (line(keys.first()?), keys))))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]
    #[test]
    fn stored_profiles_agree_with_a_model(
        initial in proptest::collection::vec(0u8..40, 150),
        steps in proptest::collection::vec(proptest::collection::vec((0usize..150, 0u8..48), 1..40), 1..5),
    ) {
        let store = store("profile-pages-model");
        let mut groups: BTreeMap<usize, u8> =
            initial.iter().enumerate().filter(|(_, g)| **g > 0).map(|(k, g)| (k, *g)).collect();
        let all: BTreeSet<u8> = (1..=u8::MAX).collect();
        let first = grouped(&groups, &all, 0);
        put(&store, &first);
        let mut model: BTreeMap<String, (String, Vec<String>)> = first.into_iter().collect();
        let missing = [key(150), "A".to_string(), "K:".to_string()];
        check(&store, &model, &missing.iter().map(String::as_str).collect::<Vec<_>>());
        for (n, step) in steps.iter().enumerate() {
            let step: &Step = step;
            // The groups a step touches are rebuilt whole, as watch rebuilds a component.
            let mut touched: BTreeSet<u8> = step.iter().filter_map(|(k, _)| groups.get(k).copied()).collect();
            touched.extend(step.iter().map(|(_, g)| *g).filter(|g| *g > 0));
            let removed: Vec<String> = grouped(&groups, &touched, 0).into_iter().map(|(id, _)| id).collect();
            for &(k, g) in step {
                if g == 0 { groups.remove(&k); } else { groups.insert(k, g); }
            }
            update(&store, &mut model, &removed, grouped(&groups, &touched, n + 1));
            check(&store, &model, &missing.iter().map(String::as_str).collect::<Vec<_>>());
        }
    }
}

#[test]
fn profiles_out_of_order_store_nothing() {
    let store = store("profile-pages-order");
    put(&store, &[("K:a".into(), ("{\"a\":1}".into(), vec![]))]);
    let mut output = store.begin_run_output().expect("begin");
    output.push("K:c", "{}").expect("first");
    let err = output.push("K:b", "{}").expect_err("refused");
    assert!(err.to_string().contains("out of order"), "{err}");
    assert_eq!(store.profiles().expect("profiles"), ["{\"a\":1}"]);
}
