//! `identityMap` in the form identity extraction reads it: per namespace code, the entries'
//! id text and primary flag.
//!
//! Event lines are parsed sparsely (`ingest::sparse`); their identity map, the largest part
//! of a typical event, is read straight into this form by [`Seed`] instead of a JSON tree.
//! [`from_value`] gives the same form from an already parsed record, so both paths share one
//! extraction (`identities::candidates`).

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// One entry of a namespace's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The `id` field as text (strings as they are, numbers printed), or the entry itself when
    /// it is a bare string or number; `None` otherwise. Borrowed from the line when it can be.
    pub id: Option<Cow<'a, str>>,
    /// `"primary": true`.
    pub primary: bool,
}

/// Namespace code → entries, in the order the codes first appear (a repeated code keeps its
/// first place and its last value, as a JSON object does).
pub type IdentityMap<'a> = Vec<(Cow<'a, str>, Vec<Entry<'a>>)>;

/// The identity map of a parsed `identityMap` value (`None` when it is not an object).
pub fn from_value(v: &Value) -> Option<IdentityMap<'_>> {
    let map = v.as_object()?;
    let out = map
        .iter()
        .map(|(code, entries)| {
            let list = match entries {
                Value::Array(items) => items.iter().filter_map(entry_of).collect(),
                other => entry_of(other).into_iter().collect(),
            };
            (Cow::Borrowed(code.as_str()), list)
        })
        .collect();
    Some(out)
}

/// One entry of a parsed map; `None` for no identity at all: `null`, or an object whose `id`
/// is missing or `null` (what a Parquet or CSV null cell is), which is not counted as dropped.
fn entry_of(e: &Value) -> Option<Entry<'_>> {
    let id = match e {
        Value::Object(members) => members.get("id")?,
        bare => bare,
    };
    if id.is_null() {
        return None;
    }
    Some(Entry { id: scalar_cow(id), primary: e.get("primary").and_then(Value::as_bool).unwrap_or(false) })
}

/// An identity value as text: strings as they are, numbers printed (CSV/JSON ids are often
/// numeric); anything else is not an identity.
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// [`scalar_text`], borrowing a string.
fn scalar_cow(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        other => scalar_text(other).map(Cow::Owned),
    }
}

/// Deserializes an `identityMap` value into an [`IdentityMap`] (`None` when not an object).
pub struct Seed;

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Option<IdentityMap<'static>>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(MapVisitor)
    }
}

struct MapVisitor;

impl<'de> Visitor<'de> for MapVisitor {
    type Value = Option<IdentityMap<'static>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an identity map")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: IdentityMap<'static> = Vec::new();
        while let Some(code) = map.next_key::<Cow<'de, str>>()? {
            let entries = map.next_value_seed(EntriesSeed)?;
            match out.iter_mut().find(|(c, _)| *c == code) {
                Some(slot) => slot.1 = entries,
                None => out.push((Cow::Owned(code.into_owned()), entries)),
            }
        }
        Ok(Some(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// A namespace's value: a list of entries, or one entry.
struct EntriesSeed;

impl<'de> DeserializeSeed<'de> for EntriesSeed {
    type Value = Vec<Entry<'static>>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(EntriesVisitor)
    }
}

struct EntriesVisitor;

impl<'de> Visitor<'de> for EntriesVisitor {
    type Value = Vec<Entry<'static>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("identity entries")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(e) = seq.next_element_seed(EntrySeed)? {
            out.extend(e);
        }
        Ok(out)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        EntryVisitor.visit_map(map).map(|e| e.into_iter().collect())
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        EntryVisitor.visit_str(v).map(|e| e.into_iter().collect())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        EntryVisitor.visit_i64(v).map(|e| e.into_iter().collect())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        EntryVisitor.visit_u64(v).map(|e| e.into_iter().collect())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        EntryVisitor.visit_f64(v).map(|e| e.into_iter().collect())
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(vec![Entry { id: None, primary: false }])
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
}

struct EntrySeed;

impl<'de> DeserializeSeed<'de> for EntrySeed {
    type Value = Option<Entry<'static>>;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_any(EntryVisitor)
    }
}

/// One entry: an object with `id` and `primary`, or a bare value; `None` when it names no
/// identity (see [`entry_of`]).
struct EntryVisitor;

impl EntryVisitor {
    fn bare(id: Option<String>) -> Option<Entry<'static>> {
        Some(Entry { id: id.map(Cow::Owned), primary: false })
    }
}

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Option<Entry<'static>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an identity entry")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entry = Entry { id: None, primary: false };
        let mut named = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "id" => {
                    let v = map.next_value::<Value>()?;
                    named = !v.is_null();
                    entry.id = scalar_text(&v).map(Cow::Owned);
                }
                "primary" => entry.primary = map.next_value::<Value>()?.as_bool().unwrap_or(false),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(named.then_some(entry))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::bare(None))
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Self::bare(Some(v.to_string())))
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Self::bare(Some(serde_json::Number::from(v).to_string())))
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Self::bare(Some(serde_json::Number::from(v).to_string())))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Self::bare(serde_json::Number::from_f64(v).map(|n| n.to_string())))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Self::bare(None))
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streaming parse gives what [`from_value`] gives for the same text.
    fn agrees(text: &str) {
        let mut de = serde_json::Deserializer::from_str(text);
        let streamed = Seed.deserialize(&mut de).expect("parses");
        let value: Value = serde_json::from_str(text).expect("valid JSON");
        assert_eq!(streamed, from_value(&value), "{text}");
    }

    #[test]
    fn every_shape_matches_the_value_path() {
        for text in [
            r#"{"ECID":[{"id":"a","primary":true},{"id":"b"}],"Email":[{"id":"x@y.se","authenticatedState":"ambiguous"}]}"#,
            r#"{"ECID":{"id":"single"}}"#,
            r#"{"ECID":"bare","N":12,"F":1.5,"U":18446744073709551615,"Neg":-3}"#,
            r#"{"ECID":[{"id":12},{"id":1.0e3},{"id":null},{"id":{"x":1}},{"id":[1]},{"primary":"yes"}]}"#,
            r#"{"ECID":[{"id":"a","id":"b","primary":true,"primary":false}]}"#,
            r#"{"A":[{"id":"1"}],"B":[],"A":[{"id":"2"}]}"#,
            r#"{"ECID":[true,null,[1,2],"s",3]}"#,
            r#"{"ECID":null,"X":true}"#,
            r#"{"k\u00e9":[{"id":"\u00e5sa"}]}"#,
            r#"[1,2]"#,
            r#""text""#,
            r#"null"#,
            r#"{}"#,
        ] {
            agrees(text);
        }
    }

    /// A null entry, or one without an id or with a null one, names no identity (a Parquet or
    /// CSV null cell), so nothing is dropped; a value that is there but not text is.
    #[test]
    fn null_entries_name_no_identity() {
        let v: Value = serde_json::from_str(
            r#"{"ECID":[{"id":"k"},{"id":null},null,{"primary":true}],"Email":null,"Phone":true,"X":[[1]]}"#,
        )
        .expect("valid JSON");
        let map = from_value(&v).expect("an object");
        let ids = |code: &str| -> Vec<Option<&str>> {
            let (_, entries) = map.iter().find(|(c, _)| c == code).expect("listed");
            entries.iter().map(|e| e.id.as_deref()).collect()
        };
        assert_eq!(ids("ECID"), vec![Some("k")]);
        assert_eq!(ids("Email"), Vec::<Option<&str>>::new());
        assert_eq!((ids("Phone"), ids("X")), (vec![None], vec![None]));
    }
}
