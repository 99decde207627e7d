//! The bench's Rust plugin: functions whose cost is the crossing itself, so that the call and
//! handoff benchmarks measure the bridge, not the work.
use promethean::{BufferView, Error, Json};

/// Two integers in, one out: the "small JSON argument" call.
fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The number of bytes of a buffer, reading its last one so that the memory is really reached
/// (a view over the wrong memory, or a missing one, fails here rather than passing quietly).
fn len(values: BufferView<u8>) -> Result<u64, Error> {
    match values.last() {
        Some(&v) if v == 1 => Ok(values.len() as u64),
        Some(&v) => Err(Error::new("ValueError", format!("the last byte is {}, the bench fills buffers with 1", v))),
        None => Err(Error::new("ValueError", "an empty buffer")),
    }
}

/// The receiving end of the JSON path: parses a JSON array of numbers and counts its elements.
fn parse_len(text: String) -> Result<u64, Error> {
    match Json::parse(&text) {
        Ok(Json::Array(items)) => Ok(items.len() as u64),
        Ok(other) => Err(Error::new("TypeError", format!("expected a JSON array, got {}", other.kind()))),
        Err(e) => Err(Error::new("ValueError", e)),
    }
}

/// A Rust panic on purpose (the chaos soak's injected fault): the SDK must catch it at the
/// boundary and hand the host a Panic error, never unwind into C++.
fn chaos_panic(code: i64) -> i64 {
    if code >= 0 {
        panic!("chaos: a Rust panic on purpose ({})", code);
    }
    code
}

promethean::plugin! {
    name: "benchplug",
    version: "0.1.0",
    functions: [add, len, parse_len, chaos_panic],
}
