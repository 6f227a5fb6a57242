//! What an evaluation changed: old and new profiles compared line by line, and each changed
//! profile described (attributes, computed attributes, audience entries and exits) for
//! `out/changes.jsonl`.

use rayon::prelude::*;
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

/// Profiles by profileId, as their `profiles.jsonl` lines.
pub type Profiles = BTreeMap<String, String>;

/// Reads a `profiles.jsonl` (a missing file has no profiles; an unreadable line is skipped,
/// which at worst reports its profile as new).
pub fn read_profiles(path: &Path) -> std::io::Result<Profiles> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Profiles::new()),
        Err(e) => return Err(e),
    };
    Ok(profiles_of(text.lines().map(str::to_string)))
}

/// Profiles by profileId from their JSON lines (a line without one is skipped).
pub fn profiles_of(lines: impl IntoIterator<Item = String>) -> Profiles {
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "profileId")]
        profile_id: String,
    }
    let mut out = Profiles::new();
    for line in lines {
        if let Ok(head) = serde_json::from_str::<Head>(&line) {
            out.insert(head.profile_id, line);
        }
    }
    out
}

/// A computed attribute's name and where it lands in the entity.
pub struct AttributePath<'a> {
    pub name: &'a str,
    pub path: &'a [String],
}

/// The `changes.jsonl` lines for every profile that differs between `old` and `new`, sorted
/// by profileId: a new or changed profile is its JSON plus `changedAt` and `changes`; a
/// profile that is gone (joined into another, or its data deleted) is its id, `changedAt`
/// and `"change": "removed"`.
pub fn diff(old: &Profiles, new: &Profiles, attributes: &[AttributePath], changed_at: &str) -> Vec<String> {
    let mut ids: Vec<&String> = old.keys().chain(new.keys()).collect();
    ids.sort_unstable();
    ids.dedup();
    // Profiles are described in parallel (each is parsed and written again), in id order.
    ids.par_iter().filter_map(|&id| change(id, old.get(id), new.get(id), attributes, changed_at)).collect()
}

/// The `changes.jsonl` line of profile `id` (see [`diff`]): `None` when it did not change.
fn change(
    id: &str,
    o: Option<&String>,
    n: Option<&String>,
    attributes: &[AttributePath],
    changed_at: &str,
) -> Option<String> {
    if o == n {
        return None;
    }
    let parse = |l: Option<&String>| l.and_then(|l| serde_json::from_str::<Json>(l).ok());
    let line = match parse(n) {
        Some(Json::Object(mut profile)) => {
            let changes = describe(parse(o).as_ref(), &profile, attributes);
            profile.insert("changedAt".into(), Json::String(changed_at.into()));
            profile.insert("changes".into(), changes);
            Json::Object(profile)
        }
        _ => {
            let mut m = Map::new();
            m.insert("profileId".into(), Json::String(id.to_string()));
            m.insert("changedAt".into(), Json::String(changed_at.into()));
            m.insert("change".into(), Json::String("removed".into()));
            Json::Object(m)
        }
    };
    Some(line.to_string())
}

/// `{"change": "created"|"updated", "attributes": [paths], "computedAttributes": [names],
/// "audiences": {"entered": [..], "exited": [..]}, "identities": {"added": [..], "removed": [..]}}`.
fn describe(old: Option<&Json>, new: &Map<String, Json>, attributes: &[AttributePath]) -> Json {
    let empty = Json::Object(Map::new());
    let old_profile = old.unwrap_or(&empty);
    let field = |name: &str| new.get(name).unwrap_or(&Json::Null);
    let mut leaves_old = BTreeMap::new();
    let mut leaves_new = BTreeMap::new();
    flatten(&old_profile["entity"], String::new(), &mut leaves_old);
    flatten(field("entity"), String::new(), &mut leaves_new);
    let mut plain = BTreeSet::new();
    let mut computed = BTreeSet::new();
    let keys: BTreeSet<&String> = leaves_old.keys().chain(leaves_new.keys()).collect();
    for k in keys {
        if leaves_old.get(k) == leaves_new.get(k) {
            continue;
        }
        match attributes.iter().find(|a| under(k, a.path)) {
            Some(a) => computed.insert(a.name.to_string()),
            None => plain.insert(k.clone()),
        };
    }
    let set = |v: &Json| -> BTreeSet<String> {
        v.as_array().map(|a| a.iter().map(|x| x.to_string()).collect()).unwrap_or_default()
    };
    let names = |v: &Json| -> BTreeSet<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(String::from)).collect())
            .unwrap_or_default()
    };
    let (aud_old, aud_new) = (names(&old_profile["audiences"]), names(field("audiences")));
    let (ids_old, ids_new) = (set(&old_profile["identities"]), set(field("identities")));
    let list = |s: Vec<&String>| Json::Array(s.into_iter().map(|x| Json::String(x.clone())).collect());
    let ids = |s: Vec<&String>| {
        Json::Array(s.into_iter().filter_map(|x| serde_json::from_str::<Json>(x).ok()).collect())
    };
    serde_json::json!({
        "change": if old.is_some() { "updated" } else { "created" },
        "attributes": list(plain.iter().collect()),
        "computedAttributes": list(computed.iter().collect()),
        "audiences": {
            "entered": list(aud_new.difference(&aud_old).collect()),
            "exited": list(aud_old.difference(&aud_new).collect()),
        },
        "identities": {
            "added": ids(ids_new.difference(&ids_old).collect()),
            "removed": ids(ids_old.difference(&ids_new).collect()),
        },
    })
}

/// Whether the dotted `key` is `path` or lies below it (segment by segment: joining the path
/// for every leaf of every profile was most of a full diff's time).
fn under(key: &str, path: &[String]) -> bool {
    let mut rest = key;
    for (i, segment) in path.iter().enumerate() {
        if i > 0 {
            let Some(after) = rest.strip_prefix('.') else { return false };
            rest = after;
        }
        let Some(after) = rest.strip_prefix(segment.as_str()) else { return false };
        rest = after;
    }
    rest.is_empty() || rest.starts_with('.')
}

/// Leaf values of an entity by dotted path (arrays are leaves: they change as a whole).
fn flatten(v: &Json, prefix: String, out: &mut BTreeMap<String, Json>) {
    match v {
        Json::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(v, key, out);
            }
        }
        Json::Null if prefix.is_empty() => {}
        _ => {
            out.insert(prefix, v.clone());
        }
    }
}

/// Appends lines to `changes.jsonl` and syncs them, so a line once logged survives a kill.
pub fn append(path: &Path, lines: &[String]) -> std::io::Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut buf = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for l in lines {
        buf.push_str(l);
        buf.push('\n');
    }
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    f.write_all(buf.as_bytes())?;
    f.sync_data()
}

/// `2345` → `2,345`, for log lines.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_is_the_dotted_path_or_below_it() {
        let path = |p: &str| -> Vec<String> { p.split('.').map(String::from).collect() };
        let joined = |key: &str, p: &[String]| {
            let j = p.join(".");
            key == j || key.strip_prefix(j.as_str()).is_some_and(|rest| rest.starts_with('.'))
        };
        let paths = [path("computedAttributes.spend"), path("a"), Vec::new()];
        for key in [
            "computedAttributes.spend",
            "computedAttributes.spend.x",
            "computedAttributes.spender",
            "computedAttributes",
            "a",
            "a.b",
            "ab",
            "",
            ".a",
            "b.a",
        ] {
            for p in &paths {
                assert_eq!(under(key, p), joined(key, p), "{key} under {p:?}");
            }
        }
    }

    fn profiles(lines: &[&str]) -> Profiles {
        lines
            .iter()
            .map(|l| {
                let v: Json = serde_json::from_str(l).unwrap();
                (v["profileId"].as_str().unwrap().to_string(), l.to_string())
            })
            .collect()
    }

    #[test]
    fn describes_attribute_and_audience_changes() {
        let old = profiles(&[
            r#"{"profileId":"a","identities":[{"namespace":"CRMID","id":"a"}],"entity":{"name":"Ann","computedAttributes":{"s":1}},"audiences":["x"]}"#,
            r#"{"profileId":"b","entity":{},"audiences":[]}"#,
            r#"{"profileId":"c","entity":{},"audiences":[]}"#,
        ]);
        let new = profiles(&[
            r#"{"profileId":"a","identities":[{"namespace":"CRMID","id":"a"}],"entity":{"name":"Ann","computedAttributes":{"s":2}},"audiences":["y"]}"#,
            r#"{"profileId":"c","entity":{},"audiences":[]}"#,
            r#"{"profileId":"d","entity":{"name":"Dee"},"audiences":[]}"#,
        ]);
        let path = ["computedAttributes".to_string(), "s".to_string()];
        let attrs = [AttributePath { name: "s", path: &path }];
        let lines = diff(&old, &new, &attrs, "T");
        assert_eq!(lines.len(), 3);
        let a: Json = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(a["changes"]["computedAttributes"], serde_json::json!(["s"]));
        assert_eq!(a["changes"]["attributes"], serde_json::json!([]));
        assert_eq!(a["changes"]["audiences"]["entered"], serde_json::json!(["y"]));
        assert_eq!(a["changes"]["audiences"]["exited"], serde_json::json!(["x"]));
        assert_eq!(a["changedAt"], "T");
        assert_eq!(lines[1], r#"{"profileId":"b","changedAt":"T","change":"removed"}"#);
        let d: Json = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(d["changes"]["change"], "created");
        assert_eq!(d["changes"]["attributes"], serde_json::json!(["name"]));
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2345), "2,345");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
