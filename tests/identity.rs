//! Identity stitching through the public API: one test per rule of SPEC 1.2, 1.4 and 3.

use mosaic::identity::{
    components, link_order, links_of_record, normalize_identity, primary_of_event, primary_of_record, stitch,
    Candidate, Identity, Link, Origin, Rejection, Stitching,
};
use mosaic::policy::{GraphType, IdentitySettings, Namespace, NamespaceType, Normalize};
use proptest::prelude::*;

fn ns(code: &str, ty: NamespaceType, unique: bool, priority: Option<i64>) -> Namespace {
    Namespace { code: code.into(), ty, unique, priority, normalize: vec![], pattern: None }
}

/// Namespaces sorted by code, as the loader gives them.
fn settings(limit: usize) -> IdentitySettings {
    use NamespaceType::*;
    IdentitySettings {
        graph_limit: limit,
        namespaces: vec![
            ns("AAID", Cookie, false, Some(4)),
            ns("CRMID", CrossDevice, true, Some(1)),
            ns("ECID", Cookie, false, Some(4)),
            ns("Email", Email, true, Some(2)),
            ns("GAID", Device, false, Some(3)),
            ns("IDFA", Device, false, Some(3)),
            ns("Phone", Phone, false, None),
        ],
    }
}

fn id(s: &str) -> Identity {
    let (code, value) = s.split_once(':').expect("test identity has a colon");
    let ns = settings(50).namespaces.iter().position(|n| &*n.code == code).expect("known namespace");
    Identity::new(ns as u32, value)
}

fn link(a: &str, b: &str, time: i64, seq: u64) -> Link {
    Link { a: id(a), b: id(b), time, seq, origin: Origin { dataset: 0, batch: 0, line: seq } }
}

fn ids(list: &[&str]) -> Vec<Identity> {
    list.iter().map(|s| id(s)).collect()
}

/// `profileId = [identities]`, one string per profile, in output order.
fn show(st: &Stitching, settings: &IdentitySettings) -> Vec<String> {
    st.profiles
        .iter()
        .map(|p| {
            let all: Vec<String> = p.identities.iter().map(|i| i.key(settings)).collect();
            format!("{} = [{}]", p.profile_id.key(settings), all.join(", "))
        })
        .collect()
}

fn pdg(limit: usize, links: &[Link], primaries: &[&str]) -> (Stitching, Vec<String>) {
    let s = settings(limit);
    let st = stitch(&s, GraphType::Pdg, links, &ids(primaries));
    let shown = show(&st, &s);
    (st, shown)
}

#[test]
fn none_makes_each_primary_identity_its_own_profile() {
    let s = settings(50);
    let links = [link("CRMID:c-1", "ECID:e-1", 10, 1)];
    let st = stitch(&s, GraphType::None, &links, &ids(&["ECID:e-1", "CRMID:c-1", "ECID:e-1"]));
    assert_eq!(show(&st, &s), ["CRMID:c-1 = [CRMID:c-1]", "ECID:e-1 = [ECID:e-1]"]);
    assert!(st.refused.is_empty() && st.shed.is_empty());
}

#[test]
fn a_record_links_every_pair_of_its_distinct_identities() {
    let o = Origin { dataset: 1, batch: 2, line: 3 };
    let links = links_of_record(&ids(&["CRMID:c", "ECID:e", "CRMID:c", "Email:x"]), 7, 9, o);
    let pairs: Vec<(Identity, Identity)> = links.iter().map(|l| (l.a.clone(), l.b.clone())).collect();
    assert_eq!(
        pairs,
        [(id("CRMID:c"), id("ECID:e")), (id("CRMID:c"), id("Email:x")), (id("ECID:e"), id("Email:x")),]
    );
    assert!(links.iter().all(|l| l.time == 7 && l.seq == 9 && l.origin == o));
    assert!(links_of_record(&ids(&["ECID:e", "ECID:e"]), 0, 0, o).is_empty());
}

#[test]
fn links_of_one_record_are_considered_in_code_order() {
    // The newer record ties ECID:e to CRMID:john. The older record's links share time and seq,
    // so code order decides: jane—e is refused, jane—p holds, and then e—p is refused.
    let mut links = links_of_record(&ids(&["CRMID:jane", "ECID:e", "Phone:p"]), 1, 1, Origin::default());
    links.extend(links_of_record(&ids(&["CRMID:john", "ECID:e"]), 2, 2, Origin::default()));
    let (st, shown) = pdg(50, &links, &["CRMID:jane", "ECID:e"]);
    assert_eq!(shown, ["CRMID:jane = [CRMID:jane, Phone:p]", "CRMID:john = [CRMID:john, ECID:e]"]);
    let s = settings(50);
    let refused: Vec<String> =
        st.refused.iter().map(|r| format!("{}—{}", r.link.a.key(&s), r.link.b.key(&s))).collect();
    assert_eq!(refused, ["CRMID:jane—ECID:e", "ECID:e—Phone:p"]);
}

#[test]
fn pdg_joins_linked_identities_into_one_profile() {
    let links = [link("CRMID:c-1", "ECID:e-1", 10, 1), link("ECID:e-1", "Email:a@x", 20, 2)];
    let (_, shown) = pdg(50, &links, &["ECID:e-1"]);
    assert_eq!(shown, ["CRMID:c-1 = [CRMID:c-1, ECID:e-1, Email:a@x]"]);
}

#[test]
fn pdg_keeps_unconnected_graphs_apart() {
    let links = [link("CRMID:c-1", "ECID:e-1", 10, 1), link("CRMID:c-2", "ECID:e-2", 10, 2)];
    let (_, shown) = pdg(50, &links, &["ECID:e-1", "ECID:e-2"]);
    assert_eq!(shown, ["CRMID:c-1 = [CRMID:c-1, ECID:e-1]", "CRMID:c-2 = [CRMID:c-2, ECID:e-2]"]);
}

#[test]
fn shared_device_goes_to_the_newest_unique_link() {
    let links = [link("CRMID:jane", "ECID:laptop", 1, 1), link("CRMID:john", "ECID:laptop", 2, 2)];
    let (st, shown) = pdg(50, &links, &["CRMID:jane", "CRMID:john", "ECID:laptop"]);
    assert_eq!(shown, ["CRMID:jane = [CRMID:jane]", "CRMID:john = [CRMID:john, ECID:laptop]"]);
    assert_eq!(st.refused.len(), 1);
    assert_eq!(st.refused[0].link, links[0]);
    assert!(st.refused[0].reason.contains("CRMID:jane"), "{}", st.refused[0].reason);
    assert!(st.refused[0].reason.contains("CRMID:john"), "{}", st.refused[0].reason);
    assert!(st.refused[0].reason.contains("unique"), "{}", st.refused[0].reason);
}

#[test]
fn shared_device_switches_back_when_the_first_user_logs_in_again() {
    let links = [
        link("CRMID:jane", "ECID:laptop", 1, 1),
        link("CRMID:john", "ECID:laptop", 2, 2),
        link("CRMID:jane", "ECID:laptop", 3, 3),
    ];
    let (st, shown) = pdg(50, &links, &["CRMID:jane", "CRMID:john", "ECID:laptop"]);
    assert_eq!(shown, ["CRMID:jane = [CRMID:jane, ECID:laptop]", "CRMID:john = [CRMID:john]"]);
    assert_eq!(st.refused.iter().map(|r| r.link.seq).collect::<Vec<_>>(), [2]);
}

#[test]
fn equal_link_times_are_ordered_by_later_ingestion() {
    let links = [link("CRMID:late", "ECID:e", 5, 9), link("CRMID:early", "ECID:e", 5, 3)];
    let (st, shown) = pdg(50, &links, &["ECID:e", "CRMID:early"]);
    assert_eq!(shown, ["CRMID:early = [CRMID:early]", "CRMID:late = [CRMID:late, ECID:e]"]);
    assert_eq!(st.refused[0].link.seq, 3);
}

#[test]
fn a_bad_email_shared_by_two_people_keeps_its_newest_link() {
    let links = [link("CRMID:c-1", "Phone:test", 1, 1), link("CRMID:c-2", "Phone:test", 2, 2)];
    let (_, shown) = pdg(50, &links, &["CRMID:c-1", "CRMID:c-2"]);
    assert_eq!(shown, ["CRMID:c-1 = [CRMID:c-1]", "CRMID:c-2 = [CRMID:c-2, Phone:test]"]);
}

#[test]
fn non_unique_namespaces_may_hold_several_identities() {
    let links = [link("CRMID:c-1", "ECID:e-1", 1, 1), link("CRMID:c-1", "ECID:e-2", 2, 2)];
    let (st, shown) = pdg(50, &links, &["CRMID:c-1"]);
    assert_eq!(shown, ["CRMID:c-1 = [CRMID:c-1, ECID:e-1, ECID:e-2]"]);
    assert!(st.refused.is_empty());
}

#[test]
fn a_link_closing_a_chain_between_two_unique_identities_is_refused() {
    // c-1 — e-1 — p (newest), c-2 — e-2 — p (older): only the oldest link making the clash goes.
    let links = [
        link("CRMID:c-1", "ECID:e-1", 10, 1),
        link("ECID:e-1", "Phone:p", 9, 2),
        link("CRMID:c-2", "ECID:e-2", 8, 3),
        link("ECID:e-2", "Phone:p", 7, 4),
    ];
    let (st, shown) = pdg(50, &links, &["CRMID:c-1", "CRMID:c-2"]);
    assert_eq!(shown, ["CRMID:c-1 = [CRMID:c-1, ECID:e-1, Phone:p]", "CRMID:c-2 = [CRMID:c-2, ECID:e-2]"]);
    assert_eq!(st.refused.iter().map(|r| r.link.seq).collect::<Vec<_>>(), [4]);
}

#[test]
fn two_unique_namespaces_are_each_checked() {
    // Same CRMID, two emails: Email is unique too, so the older email link is refused.
    let links = [link("CRMID:c-1", "Email:new@x", 2, 2), link("CRMID:c-1", "Email:old@x", 1, 1)];
    let (st, shown) = pdg(50, &links, &["CRMID:c-1", "Email:old@x"]);
    assert_eq!(shown, ["CRMID:c-1 = [CRMID:c-1, Email:new@x]", "Email:old@x = [Email:old@x]"]);
    assert!(st.refused[0].reason.contains("namespace Email is unique"), "{}", st.refused[0].reason);
}

#[test]
fn profile_id_takes_the_best_namespace_priority() {
    let links = [link("Email:e@x", "CRMID:c-9", 1, 1), link("ECID:e", "Email:e@x", 1, 2)];
    let (st, _) = pdg(50, &links, &["ECID:e"]);
    assert_eq!(st.profiles[0].profile_id, id("CRMID:c-9"));
}

#[test]
fn profile_id_puts_namespaces_without_priority_last() {
    let links = [link("Phone:111", "ECID:e", 1, 1)];
    let (st, _) = pdg(50, &links, &["Phone:111"]);
    assert_eq!(st.profiles[0].profile_id, id("ECID:e"));
}

#[test]
fn profile_id_ties_go_to_the_smallest_namespace_code() {
    let links = [link("ECID:e", "AAID:zzz", 1, 1)];
    let (st, _) = pdg(50, &links, &["ECID:e"]);
    assert_eq!(st.profiles[0].profile_id, id("AAID:zzz"));
}

#[test]
fn profile_id_ties_in_one_namespace_go_to_the_smallest_value() {
    let links = [link("ECID:b", "ECID:a", 1, 1), link("ECID:c", "ECID:b", 1, 2)];
    let (st, shown) = pdg(50, &links, &["ECID:c"]);
    assert_eq!(st.profiles[0].profile_id, id("ECID:a"));
    assert_eq!(shown, ["ECID:a = [ECID:a, ECID:b, ECID:c]"]);
}

#[test]
fn a_graph_without_data_is_not_a_profile() {
    let links = [link("CRMID:c-1", "ECID:e-1", 1, 1), link("CRMID:c-2", "ECID:e-2", 1, 2)];
    let (st, shown) = pdg(50, &links, &["ECID:e-2"]);
    assert_eq!(shown, ["CRMID:c-2 = [CRMID:c-2, ECID:e-2]"]);
    assert!(!st.profile_of.contains_key(&id("CRMID:c-1")));
}

#[test]
fn an_identity_without_links_is_a_profile_when_it_has_data() {
    let (_, shown) = pdg(50, &[], &["Phone:555"]);
    assert_eq!(shown, ["Phone:555 = [Phone:555]"]);
}

#[test]
fn profiles_are_sorted_by_profile_id_and_indexed_by_every_identity() {
    let links = [link("ECID:z", "Phone:1", 1, 1), link("AAID:q", "Email:b@x", 1, 2)];
    let (st, shown) = pdg(50, &links, &["ECID:z", "AAID:q"]);
    // Sorted as strings: "ECID:…" < "Email:…" because 'C' < 'm'.
    assert_eq!(shown, ["ECID:z = [ECID:z, Phone:1]", "Email:b@x = [AAID:q, Email:b@x]"]);
    assert_eq!(st.profile_of.len(), 4);
    assert_eq!(st.profile_of[&id("Phone:1")], 0);
    assert_eq!(st.profile_of[&id("AAID:q")], 1);
    assert_eq!(st.profile_for(&id("AAID:q")).map(|p| &p.profile_id), Some(&id("Email:b@x")));
    assert_eq!(st.profile_for(&id("CRMID:nobody")), None);
}

#[test]
fn self_links_and_repeated_links_change_nothing() {
    let links =
        [link("ECID:e", "ECID:e", 5, 1), link("CRMID:c", "ECID:e", 1, 2), link("CRMID:c", "ECID:e", 1, 2)];
    let (st, shown) = pdg(50, &links, &["ECID:e"]);
    assert_eq!(shown, ["CRMID:c = [CRMID:c, ECID:e]"]);
    assert!(st.refused.is_empty());
}

#[path = "identity/limits.rs"]
mod limits;
#[path = "identity/properties.rs"]
mod properties;
#[path = "identity/values.rs"]
mod values;
