//! Properties of merging over random fragments: the timestampOrdered rule and order independence.

use super::*;
use mosaic::policy::Strategy;
use proptest::prelude::{
    any, prop, prop_assert, prop_assert_eq, prop_oneof, proptest, Just, ProptestConfig, Strategy as Gen,
};
use std::cmp::Reverse;

const KEYS: [&str; 3] = ["a", "b", "c"];

/// Fragments with distinct primary identities (a fragment is keyed by dataset and primary).
fn arb_fragments() -> impl Gen<Value = Vec<Fragment>> {
    let one = (0u32..3, 0i64..4, 0u64..4, prop::collection::vec(prop::option::of(-3i64..4), 3));
    prop::collection::vec(one, 0..6).prop_map(|raw| {
        raw.into_iter()
            .enumerate()
            .map(|(i, (dataset, time, seq, vals))| {
                let mut rec = Map::new();
                for (k, v) in KEYS.iter().zip(vals) {
                    rec.insert(k.to_string(), v.map_or(Value::Null, Value::Int));
                }
                let primary = Identity::new(0, format!("p-{i}"));
                apply_record(None, &primary, &rec, time, seq, origin(dataset, i as u64), false)
            })
            .collect()
    })
}

/// Nested records: objects (empty ones too), arrays, scalars and nulls, with an `identityMap`
/// among the keys at any level.
fn arb_record() -> impl Gen<Value = Map> {
    let key = || prop::sample::select(vec!["a", "b", "identityMap"]).prop_map(String::from);
    let leaf = prop_oneof![
        Just(Value::Null),
        (-3i64..4).prop_map(Value::Int),
        "[ab]{0,2}".prop_map(|s| Value::string(&s)),
        Just(Value::array(vec![Value::Int(1), Value::Null])),
    ];
    let value = leaf.prop_recursive(3, 24, 3, move |inner| {
        prop::collection::btree_map(key(), inner, 0..3).prop_map(Value::object)
    });
    prop::collection::btree_map(key(), value, 0..4)
}

fn arb_strategy() -> impl Gen<Value = Strategy> {
    prop::sample::select(vec![
        Strategy::MostRecent,
        Strategy::Oldest,
        Strategy::MostFrequent,
        Strategy::NonEmpty,
        Strategy::Sum,
        Strategy::Min,
        Strategy::Max,
        Strategy::Union,
    ])
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn timestamp_ordered_takes_the_newest_present_value(frags in arb_fragments()) {
        let m = run(&frags, &ts());
        for k in KEYS {
            let newest = frags
                .iter()
                .filter(|f| f.attrs.contains_key(k))
                .max_by_key(|f| (f.time, f.seq, Reverse(f.dataset), Reverse(f.primary.clone())));
            prop_assert_eq!(m.entity.get(k), newest.map(|f| &f.attrs[k]));
        }
        prop_assert_eq!(m.last_modified, frags.iter().map(|f| f.time).max());
    }

    #[test]
    fn merging_does_not_depend_on_fragment_order(
        frags in arb_fragments(),
        strategy in arb_strategy(),
        precedence in any::<bool>(),
    ) {
        let p = if precedence {
            policy(MergeType::DataSetPrecedence, &["web", "crm"], vec![field("a", strategy, &[])])
        } else {
            policy(MergeType::TimestampOrdered, &[], vec![field("a", strategy, &[])])
        };
        let mut rev = frags.clone();
        rev.reverse();
        prop_assert_eq!(run(&frags, &p), run(&rev, &p));
    }

    #[test]
    fn sum_min_and_max_agree_with_the_numbers(frags in arb_fragments()) {
        let values: Vec<i64> = frags
            .iter()
            .filter_map(|f| match f.attrs.get("a") { Some(Value::Int(i)) => Some(*i), _ => None })
            .collect();
        let get = |s: Strategy| run(&frags, &policy(MergeType::TimestampOrdered, &[], vec![field("a", s, &[])])).entity.get("a").cloned();
        let expect = |v: Option<i64>| v.map(Value::Int);
        prop_assert_eq!(get(Strategy::Sum), expect((!values.is_empty()).then(|| values.iter().sum())));
        prop_assert_eq!(get(Strategy::Min), expect(values.iter().min().copied()));
        prop_assert_eq!(get(Strategy::Max), expect(values.iter().max().copied()));
    }

    #[test]
    fn one_fragment_merges_as_the_general_walk_merges_it(
        records in prop::collection::vec((arb_record(), any::<bool>()), 1..4),
        dataset in 0u32..3,
        precedence in any::<bool>(),
    ) {
        // A run builds fragments without leaf origins; they hold the same data.
        let (mut traced, mut untraced) = (None, None);
        for (i, (rec, upsert)) in records.iter().enumerate() {
            let (t, s, o) = (i as i64, i as u64, origin(dataset, i as u64));
            traced = Some(apply_record(traced, &who(), rec, t, s, o, *upsert));
            let source = LeafSource { origin: o, time: t, seq: s };
            untraced = Some(apply_record_untraced(untraced, &who(), rec, source, *upsert));
        }
        let (traced, untraced) = (traced.expect("one record at least"), untraced.expect("one record at least"));
        prop_assert_eq!(&untraced.attrs, &traced.attrs);
        prop_assert_eq!((untraced.time, untraced.seq), (traced.time, traced.seq));
        prop_assert!(untraced.origins.is_empty());
        // Not explaining, one fragment is taken as it is; explaining walks every path.
        let p = if precedence { policy(MergeType::DataSetPrecedence, &["web", "crm"], vec![]) } else { ts() };
        let fast = merge(&[&untraced], &p, &datasets(), false);
        let walked = merge(&[&traced], &p, &datasets(), true);
        prop_assert_eq!(fast.entity, walked.entity);
        prop_assert_eq!((fast.sources, fast.last_modified), (walked.sources, walked.last_modified));
    }
}
