//! The README.md of a generated project: how it was made and how to run it.

use super::{Summary, REFERENCE};
use crate::policy::GraphType;
use std::fmt::Write as _;

pub fn render(s: &Summary) -> String {
    let o = &s.options;
    let graph = match o.identity_graph {
        GraphType::Pdg => "pdg",
        GraphType::None => "none",
    };
    let mut t = String::new();
    let _ = writeln!(t, "# Synthetic retail project\n");
    let _ = writeln!(
        t,
        "Written by `mosaic gen . --profiles {} --events-per-profile {} --seed {}{}{}`; the same\ncommand writes the same bytes.\n",
        o.profiles,
        o.events_per_profile,
        o.seed,
        if o.identity_graph == GraphType::None && !o.bench { " --identity-graph none" } else { "" },
        if o.bench { " --bench" } else { "" },
    );
    let _ = writeln!(t, "- seed: {}", o.seed);
    let _ = writeln!(t, "- profiles: {}", o.profiles);
    let _ = writeln!(t, "- events: {} (about {} per profile)", s.events(), o.events_per_profile);
    let _ = writeln!(t, "- identity graph of the default merge policy: {graph}");
    let _ = writeln!(
        t,
        "- policies: {}\n",
        if o.bench { "the three benchmark attributes only" } else { "those of examples/retail" }
    );
    let _ = writeln!(t, "Event times lie in the 120 days before {REFERENCE}; run with that as-of:\n");
    let _ = writeln!(t, "```sh\nmosaic run . --as-of {REFERENCE}\n```\n");
    let _ = writeln!(t, "| dataset | folder | files | records | duplicates | bad lines |");
    let _ = writeln!(t, "|---|---|---|---|---|---|");
    for d in &s.datasets {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} |",
            d.name,
            d.path,
            d.files.len(),
            d.records,
            d.duplicates,
            d.bad
        );
    }
    let _ = writeln!(
        t,
        "\nBad lines (invalid JSON, no identity, no or an invalid timestamp, a CSV row with more cells\n\
         than its header) must be rejected and counted; duplicates are identical re-sent events (same\n\
         `_id`). About 0.5% of people share their main device with the previous person; one in fifty\n\
         CRM records is replaced by `updates-0001.jsonl`; `patch-0001.csv` patches loyalty points and\n\
         removes some promo codes with an explicit `null` cell."
    );
    t
}
