//! Identity stitching through the public API: one test per rule of SPEC 1.2, 1.4 and 3.

use mosaic::identity::{
    normalize_identity, primary_of_event, primary_of_record, stitch, Candidate, Identity, Link, Origin,
    Rejection, Stitching,
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
    let ns = settings(50).namespaces.iter().position(|n| n.code == code).expect("known namespace");
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
fn graph_limit_sheds_cookies_first() {
    let links = [
        link("CRMID:c", "ECID:cookie", 1, 1),
        link("CRMID:c", "IDFA:device", 0, 2),
        link("CRMID:c", "Phone:p", 0, 3),
    ];
    let (st, shown) = pdg(3, &links, &["CRMID:c", "ECID:cookie"]);
    assert_eq!(shown, ["CRMID:c = [CRMID:c, IDFA:device, Phone:p]", "ECID:cookie = [ECID:cookie]"]);
    assert_eq!(st.shed.len(), 1);
    assert_eq!(st.shed[0].identity, id("ECID:cookie"));
    assert_eq!(st.shed[0].from_profile, id("CRMID:c"));
    assert!(st.shed[0].reason.contains("graphLimit 3"), "{}", st.shed[0].reason);
}

#[test]
fn graph_limit_sheds_devices_after_cookies_then_the_rest() {
    let links = [
        link("CRMID:c", "ECID:cookie", 9, 1),
        link("CRMID:c", "IDFA:device", 9, 2),
        link("CRMID:c", "Phone:p", 1, 3),
        link("CRMID:c", "Email:e@x", 1, 4),
    ];
    let (st, _) = pdg(1, &links, &["CRMID:c"]);
    let s = settings(1);
    let order: Vec<String> = st.shed.iter().map(|x| x.identity.key(&s)).collect();
    assert_eq!(order, ["ECID:cookie", "IDFA:device", "Email:e@x", "Phone:p"]);
}

#[test]
fn within_a_type_the_identity_with_the_oldest_latest_link_goes_first() {
    let links = [
        link("CRMID:c", "ECID:old", 1, 1),
        link("CRMID:c", "ECID:new", 5, 2),
        link("ECID:old", "Phone:p", 3, 3), // old's most recent link is at 3, still older than 5
    ];
    let (st, shown) = pdg(3, &links, &["CRMID:c"]);
    assert_eq!(st.shed.iter().map(|x| x.identity.clone()).collect::<Vec<_>>(), [id("ECID:old")]);
    // Shedding ECID:old cuts Phone:p loose; it has no data, so it is no profile.
    assert_eq!(shown, ["CRMID:c = [CRMID:c, ECID:new]"]);
}

#[test]
fn shedding_ties_go_to_namespace_code_then_value() {
    let links =
        [link("CRMID:c", "ECID:b", 1, 1), link("CRMID:c", "ECID:a", 1, 2), link("CRMID:c", "AAID:z", 1, 3)];
    let (st, _) = pdg(2, &links, &["CRMID:c"]);
    let s = settings(2);
    let order: Vec<String> = st.shed.iter().map(|x| x.identity.key(&s)).collect();
    assert_eq!(order, ["AAID:z", "ECID:a"]);
}

#[test]
fn shedding_a_bridge_splits_the_graph() {
    // CRMID:c — ECID:bridge — Email:e@x; the cookie bridge is shed, the two sides part.
    let links = [link("CRMID:c", "ECID:bridge", 5, 1), link("ECID:bridge", "Email:e@x", 5, 2)];
    let (st, shown) = pdg(2, &links, &["CRMID:c", "Email:e@x", "ECID:bridge"]);
    assert_eq!(shown, ["CRMID:c = [CRMID:c]", "ECID:bridge = [ECID:bridge]", "Email:e@x = [Email:e@x]"]);
    assert_eq!(st.shed.len(), 1);
}

#[test]
fn a_shed_identity_without_data_is_no_profile_but_is_recorded() {
    let links = [link("CRMID:c", "ECID:x", 1, 1), link("CRMID:c", "Email:e@x", 2, 2)];
    let (st, shown) = pdg(2, &links, &["CRMID:c"]);
    assert_eq!(shown, ["CRMID:c = [CRMID:c, Email:e@x]"]);
    assert_eq!(st.shed[0].identity, id("ECID:x"));
    assert!(!st.profile_of.contains_key(&id("ECID:x")));
}

#[test]
fn the_shedding_order_counts_only_links_kept_by_pass_one() {
    // CRMID:a's newest link (5) is refused (Email:e already holds CRMID:x), so its most recent
    // kept link is 1, older than the phones' (3): CRMID:a goes, although 5 would have kept it.
    let links = [
        link("Email:e", "CRMID:x", 10, 1),
        link("Email:e", "CRMID:a", 5, 2),
        link("CRMID:a", "Phone:p", 1, 3),
        link("Phone:p", "Phone:q", 3, 4),
    ];
    let (st, shown) = pdg(2, &links, &["Phone:p"]);
    assert_eq!(st.refused.iter().map(|r| r.link.seq).collect::<Vec<_>>(), [2]);
    assert_eq!(st.shed.iter().map(|x| x.identity.clone()).collect::<Vec<_>>(), [id("CRMID:a")]);
    assert_eq!(shown, ["Phone:p = [Phone:p, Phone:q]"]);
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
}

#[test]
fn self_links_and_repeated_links_change_nothing() {
    let links =
        [link("ECID:e", "ECID:e", 5, 1), link("CRMID:c", "ECID:e", 1, 2), link("CRMID:c", "ECID:e", 1, 2)];
    let (st, shown) = pdg(50, &links, &["ECID:e"]);
    assert_eq!(shown, ["CRMID:c = [CRMID:c, ECID:e]"]);
    assert!(st.refused.is_empty());
}

#[test]
fn normalize_applies_the_namespace_steps_before_matching() {
    let mut email = ns("Email", NamespaceType::Email, false, None);
    email.normalize = vec![Normalize::Trim, Normalize::Lowercase];
    assert_eq!(&*normalize_identity(&email, "  Ann@Example.COM ").unwrap(), "ann@example.com");
    let mut up = ns("CODE", NamespaceType::Partner, false, None);
    up.normalize = vec![Normalize::Uppercase];
    assert_eq!(&*normalize_identity(&up, "ab-1").unwrap(), "AB-1");
    let plain = ns("ECID", NamespaceType::Cookie, false, None);
    assert_eq!(&*normalize_identity(&plain, " Keep ").unwrap(), " Keep ");
}

#[test]
fn normalize_drops_empty_blank_and_over_long_values() {
    let plain = ns("ECID", NamespaceType::Cookie, false, None);
    assert_eq!(normalize_identity(&plain, ""), Err(Rejection::Empty));
    assert_eq!(normalize_identity(&plain, "   "), Err(Rejection::Empty));
    assert!(normalize_identity(&plain, &"é".repeat(1024)).is_ok(), "1024 characters are allowed");
    assert_eq!(normalize_identity(&plain, &"x".repeat(1025)), Err(Rejection::TooLong));
}

#[test]
fn normalize_drops_junk_values_whatever_their_case() {
    let plain = ns("ECID", NamespaceType::Cookie, false, None);
    for junk in ["null", "NULL", "Anonymous", " invalid "] {
        assert!(matches!(normalize_identity(&plain, junk), Err(Rejection::Junk(_))), "{junk}");
    }
    assert!(normalize_identity(&plain, "nullable").is_ok());
}

#[test]
fn normalize_checks_the_pattern_on_the_normalized_value() {
    let mut crm = ns("CRMID", NamespaceType::CrossDevice, true, Some(1));
    crm.normalize = vec![Normalize::Trim, Normalize::Lowercase];
    crm.pattern = Some(regex::Regex::new("^c-[0-9]+$").unwrap());
    assert_eq!(&*normalize_identity(&crm, " C-12 ").unwrap(), "c-12");
    assert_eq!(normalize_identity(&crm, "x-12"), Err(Rejection::Pattern("CRMID".into())));
    assert_eq!(Rejection::Pattern("CRMID".into()).reason(), "pattern");
}

fn cand(s: &str, map_primary: bool, field_primary: bool) -> Candidate {
    Candidate { identity: id(s), map_primary, field_primary }
}

#[test]
fn event_primary_is_the_highest_priority_namespace_present() {
    let s = settings(50);
    let c = [cand("ECID:e", true, false), cand("IDFA:i", false, false), cand("CRMID:c", false, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("CRMID:c")));
    let c = [cand("ECID:e", true, false), cand("IDFA:i", false, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("IDFA:i")));
}

#[test]
fn event_primary_without_priorities_is_the_marked_then_the_first() {
    let s = settings(50);
    let c = [cand("Phone:1", false, false), cand("Phone:2", true, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("Phone:2")));
    let c = [cand("Phone:1", false, false), cand("Phone:2", false, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("Phone:1")));
    assert_eq!(primary_of_event(&[], &s), None);
}

#[test]
fn event_primary_within_the_best_namespace_prefers_the_marked_identity() {
    let s = settings(50);
    let c = [cand("ECID:a", false, false), cand("ECID:b", false, true), cand("Phone:p", true, false)];
    assert_eq!(primary_of_event(&c, &s), Some(&id("ECID:b")));
}

#[test]
fn record_primary_ignores_priorities() {
    let c = [cand("CRMID:c", false, false), cand("ECID:e", true, false), cand("Email:x", false, true)];
    assert_eq!(primary_of_record(&c), Some(&id("Email:x")));
    let c = [cand("CRMID:c", false, false), cand("ECID:e", true, false)];
    assert_eq!(primary_of_record(&c), Some(&id("ECID:e")));
    let c = [cand("ECID:e", false, false), cand("CRMID:c", false, false)];
    assert_eq!(primary_of_record(&c), Some(&id("ECID:e")));
}

#[test]
fn shed_reasons_name_the_time_in_rfc3339() {
    let links = [
        link("CRMID:c", "ECID:x", 1_790_000_000_000_000, 1),
        link("CRMID:c", "Email:e@x", 1_790_000_000_000_001, 2),
    ];
    let (st, _) = pdg(2, &links, &["CRMID:c"]);
    assert!(st.shed[0].reason.contains("2026-09-21T"), "{}", st.shed[0].reason);
    assert!(st.shed[0].reason.contains(".000Z"), "{}", st.shed[0].reason);
}

const IDS: [&str; 10] = [
    "CRMID:c-1",
    "CRMID:c-2",
    "ECID:e-1",
    "ECID:e-2",
    "ECID:e-3",
    "Email:a@x",
    "Email:b@x",
    "IDFA:d-1",
    "Phone:1",
    "AAID:q",
];

fn arb_links() -> impl Strategy<Value = Vec<Link>> {
    prop::collection::vec((0..IDS.len(), 0..IDS.len(), 0i64..4, 0u64..6), 0..14)
        .prop_map(|raw| raw.into_iter().map(|(a, b, t, s)| link(IDS[a], IDS[b], t, s)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn stitch_is_invariant_under_permutation_of_links(
        links in arb_links(),
        seed in any::<u64>(),
        limit in 2usize..6,
        owners in prop::collection::vec(0..IDS.len(), 1..5),
    ) {
        let s = settings(limit);
        let primaries: Vec<Identity> = owners.iter().map(|&i| id(IDS[i])).collect();
        let base = stitch(&s, GraphType::Pdg, &links, &primaries);
        let mut shuffled = links.clone();
        // A seeded Fisher–Yates shuffle keeps the case reproducible from the proptest seed.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let mut rev_primaries = primaries.clone();
        rev_primaries.reverse();
        let other = stitch(&s, GraphType::Pdg, &shuffled, &rev_primaries);
        prop_assert_eq!(show(&base, &s), show(&other, &s));
        prop_assert_eq!(&base.profile_of, &other.profile_of);
        prop_assert_eq!(&base.refused, &other.refused);
        prop_assert_eq!(&base.shed, &other.shed);
        for p in &base.profiles {
            prop_assert!(p.identities.len() <= limit);
        }
    }
}
