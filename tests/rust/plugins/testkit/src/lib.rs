//! Functions that exercise the SDK's edges for the rust tests: panics, argument decoding, buffers
//! made and kept, threads calling back.
use promethean::{Buffer, BufferView, BufferViewMut, Error};
use std::sync::Mutex;

fn panics(message: String) -> u32 {
    panic!("{}", message);
}

fn add(a: f64, b: i64) -> f64 {
    a + b as f64
}

/// The caller's data pointer, to prove the plugin sees the same memory.
fn address(values: BufferView<f32>) -> u64 {
    values.as_slice().as_ptr() as u64
}

fn fill(mut values: BufferViewMut<i32>, value: i32) {
    for v in values.iter_mut() {
        *v = value;
    }
}

/// The text back: a result as large as its argument, which the host reads as JSON text.
fn echo(text: String) -> String {
    text
}

/// A host-allocated typed buffer, written here.
fn zeros_typed(n: usize, type_name: String) -> Result<Buffer, Error> {
    let mut b = Buffer::zeros::<u8>(&[n, 3], Some(&type_name))?;
    b.view_mut::<u8>()?.as_mut_slice()[0] = 7;
    Ok(b)
}

static KEPT: Mutex<Vec<Buffer>> = Mutex::new(Vec::new());

/// Keeps a reference past the call (released by `release_kept`).
fn keep(values: BufferView<u8>) -> usize {
    let mut kept = KEPT.lock().unwrap();
    kept.push(values.retain());
    kept.len()
}

fn release_kept() -> usize {
    let mut kept = KEPT.lock().unwrap();
    let n = kept.len();
    kept.clear();
    n
}

/// Takes JSON that only the JSON path can carry (an object), and a number.
fn count_keys(object: promethean::Json, extra: u32) -> Result<u32, Error> {
    match object {
        promethean::Json::Object(members) => Ok(members.len() as u32 + extra),
        other => Err(Error::new("TypeError", format!("expected an object, got {}", other.kind()))),
    }
}

fn bad_shape() -> Result<Buffer, Error> {
    Buffer::from_vec(vec![1u8, 2, 3], &[2, 2])
}

/// Starts `threads` threads that each call back into Python and JS (threads the host never saw
/// before), joins them, and returns what each got: [[py, js], ...].
fn fan_out(threads: u32) -> Result<promethean::Json, Error> {
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            std::thread::spawn(move || -> Result<promethean::Json, Error> {
                let host = promethean::host();
                let mut sum_py = 0i64;
                let mut sum_js = 0i64;
                for k in 0..50i64 {
                    let a: promethean::Arg = (i as i64).into();
                    let b: promethean::Arg = k.into();
                    sum_py += host.call("py", "operator.add", &[a, b])?.value.as_i64().unwrap_or(-1_000_000);
                    let a: promethean::Arg = (i as i64).into();
                    let b: promethean::Arg = k.into();
                    sum_js += host.call("js", "Math.max", &[a, b])?.value.as_i64().unwrap_or(-1_000_000);
                }
                Ok(promethean::Json::Array(vec![promethean::Json::Int(sum_py), promethean::Json::Int(sum_js)]))
            })
        })
        .collect();
    let mut results = Vec::new();
    for h in handles {
        match h.join() {
            Ok(r) => results.push(r?),
            Err(_) => return Err(Error::new("ThreadPanic", "a fan_out thread panicked")),
        }
    }
    Ok(promethean::Json::Array(results))
}

promethean::plugin! {
    name: "testkit",
    version: "0.0.1",
    functions: [panics, echo, add, address, fill, zeros_typed, keep, release_kept, bad_shape, count_keys, fan_out],
}
