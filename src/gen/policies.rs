//! The policy files of a generated project: the retail example's, with the merge policy and
//! attribute set chosen by the options.

use crate::policy::GraphType;

pub const DATASETS: &str = include_str!("../../examples/retail/policies/datasets.yaml");
pub const IDENTITY: &str = include_str!("../../examples/retail/policies/identity.yaml");
const MERGE_PDG: &str = include_str!("../../examples/retail/policies/merge-policies.yaml");
const SPEND: &str = include_str!("../../examples/retail/policies/attributes/spend.yaml");
const ENGAGEMENT: &str = include_str!("../../examples/retail/policies/attributes/engagement.yaml");
const PRODUCTS: &str = include_str!("../../examples/retail/policies/attributes/products.yaml");
const VIP: &str = include_str!("../../examples/retail/policies/audiences/vip.yaml");
const MARKETING: &str = include_str!("../../examples/retail/policies/audiences/marketing.yaml");

const MERGE_NONE: &str = "\
# No stitching: each profile is one identity (the primary identity of its records and events).
kind: MergePolicy
name: unstitched
default: true
identityGraph: { type: none }
attributeMerge: { type: timestampOrdered }
";

/// The three attributes of the DuckDB comparison (scripts/bench-duckdb.sh computes the same in SQL).
pub const BENCHMARK: &str = r#"# The three attributes that scripts/bench-duckdb.sh also computes with DuckDB.
kind: ComputedAttribute
name: totalSpend30d
displayName: Total spend, 30 days
duration: { count: 30, unit: DAYS }
expression: xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal)
---
kind: ComputedAttribute
name: pageViews7d
displayName: Page views, 7 days
duration: { count: 7, unit: DAYS }
expression: xEvent[eventType = "web.webpagedetails.pageViews"].count()
---
kind: ComputedAttribute
name: largestOrder90d
displayName: Largest order, 90 days
duration: { count: 90, unit: DAYS }
expression: xEvent[eventType = "commerce.purchases"].max(commerce.order.priceTotal)
"#;

/// (path relative to `policies/`, contents) of every policy file to write.
pub fn files(graph: GraphType, bench: bool) -> Vec<(&'static str, &'static str)> {
    let merge = match graph {
        GraphType::Pdg => MERGE_PDG,
        GraphType::None => MERGE_NONE,
    };
    let mut files =
        vec![("datasets.yaml", DATASETS), ("identity.yaml", IDENTITY), ("merge-policies.yaml", merge)];
    if bench {
        // Only what DuckDB computes too, so both sides do the same work.
        files.push(("attributes/benchmark.yaml", BENCHMARK));
    } else {
        // The example already holds the three benchmark attributes (in spend and engagement).
        files.extend([
            ("attributes/spend.yaml", SPEND),
            ("attributes/engagement.yaml", ENGAGEMENT),
            ("attributes/products.yaml", PRODUCTS),
            ("audiences/vip.yaml", VIP),
            ("audiences/marketing.yaml", MARKETING),
        ]);
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_set_holds_the_benchmark_attributes() {
        let all: String = files(GraphType::Pdg, false).iter().map(|(_, t)| *t).collect();
        for name in ["totalSpend30d", "pageViews7d", "largestOrder90d"] {
            assert!(all.contains(&format!("name: {name}\n")), "{name}");
        }
        let bench = files(GraphType::None, true);
        assert!(bench.iter().any(|(_, t)| t.contains("type: none")));
        assert!(!bench.iter().any(|(p, _)| p.starts_with("audiences/")));
    }
}
