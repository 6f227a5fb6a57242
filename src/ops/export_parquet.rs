//! Parquet output of `mosaic export`: the CSV export's columns as a typed, nullable schema.
//!
//! Written with the parquet crate's column writer (no arrow): `profileId` (required string),
//! `identities` (`NS:VALUE`), `audiences` and `sources` as `LIST<STRING>`, `lastModifiedAt` as
//! TIMESTAMP(MICROS, UTC), then one column per entity leaf path; `--events` adds `events`, a
//! LIST of JSON strings. A leaf column is typed when all its values share one type (an int
//! column with doubles becomes DOUBLE while every int is exact in a double); otherwise, and
//! for arrays and objects, it holds JSON text (logical type JSON).
//!
//! Written in two passes over the profiles, as the CSV export is: a [`Planner`] sees every
//! profile to decide the columns and their types, then a [`Writer`] holds one row group at a
//! time, so the export's memory does not grow with the number of profiles.

use super::export::{entity_leaves, item_text};
use crate::ingest::line::parse_timestamp;
use crate::ingest::typed::parse_date;
use crate::ir;
use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as Physical};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::{SerializedColumnWriter, SerializedFileWriter};
use parquet::schema::types::{Type, TypePtr};
use serde_json::Value as Json;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::Arc;

/// Rows per row group at most: bounds what a reader holds at once.
const ROW_GROUP_ROWS: usize = 65_536;
/// About how many bytes of profile JSON a row group holds at most: the column writers buffer
/// a whole row group, so this bounds the export's memory (a profile's JSON tree and its cells
/// take ~20 times its text) whatever the profiles' size (with `--events`, one profile can be
/// megabytes).
const ROW_GROUP_BYTES: usize = 4 << 20;

/// The greatest magnitude up to which every integer is exact in a double (2^53).
const EXACT_IN_DOUBLE: i64 = 1 << 53;

/// The Parquet type of an entity leaf column, decided over every exported value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bool,
    Int,
    Double,
    Text,
    /// A field typed `timestamp` (its output text, RFC 3339), as µs since the epoch.
    Timestamp,
    /// A field typed `date` (`YYYY-MM-DD`), as days since the epoch.
    Date,
    /// JSON text: arrays, objects, mixed types, numbers no Parquet number holds exactly.
    Json,
}

/// Where a column's cells come from.
#[derive(Debug, Clone)]
enum Source {
    ProfileId,
    /// A list member of the profile (`identities`, `audiences`, `sources`) as strings.
    Strings(&'static str),
    /// The profile's events, each as JSON text.
    Events,
    LastModified,
    /// An entity leaf path.
    Leaf(String, Kind),
}

#[derive(Debug, Clone)]
struct Column {
    name: String,
    source: Source,
}

/// One column chunk: values plus definition and repetition levels.
enum Cells {
    Bool(Vec<bool>),
    Int(Vec<i64>),
    Int32(Vec<i32>),
    Double(Vec<f64>),
    Bytes(Vec<ByteArray>),
}

struct Chunk {
    cells: Cells,
    def: Option<Vec<i16>>,
    rep: Option<Vec<i16>>,
}

/// The first pass: the entity leaf paths of every exported profile and their types.
#[derive(Debug, Default)]
pub struct Planner {
    with_events: bool,
    leaves: BTreeMap<String, KindOf>,
    /// The entity's leaf paths typed `timestamp` or `date` (dotted), by the profile's type.
    times: BTreeMap<String, Kind>,
}

impl Planner {
    /// A planner for profiles with (`with_events`) or without an `events` member, whose entity
    /// has the type `entity` (the program's profile type: schemas and computed attributes).
    pub fn new(with_events: bool, entity: &ir::Type) -> Planner {
        let mut times = BTreeMap::new();
        time_leaves(entity, "", &mut times);
        Planner { with_events, leaves: BTreeMap::new(), times }
    }

    /// Takes one profile's leaves into account.
    pub fn add(&mut self, profile: &Json) {
        for (path, value) in entity_leaves(profile) {
            let declared = self.times.get(&path).copied();
            self.leaves.entry(path).or_default().add(&value, declared);
        }
    }

    /// The columns: the fixed ones, then one per entity leaf path (sorted); a leaf named like a
    /// fixed column is prefixed with `entity.` so no two columns share a name.
    fn columns(&self) -> Vec<Column> {
        let mut out = vec![
            Column { name: "profileId".into(), source: Source::ProfileId },
            Column { name: "identities".into(), source: Source::Strings("identities") },
            Column { name: "audiences".into(), source: Source::Strings("audiences") },
            Column { name: "sources".into(), source: Source::Strings("sources") },
            Column { name: "lastModifiedAt".into(), source: Source::LastModified },
        ];
        if self.with_events {
            out.push(Column { name: "events".into(), source: Source::Events });
        }
        let mut taken: BTreeSet<String> = out.iter().map(|c| c.name.clone()).collect();
        for (path, kind) in &self.leaves {
            let mut name = path.clone();
            while taken.contains(&name) {
                name = format!("entity.{name}");
            }
            taken.insert(name.clone());
            out.push(Column { name, source: Source::Leaf(path.clone(), kind.kind()) });
        }
        out
    }
}

/// The second pass: profiles in, row groups out to `W`.
pub struct Writer<W: Write + Send> {
    file: SerializedFileWriter<W>,
    columns: Vec<Column>,
    group_rows: usize,
    /// The profiles of the row group being gathered, and about how many bytes of JSON they are.
    profiles: Vec<Json>,
    bytes: usize,
}

impl<W: Write + Send> Writer<W> {
    /// A writer of the columns `plan` decided, onto `out`.
    pub fn new(out: W, plan: &Planner) -> Result<Writer<W>, ParquetError> {
        Writer::with_group_rows(out, plan, ROW_GROUP_ROWS)
    }

    fn with_group_rows(out: W, plan: &Planner, group_rows: usize) -> Result<Writer<W>, ParquetError> {
        let columns = plan.columns();
        let props = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let file = SerializedFileWriter::new(out, schema(&columns)?, Arc::new(props))?;
        let group_rows = group_rows.max(1);
        Ok(Writer { file, columns, group_rows, profiles: Vec::new(), bytes: 0 })
    }

    /// Adds one profile (the planner saw it), writing a row group when one is full.
    pub fn push(&mut self, profile: Json) -> Result<(), ParquetError> {
        self.bytes += json_bytes(&profile);
        self.profiles.push(profile);
        if self.profiles.len() >= self.group_rows || self.bytes >= ROW_GROUP_BYTES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the last row group and the footer; gives back the output.
    pub fn finish(mut self) -> Result<W, ParquetError> {
        self.flush()?;
        self.file.into_inner()
    }

    fn flush(&mut self) -> Result<(), ParquetError> {
        if self.profiles.is_empty() {
            return Ok(());
        }
        let rows: Vec<BTreeMap<String, Json>> = self.profiles.iter().map(entity_leaves).collect();
        let mut rg = self.file.next_row_group()?;
        for column in &self.columns {
            let Some(mut w) = rg.next_column()? else {
                return Err(ParquetError::General(format!("no writer for column `{}`", column.name)));
            };
            write_chunk(&mut w, &chunk(&column.source, &self.profiles, &rows))?;
            w.close()?;
        }
        rg.close()?;
        self.profiles.clear();
        self.bytes = 0;
        Ok(())
    }
}

/// About the size of `v` as JSON text (strings and keys by length, other scalars 8 bytes).
fn json_bytes(v: &Json) -> usize {
    match v {
        Json::String(s) => s.len() + 2,
        Json::Array(items) => 2 + items.iter().map(|i| json_bytes(i) + 1).sum::<usize>(),
        Json::Object(members) => 2 + members.iter().map(|(k, v)| k.len() + 4 + json_bytes(v)).sum::<usize>(),
        _ => 8,
    }
}

/// The one type every value of a column has (ints and doubles together are doubles), else
/// JSON; taken one value at a time.
#[derive(Debug, Default, Clone, Copy)]
struct KindOf {
    kind: Option<Kind>,
    /// An int no double holds exactly was seen.
    inexact_int: bool,
}

impl KindOf {
    /// Takes `v` into account; `declared` is the field's type when it is a timestamp or a date.
    fn add(&mut self, v: &Json, declared: Option<Kind>) {
        let k = match v {
            Json::Bool(_) => Kind::Bool,
            Json::String(s) => match declared {
                Some(Kind::Timestamp) if parse_timestamp(s).is_some() => Kind::Timestamp,
                Some(Kind::Date) if parse_date(s).is_some() => Kind::Date,
                _ => Kind::Text,
            },
            Json::Number(n) => match n.as_i64() {
                Some(i) => {
                    self.inexact_int |= !(-EXACT_IN_DOUBLE..=EXACT_IN_DOUBLE).contains(&i);
                    Kind::Int
                }
                // A u64 beyond i64 fits neither INT64 nor (exactly) DOUBLE.
                None if n.is_f64() => Kind::Double,
                None => Kind::Json,
            },
            Json::Null | Json::Array(_) | Json::Object(_) => Kind::Json,
        };
        self.kind = Some(match (self.kind, k) {
            (None, k) => k,
            (Some(a), b) if a == b => a,
            (Some(Kind::Int | Kind::Double), Kind::Int | Kind::Double) => Kind::Double,
            _ => Kind::Json,
        });
    }

    fn kind(self) -> Kind {
        match self.kind {
            Some(Kind::Double) if self.inexact_int => Kind::Json,
            Some(k) => k,
            None => Kind::Json,
        }
    }
}

/// The dotted paths under `prefix` of the leaves of `ty` typed timestamp or date, into `out`.
fn time_leaves(ty: &ir::Type, prefix: &str, out: &mut BTreeMap<String, Kind>) {
    match ty {
        ir::Type::Timestamp => {
            out.insert(prefix.to_string(), Kind::Timestamp);
        }
        ir::Type::Date => {
            out.insert(prefix.to_string(), Kind::Date);
        }
        ir::Type::Object(fields) => {
            for (key, ty) in fields.iter() {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                time_leaves(ty, &path, out);
            }
        }
        _ => {}
    }
}

fn schema(columns: &[Column]) -> Result<TypePtr, ParquetError> {
    let fields = columns.iter().map(|c| field(c).map(Arc::new)).collect::<Result<Vec<_>, _>>()?;
    Ok(Arc::new(Type::group_type_builder("profile").with_fields(fields).build()?))
}

fn field(column: &Column) -> Result<Type, ParquetError> {
    let name = column.name.as_str();
    let optional = |physical: Physical, logical: Option<LogicalType>| {
        Type::primitive_type_builder(name, physical)
            .with_repetition(Repetition::OPTIONAL)
            .with_logical_type(logical)
            .build()
    };
    match &column.source {
        Source::ProfileId => Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
            .with_repetition(Repetition::REQUIRED)
            .with_logical_type(Some(LogicalType::String))
            .build(),
        Source::Strings(_) => list(name, LogicalType::String),
        Source::Events => list(name, LogicalType::Json),
        Source::LastModified => {
            optional(Physical::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS)))
        }
        Source::Leaf(_, Kind::Bool) => optional(Physical::BOOLEAN, None),
        Source::Leaf(_, Kind::Int) => optional(Physical::INT64, None),
        Source::Leaf(_, Kind::Double) => optional(Physical::DOUBLE, None),
        Source::Leaf(_, Kind::Text) => optional(Physical::BYTE_ARRAY, Some(LogicalType::String)),
        Source::Leaf(_, Kind::Timestamp) => {
            optional(Physical::INT64, Some(LogicalType::timestamp(true, TimeUnit::MICROS)))
        }
        Source::Leaf(_, Kind::Date) => optional(Physical::INT32, Some(LogicalType::Date)),
        Source::Leaf(_, Kind::Json) => optional(Physical::BYTE_ARRAY, Some(LogicalType::Json)),
    }
}

/// The standard three-level list: an optional list of required byte-array elements.
fn list(name: &str, element: LogicalType) -> Result<Type, ParquetError> {
    let element = Type::primitive_type_builder("element", Physical::BYTE_ARRAY)
        .with_repetition(Repetition::REQUIRED)
        .with_logical_type(Some(element))
        .build()?;
    let repeated = Type::group_type_builder("list")
        .with_repetition(Repetition::REPEATED)
        .with_fields(vec![Arc::new(element)])
        .build()?;
    Type::group_type_builder(name)
        .with_repetition(Repetition::OPTIONAL)
        .with_logical_type(Some(LogicalType::List))
        .with_fields(vec![Arc::new(repeated)])
        .build()
}

/// The cells of one column for a row group.
fn chunk(source: &Source, profiles: &[Json], rows: &[BTreeMap<String, Json>]) -> Chunk {
    match source {
        Source::ProfileId => Chunk {
            cells: Cells::Bytes(
                profiles.iter().map(|p| text(p["profileId"].as_str().unwrap_or_default())).collect(),
            ),
            def: None,
            rep: None,
        },
        Source::Strings(key) => list_chunk(profiles.iter().map(|p| &p[*key]), item_text),
        Source::Events => list_chunk(profiles.iter().map(|p| &p["events"]), |e| e.to_string()),
        Source::LastModified => {
            let time = |p: &Json| p["lastModifiedAt"].as_str().and_then(parse_timestamp);
            optional_chunk(profiles.iter().map(time), Cells::Int)
        }
        Source::Leaf(path, kind) => {
            let values = rows.iter().map(|r| r.get(path).filter(|v| !v.is_null()));
            match kind {
                Kind::Bool => optional_chunk(values.map(|v| v.and_then(Json::as_bool)), Cells::Bool),
                Kind::Int => optional_chunk(values.map(|v| v.and_then(Json::as_i64)), Cells::Int),
                Kind::Double => optional_chunk(values.map(|v| v.and_then(Json::as_f64)), Cells::Double),
                Kind::Text => {
                    optional_chunk(values.map(|v| v.and_then(Json::as_str).map(text)), Cells::Bytes)
                }
                Kind::Timestamp => optional_chunk(
                    values.map(|v| v.and_then(Json::as_str).and_then(parse_timestamp)),
                    Cells::Int,
                ),
                Kind::Date => optional_chunk(
                    values.map(|v| v.and_then(Json::as_str).and_then(parse_date)),
                    Cells::Int32,
                ),
                Kind::Json => optional_chunk(values.map(|v| v.map(|v| text(&v.to_string()))), Cells::Bytes),
            }
        }
    }
}

fn text(s: &str) -> ByteArray {
    ByteArray::from(s.as_bytes().to_vec())
}

/// An optional scalar column: definition level 1 for a value, 0 for null.
fn optional_chunk<T>(values: impl Iterator<Item = Option<T>>, cells: fn(Vec<T>) -> Cells) -> Chunk {
    let mut def = Vec::new();
    let mut present = Vec::new();
    for v in values {
        def.push(i16::from(v.is_some()));
        present.extend(v);
    }
    Chunk { cells: cells(present), def: Some(def), rep: None }
}

/// An optional list of strings: definition 0 null (not an array), 1 empty, 2 an element;
/// repetition 0 starts a row, 1 continues its list.
fn list_chunk<'a>(lists: impl Iterator<Item = &'a Json>, item: fn(&Json) -> String) -> Chunk {
    let (mut values, mut def, mut rep) = (Vec::new(), Vec::new(), Vec::new());
    for l in lists {
        match l.as_array() {
            None => {
                def.push(0);
                rep.push(0);
            }
            Some(items) if items.is_empty() => {
                def.push(1);
                rep.push(0);
            }
            Some(items) => {
                for (i, x) in items.iter().enumerate() {
                    values.push(text(&item(x)));
                    def.push(2);
                    rep.push(i16::from(i > 0));
                }
            }
        }
    }
    Chunk { cells: Cells::Bytes(values), def: Some(def), rep: Some(rep) }
}

/// Writes a chunk through the column's writer; the schema and the cells come from the same
/// [`Source`], so a mismatch is a bug reported as an error rather than a panic.
fn write_chunk(w: &mut SerializedColumnWriter<'_>, c: &Chunk) -> Result<(), ParquetError> {
    let (def, rep) = (c.def.as_deref(), c.rep.as_deref());
    match (w.untyped(), &c.cells) {
        (ColumnWriter::BoolColumnWriter(w), Cells::Bool(v)) => w.write_batch(v, def, rep),
        (ColumnWriter::Int64ColumnWriter(w), Cells::Int(v)) => w.write_batch(v, def, rep),
        (ColumnWriter::Int32ColumnWriter(w), Cells::Int32(v)) => w.write_batch(v, def, rep),
        (ColumnWriter::DoubleColumnWriter(w), Cells::Double(v)) => w.write_batch(v, def, rep),
        (ColumnWriter::ByteArrayColumnWriter(w), Cells::Bytes(v)) => w.write_batch(v, def, rep),
        _ => Err(ParquetError::General("a column's cells do not match its type".into())),
    }
    .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_leaf_is_typed_only_when_all_its_values_share_a_type() {
        let kind = |vs: Json| {
            let mut k = KindOf::default();
            vs.as_array().into_iter().flatten().for_each(|v| k.add(v, None));
            k.kind()
        };
        assert_eq!(kind(json!([true, false])), Kind::Bool);
        assert_eq!(kind(json!([1, -2])), Kind::Int);
        assert_eq!(kind(json!([1, 2.5])), Kind::Double);
        assert_eq!(kind(json!(["a", "b"])), Kind::Text);
        assert_eq!(kind(json!(["a", 1])), Kind::Json);
        assert_eq!(kind(json!([[1], [2]])), Kind::Json);
        assert_eq!(kind(json!([{"a": 1}])), Kind::Json);
        assert_eq!(kind(json!([])), Kind::Json);
        // 2^53 + 1 is not exact in a double: the mixed column keeps JSON text.
        assert_eq!(kind(json!([9_007_199_254_740_993_i64, 0.5])), Kind::Json);
        assert_eq!(kind(json!([9_007_199_254_740_993_i64])), Kind::Int);
        assert_eq!(kind(json!([u64::MAX])), Kind::Json);
    }

    #[test]
    fn fields_typed_timestamp_or_date_are_parquet_timestamps_and_dates() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use parquet::record::Field;
        let object = |fields: Vec<(&str, ir::Type)>| {
            ir::Type::Object(Arc::new(fields.into_iter().map(|(k, t)| (k.to_string(), t)).collect()))
        };
        let entity = object(vec![
            ("born", ir::Type::Date),
            ("seen", ir::Type::Timestamp),
            ("computedAttributes", object(vec![("lastBuy", ir::Type::Timestamp)])),
            // Declared a timestamp, but a value does not read as one: its text is kept.
            ("odd", ir::Type::Timestamp),
            ("note", ir::Type::String),
        ]);
        let profiles = [
            json!({"profileId": "ECID:a", "entity": {"born": "1990-02-03", "seen": "2026-10-01T12:00:00.250Z",
                   "computedAttributes": {"lastBuy": "2026-09-30T00:00:00.000Z"}, "odd": "soon",
                   "note": "2026-10-01T12:00:00.000Z"}}),
            json!({"profileId": "ECID:b", "entity": {"seen": "1969-12-31T23:59:59.000Z", "odd": "2026-10-01T00:00:00.000Z"}}),
        ];
        let mut plan = Planner::new(false, &entity);
        profiles.iter().for_each(|p| plan.add(p));
        let kinds: BTreeMap<String, Kind> = plan
            .columns()
            .into_iter()
            .filter_map(|c| match c.source {
                Source::Leaf(path, kind) => Some((path, kind)),
                _ => None,
            })
            .collect();
        assert_eq!(kinds["born"], Kind::Date);
        assert_eq!(kinds["seen"], Kind::Timestamp);
        assert_eq!(kinds["computedAttributes.lastBuy"], Kind::Timestamp);
        assert_eq!(kinds["odd"], Kind::Json, "a timestamp and a text");
        assert_eq!(kinds["note"], Kind::Text, "timestamp-like text of a string field stays text");
        let mut writer = Writer::new(Vec::new(), &plan).unwrap();
        profiles.into_iter().for_each(|p| writer.push(p).unwrap());
        let path = std::env::temp_dir().join(format!("mosaic-export-times-{}.parquet", std::process::id()));
        std::fs::write(&path, writer.finish().unwrap()).unwrap();
        let reader = SerializedFileReader::try_from(std::fs::File::open(&path).unwrap()).unwrap();
        let row = |r: parquet::record::Row| -> BTreeMap<String, Field> {
            r.get_column_iter().map(|(k, f)| (k.clone(), f.clone())).collect()
        };
        let rows: Vec<BTreeMap<String, Field>> =
            reader.get_row_iter(None).unwrap().map(|r| row(r.unwrap())).collect();
        let _ = std::fs::remove_file(&path);
        let days = crate::ingest::typed::parse_date("1990-02-03").unwrap();
        assert_eq!(rows[0]["born"], Field::Date(days));
        assert_eq!(rows[0]["seen"], Field::TimestampMicros(1_790_856_000_250_000));
        assert_eq!(rows[1]["seen"], Field::TimestampMicros(-1_000_000));
        assert_eq!(rows[1]["born"], Field::Null);
        assert_eq!(rows[0]["computedAttributes.lastBuy"], Field::TimestampMicros(1_790_726_400_000_000));
    }

    #[test]
    fn a_leaf_named_like_a_fixed_column_is_renamed() {
        let mut plan = Planner::new(false, &ir::Type::Any);
        plan.add(&json!({"entity": {"profileId": "x", "entity": {"profileId": 1}}}));
        let names: Vec<String> = plan.columns().into_iter().map(|c| c.name).collect();
        let fixed = ["profileId", "identities", "audiences", "sources", "lastModifiedAt"];
        assert_eq!(names[..5], fixed);
        assert_eq!(names[5..], ["entity.profileId", "entity.entity.profileId"]);
    }

    #[test]
    fn row_groups_split_the_rows_and_keep_their_order_and_nulls() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let profiles: Vec<Json> = (0..5)
            .map(|i| {
                let entity = if i % 2 == 0 { json!({"n": i}) } else { json!({}) };
                let ids: Vec<Json> =
                    (0..i).map(|k| json!({"namespace": "ECID", "id": format!("e{k}")})).collect();
                json!({"profileId": format!("ECID:p{i}"), "identities": ids, "entity": entity,
                       "audiences": [], "sources": ["web"], "lastModifiedAt": "2026-10-01T00:00:00.000Z"})
            })
            .collect();
        let mut plan = Planner::new(false, &ir::Type::Any);
        profiles.iter().for_each(|p| plan.add(p));
        let mut writer = Writer::with_group_rows(Vec::new(), &plan, 2).unwrap();
        for p in profiles {
            writer.push(p).unwrap();
        }
        let bytes = writer.finish().unwrap();
        let path = std::env::temp_dir().join(format!("mosaic-export-parquet-{}.parquet", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let reader = SerializedFileReader::try_from(std::fs::File::open(&path).unwrap()).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 3);
        fn cell(f: &parquet::record::Field) -> Json {
            use parquet::record::Field;
            match f {
                Field::Str(s) => json!(s),
                Field::Long(i) | Field::TimestampMicros(i) => json!(i),
                Field::ListInternal(l) => Json::Array(l.elements().iter().map(cell).collect()),
                _ => Json::Null,
            }
        }
        let rows: Vec<Json> = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| Json::Object(r.unwrap().get_column_iter().map(|(k, f)| (k.clone(), cell(f))).collect()))
            .collect();
        let _ = std::fs::remove_file(&path);
        assert_eq!(rows.len(), 5);
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row["profileId"], format!("ECID:p{i}"));
            assert_eq!(row["identities"].as_array().map(Vec::len), Some(i));
            assert_eq!(row["n"], if i % 2 == 0 { json!(i) } else { Json::Null });
            assert_eq!(row["audiences"], json!([]));
        }
    }

    #[test]
    fn a_row_group_ends_at_its_byte_budget() {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        let big = "x".repeat(ROW_GROUP_BYTES / 3);
        let profiles: Vec<Json> = (0..5)
            .map(|i| {
                json!({"profileId": format!("ECID:p{i}"), "identities": [], "entity": {"note": big},
                            "audiences": [], "sources": [], "lastModifiedAt": null})
            })
            .collect();
        let mut plan = Planner::new(false, &ir::Type::Any);
        profiles.iter().for_each(|p| plan.add(p));
        let mut writer = Writer::new(Vec::new(), &plan).unwrap();
        for p in profiles {
            writer.push(p).unwrap();
        }
        let path = std::env::temp_dir().join(format!("mosaic-export-budget-{}.parquet", std::process::id()));
        std::fs::write(&path, writer.finish().unwrap()).unwrap();
        let reader = SerializedFileReader::try_from(std::fs::File::open(&path).unwrap()).unwrap();
        let groups: Vec<i64> = reader.metadata().row_groups().iter().map(|g| g.num_rows()).collect();
        let _ = std::fs::remove_file(&path);
        assert_eq!(groups, vec![3, 2], "three profiles reach the budget");
    }
}
