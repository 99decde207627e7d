//! The bench's serde plugin: one function written twice, taking a small options object as a
//! serde struct and as the SDK's own `Json` value unpacked by hand, so that the bench measures
//! what the serde feature costs over the SDK's JSON (docs/BENCHMARKS.md).
use promethean::{Error, Json, Serde};
use serde::Deserialize;

#[derive(Deserialize)]
struct Frame {
    width: u32,
    height: u32,
    gain: f64,
    name: String,
    tags: Vec<String>,
}

fn score(width: u32, height: u32, gain: f64, name: &str, tags: usize) -> f64 {
    (width as f64 * height as f64) * gain + name.len() as f64 + tags as f64
}

/// The options as a serde struct.
fn frame_serde(frame: Serde<Frame>) -> f64 {
    score(frame.width, frame.height, frame.gain, &frame.name, frame.tags.len())
}

fn field<'a>(frame: &'a Json, key: &str) -> Result<&'a Json, Error> {
    frame.get(key).ok_or_else(|| Error::new("TypeError", format!("argument 1: missing field `{}`", key)))
}

fn unsigned(frame: &Json, key: &str) -> Result<u32, Error> {
    field(frame, key)?
        .as_i64()
        .and_then(|v| u32::try_from(v).ok())
        .ok_or_else(|| Error::new("TypeError", format!("argument 1, at .{}: expected u32", key)))
}

/// The same options as the SDK's `Json`, each field checked by hand as the serde struct's are.
fn frame_json(frame: Json) -> Result<f64, Error> {
    let width = unsigned(&frame, "width")?;
    let height = unsigned(&frame, "height")?;
    let gain = field(&frame, "gain")?.as_f64().ok_or_else(|| Error::new("TypeError", "argument 1, at .gain: expected f64"))?;
    let name = field(&frame, "name")?.as_str().ok_or_else(|| Error::new("TypeError", "argument 1, at .name: expected a string"))?;
    let tags = match field(&frame, "tags")? {
        Json::Array(items) if items.iter().all(|t| t.as_str().is_some()) => items.len(),
        _ => return Err(Error::new("TypeError", "argument 1, at .tags: expected a sequence of strings")),
    };
    Ok(score(width, height, gain, name, tags))
}

promethean::plugin! {
    name: "serdeplug",
    version: "0.1.0",
    functions: [frame_serde, frame_json],
}
