//! Per-field merge strategies (SPEC 1.5).

use super::*;

// ---- field strategies ------------------------------------------------------------------------

#[test]
fn field_most_recent_overrides_data_set_precedence() {
    let p =
        policy(MergeType::DataSetPrecedence, &["crm", "web"], vec![field("x", Strategy::MostRecent, &[])]);
    let crm = frag(CRM, 1, 1, json!({"x": "crm", "y": "crm"}));
    let web = frag(WEB, 2, 2, json!({"x": "web", "y": "web"}));
    assert_eq!(entity(&[crm, web], &p), json!({"x": "web", "y": "crm"}));
}

#[test]
fn field_oldest_takes_the_oldest_fragment() {
    let p = policy(MergeType::TimestampOrdered, &[], vec![field("since", Strategy::Oldest, &[])]);
    let fs = [
        frag(CRM, 5, 1, json!({"since": "b"})),
        frag(WEB, 2, 2, json!({"since": "a"})),
        frag(LOYALTY, 2, 0, json!({})),
    ];
    assert_eq!(entity(&fs, &p), json!({"since": "a"}));
}

#[test]
fn field_data_set_precedence_uses_its_own_order() {
    let p = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![field("person.name", Strategy::DataSetPrecedence, &["loyalty", "crm"])],
    );
    let crm = frag(CRM, 9, 1, json!({"person": {"name": "crm", "age": 1}}));
    let loy = frag(LOYALTY, 1, 2, json!({"person": {"name": "loy", "age": 2}}));
    let web = frag(WEB, 99, 3, json!({"person": {"age": 3}}));
    assert_eq!(entity(&[crm, loy, web], &p), json!({"person": {"name": "loy", "age": 3}}));
}

#[test]
fn field_data_set_precedence_with_no_listed_dataset_leaves_the_field_out() {
    let p =
        policy(MergeType::TimestampOrdered, &[], vec![field("x", Strategy::DataSetPrecedence, &["loyalty"])]);
    assert_eq!(entity(&[frag(CRM, 1, 1, json!({"x": 1, "y": 2}))], &p), json!({"y": 2}));
}

#[test]
fn field_most_frequent_takes_the_commonest_value_ties_most_recent() {
    let p = policy(MergeType::TimestampOrdered, &[], vec![field("c", Strategy::MostFrequent, &[])]);
    let fs = [
        frag(CRM, 1, 1, json!({"c": "SE"})),
        frag(WEB, 2, 2, json!({"c": "NO"})),
        frag(LOYALTY, 3, 3, json!({"c": "SE"})),
    ];
    assert_eq!(entity(&fs, &p), json!({"c": "SE"}));
    let tie = [frag(CRM, 1, 1, json!({"c": "SE"})), frag(WEB, 2, 2, json!({"c": "NO"}))];
    assert_eq!(entity(&tie, &p), json!({"c": "NO"}));
}

#[test]
fn field_non_empty_treats_empty_values_as_absent() {
    let p = policy(MergeType::TimestampOrdered, &[], vec![field("p", Strategy::NonEmpty, &[])]);
    let old = frag(CRM, 1, 1, json!({"p": {"s": "x", "a": [1], "o": {"k": 1}}}));
    let new = frag(WEB, 2, 2, json!({"p": {"s": "", "a": [], "o": {}}}));
    assert_eq!(entity(&[old, new.clone()], &p), json!({"p": {"s": "x", "a": [1], "o": {"k": 1}}}));
    assert_eq!(entity(&[new], &p), json!({}));
}

#[test]
fn field_sum_adds_ints_as_ints_and_doubles_as_doubles() {
    let p = policy(MergeType::TimestampOrdered, &[], vec![field("n", Strategy::Sum, &[])]);
    let ints = [frag(CRM, 1, 1, json!({"n": 2})), frag(WEB, 2, 2, json!({"n": 40}))];
    assert_eq!(run(&ints, &p).entity["n"], Value::Int(42));
    assert!(matches!(run(&ints, &p).entity["n"], Value::Int(42)));
    let mixed = [frag(CRM, 1, 1, json!({"n": 2})), frag(WEB, 2, 2, json!({"n": 0.5}))];
    assert!(matches!(run(&mixed, &p).entity["n"], Value::Double(d) if d == 2.5));
}

#[test]
fn field_sum_ignores_non_numbers() {
    let p = policy(MergeType::TimestampOrdered, &[], vec![field("n", Strategy::Sum, &[])]);
    let fs = [
        frag(CRM, 1, 1, json!({"n": 2})),
        frag(WEB, 2, 2, json!({"n": "3"})),
        frag(LOYALTY, 3, 3, json!({"n": 3})),
    ];
    assert!(matches!(run(&fs, &p).entity["n"], Value::Int(5)));
}

#[test]
fn field_min_and_max_compare_numbers_and_keep_their_type() {
    let lo = policy(MergeType::TimestampOrdered, &[], vec![field("n", Strategy::Min, &[])]);
    let hi = policy(MergeType::TimestampOrdered, &[], vec![field("n", Strategy::Max, &[])]);
    let fs = [
        frag(CRM, 1, 1, json!({"n": 7})),
        frag(WEB, 2, 2, json!({"n": 2.5})),
        frag(LOYALTY, 3, 3, json!({"n": 11})),
    ];
    assert!(matches!(run(&fs, &lo).entity["n"], Value::Double(d) if d == 2.5));
    assert!(matches!(run(&fs, &hi).entity["n"], Value::Int(11)));
}

#[test]
fn field_union_collects_distinct_values_newest_first() {
    let p = policy(MergeType::TimestampOrdered, &[], vec![field("interests", Strategy::Union, &[])]);
    let fs = [
        frag(CRM, 1, 1, json!({"interests": ["golf", "tennis"]})),
        frag(WEB, 3, 2, json!({"interests": ["ski", "golf"]})),
        frag(LOYALTY, 2, 3, json!({"interests": "chess"})),
    ];
    assert_eq!(entity(&fs, &p), json!({"interests": ["ski", "golf", "chess", "tennis"]}));
}

#[test]
fn a_field_rule_covers_everything_under_its_path_and_the_longest_wins() {
    let p = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![field("loyalty", Strategy::Max, &[]), field("loyalty.tier", Strategy::Oldest, &[])],
    );
    let fs = [
        frag(
            CRM,
            1,
            1,
            json!({"loyalty": {"points": 500, "tier": "gold", "level": {"n": 9}}, "loyaltyX": 1}),
        ),
        frag(
            WEB,
            2,
            2,
            json!({"loyalty": {"points": 100, "tier": "bronze", "level": {"n": 3}}, "loyaltyX": 2}),
        ),
    ];
    assert_eq!(
        entity(&fs, &p),
        json!({"loyalty": {"points": 500, "tier": "gold", "level": {"n": 9}}, "loyaltyX": 2})
    );
}

#[test]
fn an_object_a_longer_rule_empties_goes_unless_a_fragment_holds_it_empty() {
    let p = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![field("address", Strategy::MostRecent, &[]), field("address.city", Strategy::NonEmpty, &[])],
    );
    let fs = [frag(CRM, 1, 1, json!({"address": {"city": ""}, "n": 1}))];
    assert_eq!(entity(&fs, &p), json!({"n": 1}));
    let filled = [frag(CRM, 1, 1, json!({"address": {"city": ""}})), frag(WEB, 2, 2, json!({"address": {}}))];
    assert_eq!(entity(&filled, &p), json!({"address": {}}));
}

#[test]
fn a_longer_rule_takes_values_the_shorter_rule_leaves_out() {
    let p = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![
            field("address", Strategy::DataSetPrecedence, &["crm"]),
            field("address.city", Strategy::MostRecent, &[]),
        ],
    );
    let crm = frag(CRM, 1, 1, json!({"address": {"city": "crm", "zip": "1"}}));
    let loyalty = frag(LOYALTY, 2, 2, json!({"address": {"city": "loyalty", "zip": "2"}}));
    assert_eq!(entity(&[crm, loyalty.clone()], &p), json!({"address": {"city": "loyalty", "zip": "1"}}));
    // With no crm address at all, the city still comes through its own rule; `zip` does not.
    assert_eq!(entity(&[loyalty], &p), json!({"address": {"city": "loyalty"}}));
    let only_outer = policy(
        MergeType::TimestampOrdered,
        &[],
        vec![field("address", Strategy::DataSetPrecedence, &["crm"])],
    );
    let loyalty = frag(LOYALTY, 2, 2, json!({"address": {"city": "loyalty"}, "n": 1}));
    assert_eq!(entity(&[loyalty], &only_outer), json!({"n": 1}));
}
