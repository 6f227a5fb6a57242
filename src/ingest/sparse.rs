//! Parsing a JSON line into only the parts a run reads.
//!
//! An event line is mostly fields no rule reads (URLs, product lists, identity metadata).
//! Building the whole `serde_json::Value` tree costs an allocation per key and value; here the
//! line is walked once with a [`Trie`] of wanted paths: wanted values are built, everything
//! else is skipped with `IgnoredAny`, which still checks the JSON syntax, so a malformed line
//! is rejected exactly as a full parse would reject it. Arrays on the way are projected item by
//! item with the same sub-paths, as `ingest::typed::project_path` reads them.

use super::idmap::{self, IdentityMap};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A set of dotted paths, as a tree of keys. A node marked `whole` keeps its value entirely.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trie {
    whole: bool,
    children: BTreeMap<String, Trie>,
}

impl Trie {
    /// The trie of `paths` (each a list of keys; an empty path keeps everything).
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a [String]>) -> Trie {
        let mut trie = Trie::default();
        for p in paths {
            trie.insert(p);
        }
        trie
    }

    /// Adds one path; keys already covered by a `whole` node add nothing.
    pub fn insert(&mut self, path: &[String]) {
        let mut node = self;
        for key in path {
            if node.whole {
                return;
            }
            node = node.children.entry(key.clone()).or_default();
        }
        node.whole = true;
        node.children.clear();
    }

    /// Adds a dotted path (`a.b.c`).
    pub fn insert_dotted(&mut self, path: &str) {
        let keys: Vec<String> = path.split('.').map(str::to_string).collect();
        self.insert(&keys);
    }

    /// Whether the trie keeps everything (it holds the empty path).
    pub fn is_whole(&self) -> bool {
        self.whole
    }

    /// The sub-trie under `key`, when a path goes through it.
    pub fn child(&self, key: &str) -> Option<&Trie> {
        self.children.get(key)
    }

    /// The keys a path goes through from here, with their sub-tries, sorted.
    pub fn children(&self) -> impl Iterator<Item = (&String, &Trie)> {
        self.children.iter()
    }
}

/// How to parse the lines of one dataset: the paths to build, and whether the top-level
/// `identityMap` is read apart (when no rule reads inside it).
#[derive(Debug, Clone)]
pub struct Plan {
    pub trie: Trie,
    pub identities_apart: bool,
    /// Where the scanner puts each value ingest reads, when a line can be read straight into
    /// them (see `ingest::direct`); set by the caller, which knows what each path is for.
    pub slots: Option<super::direct::Slots>,
}

impl Plan {
    /// The plan for `paths` (what rules read) plus `own` (what ingest itself reads, dotted),
    /// with `identityMap` read apart unless a rule reads inside it.
    pub fn new(paths: &[Vec<String>], own: &[&str]) -> Plan {
        let mut trie = Trie::new(paths.iter().map(Vec::as_slice));
        let identities_apart = !trie.whole && !trie.children.contains_key("identityMap");
        for p in own {
            trie.insert_dotted(p);
        }
        if !identities_apart {
            trie.insert_dotted("identityMap");
        }
        Plan { trie, identities_apart, slots: None }
    }

    /// Parses one line (see [`parse`] and [`parse_with_identities`]): by the byte scanner
    /// (`ingest::scan`) when it takes the line, else by serde, which gives the same result or
    /// serde_json's error.
    pub fn parse<'t>(&self, text: &'t str) -> serde_json::Result<(Value, Option<IdentityMap<'t>>)> {
        match super::scan::parse(text, self) {
            Some(done) => Ok(done),
            None => self.parse_by_serde(text),
        }
    }

    /// [`Plan::parse`] without the scanner: the reference the scanner is tested against.
    pub fn parse_by_serde(&self, text: &str) -> serde_json::Result<(Value, Option<IdentityMap<'static>>)> {
        match self.identities_apart {
            true => parse_with_identities(text, &self.trie),
            false => parse(text, &self.trie).map(|v| (v, None)),
        }
    }
}

/// Parses `text` keeping only what `trie` reaches. Errors are serde_json's, with the same
/// messages a full parse gives for the same syntax error.
pub fn parse(text: &str, trie: &Trie) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Slim(trie).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Like [`parse`], but the top-level `identityMap` is read into an [`IdentityMap`] (and left
/// out of the value) when the line is an object.
pub fn parse_with_identities(
    text: &str,
    trie: &Trie,
) -> serde_json::Result<(Value, Option<IdentityMap<'static>>)> {
    let mut de = serde_json::Deserializer::from_str(text);
    let (value, ids) = de.deserialize_any(TopVisitor(trie))?;
    de.end()?;
    Ok((value, ids))
}

/// The top level of an event line: like [`SlimVisitor`], with `identityMap` read by
/// [`idmap::Seed`].
struct TopVisitor<'t>(&'t Trie);

impl<'de> Visitor<'de> for TopVisitor<'_> {
    type Value = (Value, Option<IdentityMap<'static>>);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut ids = None;
        let out = slim_map(self.0, map, Some(&mut ids))?;
        Ok((Value::Object(out), ids))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SlimVisitor(self.0).visit_seq(seq).map(|v| (v, None))
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok((Value::Bool(v), None))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok((Value::from(v), None))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok((Value::from(v), None))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        SlimVisitor(self.0).visit_f64(v).map(|v| (v, None))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((Value::String(v.to_string()), None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok((Value::Null, None))
    }
}

/// A value parsed through `trie`.
struct Slim<'t>(&'t Trie);

impl<'de> DeserializeSeed<'de> for Slim<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        if self.0.whole {
            return serde::Deserialize::deserialize(de);
        }
        de.deserialize_any(SlimVisitor(self.0))
    }
}

struct SlimVisitor<'t>(&'t Trie);

impl<'de> Visitor<'de> for SlimVisitor<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        Slim(self.0).deserialize(de)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Slim(self.0))? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Value, A::Error> {
        slim_map(self.0, map, None).map(Value::Object)
    }
}

/// The members of an object that `trie` reaches; with `ids`, a top-level `identityMap` is read
/// into it instead (the last one wins, as in a JSON object).
fn slim_map<'de, A: MapAccess<'de>>(
    trie: &Trie,
    mut map: A,
    mut ids: Option<&mut Option<IdentityMap>>,
) -> Result<Map<String, Value>, A::Error> {
    let mut out = Map::new();
    while let Some(key) = map.next_key::<Cow<'de, str>>()? {
        if let (Some(ids), "identityMap") = (ids.as_deref_mut(), key.as_ref()) {
            *ids = map.next_value_seed(idmap::Seed)?;
            continue;
        }
        match trie.children.get(key.as_ref()) {
            Some(child) => {
                let value = map.next_value_seed(Slim(child))?;
                out.insert(key.into_owned(), value);
            }
            None => {
                map.next_value::<IgnoredAny>()?;
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference the sparse parse must agree with: drops from `json` everything that [`crate::ingest::typed::project_path`] cannot reach by one of `paths`, so that
    /// `project_path` returns the same value as before for each of them.
    fn keep_paths(json: &mut serde_json::Value, paths: &[&[String]]) {
        if paths.iter().any(|p| p.is_empty()) {
            return;
        }
        match json {
            serde_json::Value::Object(obj) => obj.retain(|key, v| {
                if !paths.iter().any(|p| p[0] == *key) {
                    return false;
                }
                let rest: Vec<&[String]> = paths.iter().filter(|p| p[0] == *key).map(|p| &p[1..]).collect();
                keep_paths(v, &rest);
                true
            }),
            // An array on the way is projected item by item, with the same paths.
            serde_json::Value::Array(items) => items.iter_mut().for_each(|i| keep_paths(i, paths)),
            _ => {}
        }
    }

    fn paths(list: &[&str]) -> Vec<Vec<String>> {
        list.iter().map(|p| p.split('.').map(str::to_string).collect()).collect()
    }

    /// The sparse parse equals a full parse cut down by `keep_paths`, the runtime's reference.
    fn agrees(text: &str, wanted: &[&str]) {
        let wanted = paths(wanted);
        let trie = Trie::new(wanted.iter().map(Vec::as_slice));
        let mut full: Value = serde_json::from_str(text).expect("test line is valid");
        let refs: Vec<&[String]> = wanted.iter().map(Vec::as_slice).collect();
        keep_paths(&mut full, &refs);
        assert_eq!(parse(text, &trie).expect("parses"), full, "{text}");
    }

    #[test]
    fn keeps_only_the_wanted_paths() {
        let line =
            r#"{"a":{"b":1,"c":[1,2,{"d":3}]},"e":"x","f":{"g":{"h":null}},"i":[{"j":1,"k":2},{"j":3}]}"#;
        agrees(line, &["a.b"]);
        agrees(line, &["a"]);
        agrees(line, &["a.c.d", "e"]);
        agrees(line, &["f.g.h", "i.j"]);
        agrees(line, &["nope", "e.deeper"]);
        agrees(line, &[]);
    }

    #[test]
    fn empty_path_keeps_the_whole_line() {
        let line = r#"{"a":{"b":1},"e":"x"}"#;
        let trie = Trie::new([[].as_slice()]);
        assert!(trie.is_whole());
        assert_eq!(parse(line, &trie).expect("parses"), serde_json::from_str::<Value>(line).expect("valid"));
    }

    #[test]
    fn duplicate_keys_keep_the_last_value_like_a_full_parse() {
        agrees(r#"{"a":1,"b":2,"a":3}"#, &["a"]);
    }

    #[test]
    fn escaped_keys_and_numbers_match_a_full_parse() {
        agrees(r#"{"a\u0062":{"c":1.5e3},"n":-12,"u":18446744073709551615}"#, &["ab.c", "n", "u"]);
    }

    #[test]
    fn syntax_errors_in_skipped_parts_are_still_errors() {
        let trie = Trie::new(paths(&["a"]).iter().map(Vec::as_slice));
        for bad in [r#"{"a":1,"b":[1,2}"#, r#"{"a":1,"b":tru}"#, r#"{"a":1} x"#, r#"{"a":1,"b":"#] {
            let sparse = parse(bad, &trie).expect_err("rejected").to_string();
            let full = serde_json::from_str::<Value>(bad).expect_err("rejected").to_string();
            assert_eq!(sparse, full, "{bad}");
        }
    }

    #[test]
    fn identity_map_read_apart_matches_the_value_path() {
        let line = r#"{"identityMap":{"ECID":[{"id":"1","primary":true}]},"a":{"b":2,"c":3},"identityMap":{"Email":"x"}}"#;
        let full: Value = serde_json::from_str(line).expect("valid");
        let plan = Plan::new(&paths(&["a.b"]), &["_id"]);
        assert!(plan.identities_apart);
        let (value, ids) = plan.parse(line).expect("parses");
        assert_eq!(ids, full.get("identityMap").and_then(idmap::from_value));
        assert_eq!(value, serde_json::json!({"a": {"b": 2}}));
        // A rule reading inside `identityMap` keeps it in the value, read the usual way.
        let plan = Plan::new(&paths(&["identityMap.Email"]), &[]);
        assert!(!plan.identities_apart);
        let (value, ids) = plan.parse(line).expect("parses");
        assert_eq!((value.get("identityMap"), ids), (full.get("identityMap"), None));
        for bad in [r#"{"identityMap":{"ECID":[{"id":"1"}"#, r#"{"identityMap":{"ECID":[1,]}}"#] {
            let plan = Plan::new(&paths(&["a"]), &[]);
            let sparse = plan.parse(bad).expect_err("rejected").to_string();
            let full = serde_json::from_str::<Value>(bad).expect_err("rejected").to_string();
            assert_eq!(sparse, full, "{bad}");
        }
    }

    #[test]
    fn non_objects_come_back_as_they_are() {
        let trie = Trie::new(paths(&["a"]).iter().map(Vec::as_slice));
        assert_eq!(parse("3", &trie).expect("parses"), Value::from(3));
        assert!(matches!(parse("[1]", &trie).expect("parses"), Value::Array(_)));
    }
}
