//! Unit tests of ingest: identities, primary choice, rejections, CSV.

use super::*;
use crate::policy::{DatasetClass, GraphType, MergeType};
use crate::runtime::fixture::{dataset, policy, project, temp_dir, write};

/// A project in a fresh folder `name` with one dataset `ds` of `class`, whose identity field is
/// `crmId` (CRMID), declared primary when `primary`.
fn one_dataset(
    name: &str,
    class: DatasetClass,
    primary: bool,
) -> (std::path::PathBuf, crate::policy::Project) {
    let root = temp_dir(name);
    let ds = dataset("ds", class, false, &[("crmId", "CRMID", primary)]);
    let p = project(&root, vec![ds], vec![policy("p", GraphType::Pdg, MergeType::TimestampOrdered, &[])]);
    (root, p)
}

fn batch_of(name: &str, class: DatasetClass, file: &str, text: &str) -> Batch {
    let (root, p) = one_dataset(name, class, true);
    write(&root, &format!("data/ds/{file}"), text);
    let files = list_batches(&p).expect("list");
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].id, format!("ds/{file}"));
    let b = read_batch(&p, &files[0], &super::Keep::whole());
    let _ = std::fs::remove_dir_all(&root);
    b
}

#[test]
fn rejects_each_bad_line_with_its_reason() {
    let text = concat!(
        "{\"crmId\": \"c-1\"}\n",
        "{not json\n",
        "[1, 2]\n",
        "\n",
        "{\"identityMap\": {\"Email\": [{\"id\": \"anonymous\"}]}}\n",
        "{\"identityMap\": {\"ECID\": [{\"id\": \"e-1\"}]}, \"timestamp\": \"yesterday\"}\n",
    );
    let b = batch_of("reject", DatasetClass::Event, "a.jsonl", text);
    let reasons: Vec<(u32, &str)> = b.rejections.iter().map(|r| (r.line, r.reason.as_str())).collect();
    assert_eq!(
        reasons,
        vec![
            (1, "invalidTimestamp"),
            (2, "invalidJson"),
            (3, "notAnObject"),
            (5, "noIdentity"),
            (6, "invalidTimestamp")
        ]
    );
    assert_eq!(b.dropped_identities, 1);
    assert!(b.events.is_empty());
}

#[test]
fn event_primary_is_the_highest_priority_namespace() {
    let text = r#"{"_id": "x", "timestamp": "2026-10-01T12:00:00Z", "identityMap": {"ECID": [{"id": "e1", "primary": true}], "Email": [{"id": " Ann@Example.com "}]}, "crmId": "c-9"}"#;
    let b = batch_of("primary", DatasetClass::Event, "a.jsonl", text);
    let e = &b.events[0];
    let ids: Vec<String> = e.identities.iter().map(|i| i.to_string()).collect();
    assert_eq!(ids, vec!["ECID:e1", "Email:ann@example.com", "CRMID:c-9"]);
    assert_eq!(e.identities[e.primary as usize].to_string(), "CRMID:c-9");
    assert_eq!(e.time, 1_790_856_000_000_000);
    assert_eq!(e.id.as_deref(), Some("x"));
}

#[test]
fn profile_primary_is_the_declared_field_and_identity_map_is_removed() {
    let text = r#"{"identityMap": {"ECID": [{"id": "e1", "primary": true}]}, "crmId": "c-1", "name": "Ann"}"#;
    let b = batch_of("profile", DatasetClass::Profile, "a.jsonl", text);
    let r = &b.records[0];
    assert_eq!(r.identities[r.primary as usize].to_string(), "CRMID:c-1");
    assert_eq!(r.time, None);
    assert!(r.body.value().get("identityMap").is_none());
    assert_eq!(r.body.value()["name"], "Ann");
}

#[test]
fn csv_headers_are_dotted_paths() {
    let text = "crmId,person.name,loyalty.points,flag\nc-1,Ann,42,true\n,Bob,1,false\n";
    let b = batch_of("csv", DatasetClass::Profile, "a.csv", text);
    assert_eq!(b.records.len(), 1);
    assert_eq!(b.records[0].body.value()["person"]["name"], "Ann");
    assert_eq!(b.records[0].body.value()["loyalty"]["points"], 42);
    assert_eq!(b.records[0].body.value()["flag"], true);
    assert_eq!(b.rejections.len(), 1);
    assert_eq!((b.rejections[0].line, b.rejections[0].reason), (3, Reason::NoIdentity));
}

/// A CSV row with a value past the header's columns is rejected, not cut (trailing empty cells
/// are fine), and so is a last row whose quote is never closed, which would have swallowed
/// the rows after it; a closed multi-line field and a stray quote are not mistaken for one.
#[test]
fn csv_rows_that_would_lose_values_are_rejected() {
    let text = "crmId,note\nc-1,\"two\nlines\"\nc-2,a,b\nc-3,a,,\nc-4,5\" screen\n\"c-5,open\nc-6,x\n";
    let b = batch_of("csv-malformed", DatasetClass::Profile, "a.csv", text);
    let ids: Vec<String> = b.records.iter().map(|r| r.identities[0].to_string()).collect();
    assert_eq!(ids, ["CRMID:c-1", "CRMID:c-3", "CRMID:c-4"]);
    assert_eq!(b.records[0].body.value()["note"], "two\nlines");
    assert_eq!(b.records[2].body.value()["note"], "5\" screen");
    let rejected: Vec<(u32, Reason, &str)> =
        b.rejections.iter().map(|r| (r.line, r.reason, r.raw.as_str())).collect();
    assert_eq!(rejected, [(4, Reason::InvalidCsv, "c-2,a,b"), (7, Reason::InvalidCsv, "\"c-5,open\nc-6,x")]);
    assert!(b.rejections[1].detail.contains("never closed"), "{}", b.rejections[1].detail);
    for header in ["crmId,note,note", "crmId,a,a.b", "crmId,a.b.c,a.b"] {
        let b = batch_of("csv-clash", DatasetClass::Profile, "a.csv", &format!("{header}\nc-1,x,y\n"));
        assert!(b.records.is_empty(), "{header}");
        let rejected: Vec<(u32, Reason, &str)> =
            b.rejections.iter().map(|r| (r.line, r.reason, r.raw.as_str())).collect();
        assert_eq!(rejected, [(1, Reason::InvalidCsv, header)]);
    }
    // Unnamed columns (trailing commas in the header) are fine while their cells are empty.
    let b = batch_of("csv-unnamed", DatasetClass::Profile, "a.csv", "crmId,note,,\nc-1,x,,\nc-2,y,z,\n");
    assert_eq!(b.records.len(), 1);
    assert_eq!(b.records[0].body.value(), serde_json::json!({"crmId": "c-1", "note": "x"}));
    assert_eq!(
        b.rejections.iter().map(|r| (r.line, r.reason)).collect::<Vec<_>>(),
        [(3, Reason::InvalidCsv)]
    );
    let closed = "crmId,note,size\nc-1,\"a\nb\"\"\",5\" screen\n";
    let closed = batch_of("csv-closed", DatasetClass::Profile, "a.csv", closed);
    assert!(closed.rejections.is_empty() && closed.records.len() == 1, "{:?}", closed.rejections);
    assert_eq!(closed.records[0].body.value()["note"], "a\nb\"");
}

#[test]
fn oversized_lines_are_rejected() {
    let big = format!("{{\"crmId\": \"c-1\", \"pad\": \"{}\"}}", "x".repeat(line::MAX_LINE_BYTES));
    let b = batch_of("big", DatasetClass::Profile, "a.jsonl", &big);
    assert_eq!(b.rejections[0].reason, Reason::TooLarge);
    assert!(b.rejections[0].detail.starts_with(&format!("line of {} bytes is over the", big.len())));
    assert!(b.records.is_empty());
    // A CSV row is measured as the record it becomes, and told as a row.
    let csv = format!("crmId,pad\nc-1,{}\nc-2,small\n", "x".repeat(line::MAX_LINE_BYTES));
    let b = batch_of("big-csv", DatasetClass::Profile, "a.csv", &csv);
    assert_eq!((b.rejections.len(), b.records.len()), (1, 1));
    assert_eq!((b.rejections[0].line, b.rejections[0].reason), (2, Reason::TooLarge));
    assert!(b.rejections[0].detail.starts_with("row of "), "{}", b.rejections[0].detail);
}

#[test]
fn inline_values_make_a_batch() {
    let root = temp_dir("inline");
    let ds = dataset("ds", DatasetClass::Profile, false, &[("crmId", "CRMID", true)]);
    let p = project(&root, vec![ds.clone()], vec![]);
    let values = vec![serde_json::json!({"crmId": "c-1"}), serde_json::json!(3)];
    let b = batch_from_values(&p, &ds, "ds/inline", &values);
    assert_eq!((b.records.len(), b.rejections.len()), (1, 1));
    assert_eq!((b.rejections[0].line, b.rejections[0].reason), (2, Reason::NotAnObject));
    let _ = std::fs::remove_dir_all(&root);
}

/// Writes a small Parquet file: crmId (string), points (optional int64), seen (timestamp µs),
/// and a row without crmId.
fn write_parquet(path: &std::path::Path) -> Result<(), ::parquet::errors::ParquetError> {
    use ::parquet::data_type::{ByteArray, ByteArrayType, Int64Type};
    use ::parquet::file::properties::WriterProperties;
    use ::parquet::file::writer::SerializedFileWriter;
    use std::sync::Arc;
    let schema = ::parquet::schema::parser::parse_message_type(
        "message r { OPTIONAL BYTE_ARRAY crmId (UTF8); OPTIONAL INT64 points; \
         OPTIONAL INT64 seen (TIMESTAMP(MICROS,true)); }",
    )?;
    let file =
        std::fs::File::create(path).map_err(|e| ::parquet::errors::ParquetError::General(e.to_string()))?;
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(file, Arc::new(schema), props)?;
    let mut group = writer.next_row_group()?;
    let mut index = 0;
    while let Some(mut col) = group.next_column()? {
        match index {
            0 => {
                let values = [ByteArray::from("c-1"), ByteArray::from("c-2")];
                col.typed::<ByteArrayType>().write_batch(&values, Some(&[1, 1, 0]), None)?;
            }
            1 => {
                col.typed::<Int64Type>().write_batch(&[42], Some(&[1, 0, 0]), None)?;
            }
            _ => {
                let t = [1_790_856_000_000_000i64, 1_790_856_000_000_000, 1_790_856_000_000_000];
                col.typed::<Int64Type>().write_batch(&t, Some(&[1, 1, 1]), None)?;
            }
        }
        col.close()?;
        index += 1;
    }
    group.close()?;
    writer.close()?;
    Ok(())
}

#[test]
fn parquet_rows_become_records() {
    let root = temp_dir("parquet");
    let mut ds = dataset("ds", DatasetClass::Event, false, &[("crmId", "CRMID", true)]);
    ds.timestamp = "seen".into();
    let p = project(&root, vec![ds], vec![]);
    std::fs::create_dir_all(root.join("data/ds")).expect("mkdir");
    write_parquet(&root.join("data/ds/a.parquet")).expect("write parquet");
    let files = list_batches(&p).expect("list");
    let b = read_batch(&p, &files[0], &super::Keep::whole());
    let sample = parquet::read_rows(&files[0].path, 1);
    let _ = std::fs::remove_dir_all(&root);
    assert_eq!(sample.len(), 1);
    assert_eq!(sample[0]["crmId"], "c-1");
    assert_eq!(b.events.len(), 2, "{:?}", b.rejections);
    assert_eq!(b.events[0].body["points"], 42);
    assert_eq!(b.events[0].body["seen"], "2026-10-01T12:00:00.000Z");
    assert_eq!(b.events[0].time, 1_790_856_000_000_000);
    assert_eq!(b.events[1].identities[0].to_string(), "CRMID:c-2");
    assert_eq!(
        (b.rejections.len(), b.rejections[0].line, b.rejections[0].reason),
        (1, 3, Reason::NoIdentity)
    );
}

/// A JSONL file read a chunk at a time gives each line its number and byte offset as if it were
/// read whole: lines across chunk boundaries, a line longer than a chunk, CRLF, a blank and a bad
/// line, and a last line without `\n`.
#[test]
fn chunked_jsonl_reading_keeps_line_numbers_and_offsets() {
    let (root, p) = one_dataset("chunks", DatasetClass::Event, true);
    let event = |i: usize| {
        let pad = "p".repeat(i * 37 % 1500);
        format!(
            r#"{{"_id": "e-{i}", "timestamp": "2026-10-01T12:00:00Z", "crmId": "c-{i}", "eventType": "t{}", "pad": "{pad}"}}"#,
            i % 3
        )
    };
    let mut lines: Vec<String> = (0..3000).map(event).collect();
    lines[10].push('\r');
    lines[20] = "{not json".into();
    lines[30] = String::new();
    lines[1500] = format!(r#"{{"crmId": "c-x", "pad": "{}"}}"#, "x".repeat(line::MAX_LINE_BYTES + 10));
    let text = lines.join("\n");
    write(&root, "data/ds/a.jsonl", &text);
    let files = list_batches(&p).expect("list");
    let keep = Keep { event_paths: Some(vec![vec!["eventType".into()]]) };
    let b = read_batch(&p, &files[0], &keep);
    let rejected: Vec<(u32, Reason)> = b.rejections.iter().map(|r| (r.line, r.reason)).collect();
    assert_eq!(rejected, vec![(21, Reason::InvalidJson), (1501, Reason::TooLarge)]);
    assert_eq!(b.events.len(), 2997);
    let mut offset = 0u64;
    let offsets: Vec<u64> = lines
        .iter()
        .map(|l| {
            let at = offset;
            offset += l.len() as u64 + 1;
            at
        })
        .collect();
    for e in &b.events {
        let i = e.line as usize - 1;
        assert_eq!(e.offset, Some(offsets[i]), "line {}", e.line);
        assert_eq!(e.id.as_deref(), Some(format!("e-{i}").as_str()));
        assert_eq!(e.fields, vec![serde_json::json!(format!("t{}", i % 3))]);
        assert!(e.body.is_null());
        let file = std::fs::File::open(&files[0].path).expect("batch file");
        let back = read_line_from(&file, offsets[i]).expect("line");
        assert_eq!(back, lines[i].trim_end_matches('\r'));
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Events read by slots get their identities a chunk of lines at a time (`line::Deferred`):
/// over chunk boundaries, among lines left to serde and rejected lines, each event has the
/// identities and primary that reading every line whole gives it, as the same texts.
#[test]
fn identities_interned_a_chunk_at_a_time_are_those_of_a_whole_parse() {
    let (root, p) = one_dataset("deferred", DatasetClass::Event, false);
    let event = |i: usize| {
        let pad = "p".repeat(i * 53 % 1200);
        let email = match i % 4 {
            0 => format!(
                r#", "Email": [{{"id": " Person{}@Example.COM "}}, {{"id": "person{}@example.com"}}]"#,
                i % 50,
                i % 50
            ),
            1 => r#", "Email": [{"id": ""}, {"id": "null"}]"#.to_string(),
            2 => format!(r#", "Email": [{{"id": "p{i}@x.se", "primary": true}}]"#),
            _ => String::new(),
        };
        let crm = if i.is_multiple_of(3) { format!(r#", "crmId": "c-{}""#, i % 70) } else { String::new() };
        let time = if i.is_multiple_of(97) { "not a time" } else { "2026-10-01T12:00:00Z" };
        format!(
            r#"{{"_id": "e-{i}", "timestamp": "{time}", "identityMap": {{"ECID": [{{"id": "{}"}}]{email}}}{crm}, "eventType": "t", "pad": "{pad}"}}"#,
            i % 400
        )
    };
    let mut lines: Vec<String> = (0..4000).map(event).collect();
    // Left to serde by the scanner (a key with an escape), and lines with no valid identity.
    lines[5] = lines[5].replacen("\"eventType\"", "\"\\u0065ventType\"", 1);
    lines[2500] = lines[2500].replacen("\"pad\"", "\"p\\u0061d\"", 1);
    lines[7] =
        r#"{"_id": "x", "timestamp": "2026-10-01T12:00:00Z", "identityMap": {"Email": [{"id": " "}]}}"#
            .into();
    lines[8] = "{broken".into();
    write(&root, "data/ds/a.jsonl", &lines.join("\n"));
    let files = list_batches(&p).expect("list");
    let keep = Keep { event_paths: Some(vec![vec!["eventType".into()]]) };
    let by_slots = read_batch(&p, &files[0], &keep);
    let whole = read_batch(&p, &files[0], &Keep::whole());
    assert!(by_slots.events.len() > 3000, "{}", by_slots.events.len());
    assert_eq!(by_slots.events.len(), whole.events.len());
    assert_eq!(by_slots.dropped_identities, whole.dropped_identities);
    let reasons = |b: &Batch| b.rejections.iter().map(|r| (r.line, r.reason)).collect::<Vec<_>>();
    assert_eq!(reasons(&by_slots), reasons(&whole));
    for (a, b) in by_slots.events.iter().zip(&whole.events) {
        assert_eq!((a.line, a.primary), (b.line, b.primary));
        assert_eq!(a.identities, b.identities, "line {}", a.line);
        let addresses = |e: &Event| e.identities.iter().map(Ident::address).collect::<Vec<_>>();
        assert_eq!(addresses(a), addresses(b), "the same texts, line {}", a.line);
    }
    // Line 13: two spellings of one email (one identity), and a CRMID field.
    let line_13 = by_slots.events.iter().find(|e| e.line == 13).expect("line 13");
    let keys: Vec<String> = line_13.identities.iter().map(Ident::key).collect();
    assert_eq!(keys, ["ECID:12", "Email:person12@example.com", "CRMID:c-12"]);
    let _ = std::fs::remove_dir_all(&root);
}

/// Profile records get their identities a chunk of lines at a time too: over chunk
/// boundaries each record has its own, in order, with the declared primary.
#[test]
fn records_over_many_chunks_keep_their_own_identities() {
    let record = |i: usize| {
        format!(
            r#"{{"crmId": "c-{i}", "identityMap": {{"Email": [{{"id": "P{i}@X.se"}}]}}, "pad": "{}"}}"#,
            "p".repeat(i * 41 % 900)
        )
    };
    let mut lines: Vec<String> = (0..4000).map(record).collect();
    lines[100] = r#"{"identityMap": {"Email": [{"id": "  "}]}}"#.into();
    let b = batch_of("records-deferred", DatasetClass::Profile, "a.jsonl", &lines.join("\n"));
    assert_eq!(b.records.len(), 3999);
    assert_eq!(
        b.rejections.iter().map(|r| (r.line, r.reason)).collect::<Vec<_>>(),
        [(101, Reason::NoIdentity)]
    );
    for r in &b.records {
        let i = r.line as usize - 1;
        let keys: Vec<String> = r.identities.iter().map(Ident::key).collect();
        assert_eq!(keys, [format!("Email:p{i}@x.se"), format!("CRMID:c-{i}")], "line {}", r.line);
        assert_eq!(r.primary, 1, "the declared field");
    }
}

/// A byte order mark (Windows tools write one) opens no line: the first line is read as it
/// would be without it, in JSONL as in CSV, and an event of it is read back from its offset.
#[test]
fn a_byte_order_mark_is_skipped() {
    let (bom, bom_text) = ("\u{feff}", "\u{feff}{\"crmId\": \"c-9\"}\r\n");
    let jsonl = "{\"crmId\": \"c-1\", \"timestamp\": \"2026-10-01T12:00:00Z\"}\r\n{\"crmId\": \"c-2\"}\r\n";
    let with = batch_of("bom-jsonl", DatasetClass::Profile, "a.jsonl", &format!("{bom}{jsonl}"));
    let without = batch_of("no-bom-jsonl", DatasetClass::Profile, "a.jsonl", jsonl);
    assert!(with.rejections.is_empty(), "{:?}", with.rejections);
    assert_eq!(format!("{:?}", with.records), format!("{:?}", without.records));
    let only = batch_of("bom-only", DatasetClass::Profile, "a.jsonl", bom);
    assert!(only.records.is_empty() && only.rejections.is_empty());
    // A mark anywhere else is no mark: a second one makes the line invalid JSON.
    let twice = batch_of("bom-twice", DatasetClass::Profile, "a.jsonl", &format!("{bom}{bom_text}"));
    assert_eq!(twice.rejections.iter().map(|r| r.reason).collect::<Vec<_>>(), vec![Reason::InvalidJson]);
    let csv = "crmId,person.name\r\nc-1,Ann\r\n";
    let with = batch_of("bom-csv", DatasetClass::Profile, "a.csv", &format!("{bom}{csv}"));
    let without = batch_of("no-bom-csv", DatasetClass::Profile, "a.csv", csv);
    assert_eq!(format!("{:?}", with.records), format!("{:?}", without.records));

    let (root, p) = one_dataset("bom-offsets", DatasetClass::Event, true);
    let first = r#"{"_id": "e-1", "timestamp": "2026-10-01T12:00:00Z", "crmId": "c-1", "eventType": "a"}"#;
    write(&root, "data/ds/a.jsonl", &format!("{bom}{first}\n"));
    let files = list_batches(&p).expect("list");
    let b = read_batch(&p, &files[0], &Keep { event_paths: Some(vec![vec!["eventType".into()]]) });
    assert_eq!(b.events.len(), 1);
    assert_eq!(b.events[0].offset, Some(bom.len() as u64));
    let file = std::fs::File::open(&files[0].path).expect("batch file");
    assert_eq!(read_line_from(&file, bom.len() as u64).expect("line"), first);
    let _ = std::fs::remove_dir_all(&root);
}

/// The files directly in a dataset's folder are its batches, a link to a file included; hidden
/// files, editors' and copiers' temporary files and folders are not (as `watch` ignores them).
#[test]
fn batches_are_the_files_of_a_dataset_folder_but_temporary_ones() {
    let root = temp_dir("listing");
    let ds = dataset("ds", DatasetClass::Profile, false, &[("crmId", "CRMID", true)]);
    let p = project(&root, vec![ds], vec![]);
    let line = "{\"crmId\": \"c-1\"}\n";
    for name in
        ["a.jsonl", ".hidden.jsonl", "b.jsonl~", "c.jsonl.part", "d.jsonl.swp", "e.jsonl.tmp-12", "f.csv"]
    {
        write(&root, &format!("data/ds/{name}"), line);
    }
    write(&root, "data/ds/sub/g.jsonl", line);
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("data/ds/a.jsonl"), root.join("data/ds/h.jsonl")).expect("symlink");
    let ids: Vec<String> = list_batches(&p).expect("list").into_iter().map(|f| f.id).collect();
    let _ = std::fs::remove_dir_all(&root);
    let mut expected = vec!["ds/a.jsonl", "ds/f.csv"];
    if cfg!(unix) {
        expected.push("ds/h.jsonl");
    }
    assert_eq!(ids, expected);
}

/// Normalizing without copying gives what copying at every step gave.
#[test]
fn normalize_equals_the_copying_reference() {
    use crate::policy::{Namespace, NamespaceType, Normalize};
    let reference = |steps: &[Normalize], raw: &str| {
        let mut v = raw.to_string();
        for n in steps {
            v = match n {
                Normalize::Trim => v.trim().to_string(),
                Normalize::Lowercase => v.to_lowercase(),
                Normalize::Uppercase => v.to_uppercase(),
            };
        }
        let t = v.trim();
        let valid =
            !t.is_empty() && !["null", "anonymous", "invalid"].iter().any(|p| t.eq_ignore_ascii_case(p));
        valid.then_some(v)
    };
    let (t, l, u) = (Normalize::Trim, Normalize::Lowercase, Normalize::Uppercase);
    for steps in [vec![], vec![t], vec![l], vec![u], vec![t, l], vec![l, t], vec![u, t, l]] {
        let ns = Namespace {
            code: "X".into(),
            ty: NamespaceType::Cookie,
            unique: false,
            priority: None,
            normalize: steps.clone(),
            pattern: None,
        };
        for raw in [
            "ann@x.se",
            " Ann@X.se ",
            "ÅSA",
            "straße",
            "İstanbul",
            "  ",
            "\t",
            "NULL ",
            " anonymous",
            "a\u{3a3}",
            "ǅ",
            "x",
        ] {
            let got = identities::normalize(&ns, raw).ok().map(|v| v.into_owned());
            assert_eq!(got, reference(&steps, raw), "{steps:?} {raw:?}");
        }
    }
}

#[test]
fn a_json_array_file_is_read_element_by_element() {
    // Pretty-printed, as tools export: each element is a record numbered by its first line.
    let text = "\u{feff}[\n  {\"crmId\": \"c-1\", \"name\": \"Ann\"},\n  {\"crmId\": \"c-2\",\n   \"tags\": [\"a,b\", \"]\"]},\n  [1],\n  {\"crmId\": \"c-3\" \"name\": 1},\n  {\"name\": \"no id\"}\n]\n";
    let b = batch_of("array", DatasetClass::Profile, "a.json", text);
    let records: Vec<(u32, String)> =
        b.records.iter().map(|r| (r.line, r.identities[r.primary as usize].to_string())).collect();
    assert_eq!(records, vec![(2, "CRMID:c-1".to_string()), (3, "CRMID:c-2".to_string())]);
    assert_eq!(b.records[1].body.value()["tags"], serde_json::json!(["a,b", "]"]));
    let rejected: Vec<(u32, &str, &str)> =
        b.rejections.iter().map(|r| (r.line, r.reason.as_str(), r.raw.as_str())).collect();
    assert_eq!(
        rejected,
        vec![
            (5, "notAnObject", "[1]"),
            (6, "invalidJson", "{\"crmId\": \"c-3\" \"name\": 1}"),
            (7, "noIdentity", "{\"name\": \"no id\"}"),
        ]
    );
    // The parse error's place is the file's, not the element's.
    assert_eq!(b.rejections[1].detail, "expected `,` or `}` at line 6 column 19");
}

#[test]
fn an_array_file_that_is_cut_short_is_read_as_lines() {
    // No line is taken into another's rejection: each is rejected on its own.
    let text = "[{\"crmId\": \"c-1\"},\n {\"crmId\": \"c-2\"},\n {\"crmId\": \"c-3\", \"name\": ";
    let b = batch_of("array-cut", DatasetClass::Profile, "a.json", text);
    assert!(b.records.is_empty());
    let rejected: Vec<(u32, Reason)> = b.rejections.iter().map(|r| (r.line, r.reason)).collect();
    assert_eq!(rejected, vec![(1, Reason::InvalidJson), (2, Reason::InvalidJson), (3, Reason::InvalidJson)]);
}

#[test]
fn events_of_an_array_file_keep_their_bodies_and_fields() {
    let root = temp_dir("array-events");
    let ds = dataset("web", DatasetClass::Event, false, &[]);
    let p = project(&root, vec![ds], vec![policy("p", GraphType::Pdg, MergeType::TimestampOrdered, &[])]);
    let event = |n: u32| {
        format!("{{\"_id\": \"e{n}\", \"timestamp\": \"2026-10-0{n}T00:00:00Z\", \"identityMap\": {{\"ECID\": [{{\"id\": \"d-{n}\"}}]}}, \"price\": {n}}}")
    };
    write(&root, "data/web/a.json", &format!("[\n{},\n{}\n]", event(1), event(2)));
    let files = list_batches(&p).expect("list");
    let keep = Keep { event_paths: Some(vec![vec!["price".to_string()]]) };
    let b = read_batch(&p, &files[0], &keep);
    let _ = std::fs::remove_dir_all(&root);
    let events: Vec<(u32, Option<u64>, &serde_json::Value)> =
        b.events.iter().map(|e| (e.line, e.offset, &e.fields[0])).collect();
    assert_eq!(events, vec![(2, None, &serde_json::json!(1)), (3, None, &serde_json::json!(2))]);
    assert_eq!(b.events[1].body["_id"], "e2");
    assert!(b.rejections.is_empty());
}
