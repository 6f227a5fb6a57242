//! The run report (`out/report.json`): counts of everything a run did. Everything but
//! `timings` and `run` is deterministic for the same data, policies and as-of.

use serde::Serialize;
use std::collections::BTreeMap;

/// Rejection counts: dataset → batch → reason → lines.
pub type Rejections = BTreeMap<String, BTreeMap<String, BTreeMap<String, u64>>>;

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub as_of: String,
    pub policy: String,
    pub engine: String,
    pub batches: u64,
    pub records: u64,
    pub events: u64,
    pub duplicate_events: u64,
    pub fragments: u64,
    pub links: u64,
    pub refused_links: u64,
    pub shed_identities: u64,
    /// Each shed identity `NS:VALUE` → (the profile id of its graph before shedding, the
    /// reason); kept in the store for `mosaic profile` and `explain`, not in report.json.
    #[serde(skip)]
    pub shed: Vec<(String, String, String)>,
    pub dropped_identities: u64,
    pub type_mismatches: u64,
    pub profiles: u64,
    pub rejected: u64,
    pub rejections: Rejections,
    /// What this run itself did (depends on what earlier runs stored).
    pub run: RunStats,
    /// Milliseconds per stage: the one part that differs from run to run.
    pub timings: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunStats {
    /// Batches read from files by this run.
    pub ingested_batches: u64,
    /// Batches found in the store, already ingested by an earlier run.
    pub stored_batches: u64,
}

impl Report {
    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// A short human summary for stdout.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} profiles from {} records and {} events in {} batches ({} new)\n",
            self.profiles, self.records, self.events, self.batches, self.run.ingested_batches
        );
        s += &format!(
            "links: {} ({} refused), shed identities: {}, duplicate events: {}\n",
            self.links, self.refused_links, self.shed_identities, self.duplicate_events
        );
        if self.rejected > 0 || self.dropped_identities > 0 || self.type_mismatches > 0 {
            s += &format!(
                "rejected lines: {}, dropped identities: {}, type mismatches: {}\n",
                self.rejected, self.dropped_identities, self.type_mismatches
            );
        }
        let total: u64 = self.timings.values().sum();
        s += &format!("as of {} with policy `{}` ({} ms)\n", self.as_of, self.policy, total);
        s
    }
}
