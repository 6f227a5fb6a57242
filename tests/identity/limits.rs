//! Pass 2 of stitching (SPEC 3): graphLimit shedding order and the splits it causes.

use super::*;

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
    let reason = &st.shed[0].reason;
    assert!(reason.contains("graphLimit 3") && reason.contains("cookie namespace ECID"), "{reason}");
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
fn shed_reasons_name_the_time_in_rfc3339() {
    let links = [
        link("CRMID:c", "ECID:x", 1_790_000_000_000_000, 1),
        link("CRMID:c", "Email:e@x", 1_790_000_000_000_001, 2),
    ];
    let (st, _) = pdg(2, &links, &["CRMID:c"]);
    assert!(st.shed[0].reason.contains("2026-09-21T"), "{}", st.shed[0].reason);
    assert!(st.shed[0].reason.contains(".000Z"), "{}", st.shed[0].reason);
}
