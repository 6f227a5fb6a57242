//! A JSON value kept in the store's tagged binary form (`wire`) while in memory: a profile
//! record's body is read once per run (when its profile is merged) but held for the whole run,
//! and its `serde_json::Value` tree takes about ten times the bytes.

use super::wire::{In, Out};

/// How deep a packed value may nest: more than any value `serde_json` parses (128).
const MAX_DEPTH: u32 = 1024;

/// A JSON value, packed.
#[derive(Clone, PartialEq, Eq)]
pub struct PackedJson(Box<[u8]>);

impl PackedJson {
    pub fn new(value: &serde_json::Value) -> PackedJson {
        let mut out = Out::with_capacity(64);
        out.json(value);
        PackedJson(out.out.into_boxed_slice())
    }

    /// The value. Packed bytes are only ever made by [`PackedJson::new`] (or checked by
    /// [`PackedJson::read`]), so they always unpack; `Null` if they somehow did not.
    pub fn value(&self) -> serde_json::Value {
        In { bytes: &self.0 }.json(MAX_DEPTH).unwrap_or(serde_json::Value::Null)
    }

    /// The packed bytes: what `Out::json` writes for the value.
    pub(super) fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// Reads one value written by `Out::json` from `r`, packed.
    pub(super) fn read(r: &mut In<'_>) -> Result<PackedJson, super::wire::Corrupt> {
        let start = r.bytes;
        r.json(MAX_DEPTH)?;
        let used = start.len() - r.bytes.len();
        Ok(PackedJson(start[..used].into()))
    }
}

impl std::fmt::Debug for PackedJson {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.value())
    }
}

impl From<&serde_json::Value> for PackedJson {
    fn from(value: &serde_json::Value) -> Self {
        PackedJson::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_as_they_went_in() {
        let v = serde_json::json!({"z": 1, "a": [-2, 3.5, "x", null, true, {"b": {}}], "u": 18446744073709551615u64});
        let packed = PackedJson::new(&v);
        assert_eq!(packed.value(), v);
        assert_eq!(
            serde_json::to_string(&packed.value()).unwrap(),
            serde_json::to_string(&v).unwrap(),
            "key order kept"
        );
        let mut twice = packed.bytes().to_vec();
        twice.extend_from_slice(packed.bytes());
        let mut r = In { bytes: &twice };
        assert_eq!(PackedJson::read(&mut r).expect("reads"), packed);
        assert_eq!(PackedJson::read(&mut r).expect("reads"), packed);
        assert!(r.bytes.is_empty());
        assert!(PackedJson::read(&mut In { bytes: &[0xff] }).is_err());
    }
}
