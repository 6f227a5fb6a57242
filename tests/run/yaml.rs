//! A small YAML → JSON reader for the case files (block and flow collections, plain scalars typed
//! as YAML 1.2 core: null, bools, ints, floats; quoted and block scalars are strings).

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::Value as Json;

pub fn parse(text: &str) -> Result<Json, String> {
    let mut events = Vec::new();
    for ev in Parser::new_from_str(text) {
        let (ev, _) = ev.map_err(|e| e.to_string())?;
        events.push(ev);
    }
    let mut it = events.into_iter().filter(|e| {
        !matches!(e, Event::StreamStart | Event::StreamEnd | Event::DocumentStart(_) | Event::DocumentEnd)
    });
    let first = it.next().ok_or("empty document")?;
    node(first, &mut it)
}

fn node<'a>(ev: Event<'a>, it: &mut impl Iterator<Item = Event<'a>>) -> Result<Json, String> {
    match ev {
        Event::Scalar(s, style, _, _) => Ok(scalar(&s, style)),
        Event::SequenceStart(..) => {
            let mut out = Vec::new();
            loop {
                match it.next().ok_or("unterminated sequence")? {
                    Event::SequenceEnd => return Ok(Json::Array(out)),
                    e => out.push(node(e, it)?),
                }
            }
        }
        Event::MappingStart(..) => {
            let mut out = serde_json::Map::new();
            loop {
                let key = match it.next().ok_or("unterminated mapping")? {
                    Event::MappingEnd => return Ok(Json::Object(out)),
                    Event::Scalar(s, ..) => s.to_string(),
                    _ => return Err("mapping keys must be scalars".into()),
                };
                let value = node(it.next().ok_or("missing value")?, it)?;
                out.insert(key, value);
            }
        }
        other => Err(format!("unsupported YAML event {other:?}")),
    }
}

fn scalar(s: &str, style: ScalarStyle) -> Json {
    if style != ScalarStyle::Plain {
        return Json::String(s.to_string());
    }
    match s {
        "null" | "~" | "" => return Json::Null,
        "true" => return Json::Bool(true),
        "false" => return Json::Bool(false),
        _ => {}
    }
    if let Ok(i) = s.parse::<i64>() {
        return Json::from(i);
    }
    if s.contains(['.', 'e', 'E']) {
        if let Some(n) = s.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return Json::Number(n);
        }
    }
    Json::String(s.to_string())
}
