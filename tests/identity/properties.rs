//! Properties of stitching over random inputs: order independence and the graph invariants.

use super::*;

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
        // The fast index sort in `components` must agree with the documented `link_order`.
        for c in components(&s, &shuffled, &primaries) {
            for w in c.links.windows(2) {
                prop_assert_ne!(link_order(&s, w[0], w[1]), std::cmp::Ordering::Greater);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn stitched_profiles_keep_the_graph_invariants(
        links in arb_links(),
        limit in 1usize..6,
        owners in prop::collection::vec(0..IDS.len(), 1..6),
    ) {
        let s = settings(limit);
        let primaries: Vec<Identity> = owners.iter().map(|&i| id(IDS[i])).collect();
        let st = stitch(&s, GraphType::Pdg, &links, &primaries);
        // Every identity that owns data is in exactly one profile, and profile_of agrees.
        for p in &primaries {
            let at = st.profile_of.get(p).copied();
            prop_assert!(at.is_some_and(|i| st.profiles[i].identities.contains(p)));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in st.profiles.iter().enumerate() {
            prop_assert!(p.identities.len() <= limit);
            prop_assert!(p.identities.iter().any(|x| primaries.contains(x)), "a profile without data");
            prop_assert!(p.identities.contains(&p.profile_id));
            for x in &p.identities {
                prop_assert!(seen.insert(x.clone()), "identity in two profiles");
                prop_assert_eq!(st.profile_of[x], i);
            }
            // Unique namespaces (CRMID, Email) hold at most one identity per profile.
            for code in ["CRMID", "Email"] {
                let n = p.identities.iter().filter(|x| x.code(&s) == code).count();
                prop_assert!(n <= 1, "two {} identities in {:?}", code, p.identities);
            }
        }
        let keys: Vec<String> = st.profiles.iter().map(|p| p.profile_id.key(&s)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        prop_assert_eq!(keys, sorted);
    }

    #[test]
    fn none_gives_one_profile_per_distinct_primary(
        links in arb_links(),
        owners in prop::collection::vec(0..IDS.len(), 0..8),
    ) {
        let s = settings(50);
        let primaries: Vec<Identity> = owners.iter().map(|&i| id(IDS[i])).collect();
        let st = stitch(&s, GraphType::None, &links, &primaries);
        let distinct: std::collections::HashSet<&Identity> = primaries.iter().collect();
        prop_assert_eq!(st.profiles.len(), distinct.len());
        prop_assert!(st.profiles.iter().all(|p| p.identities == [p.profile_id.clone()]));
    }
}
