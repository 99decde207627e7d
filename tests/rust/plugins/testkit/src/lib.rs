//! Functions that exercise the SDK's edges for the rust tests: panics, argument decoding, buffers
//! made and kept, threads calling back.
use promethean::{Buffer, BufferView, BufferViewMut, Error, Pending};
use std::sync::Mutex;

fn panics(message: String) -> u32 {
    panic!("{}", message);
}

/// Panics on the JSON path (an object argument is never a typed one).
fn panics_with(details: promethean::Json) -> u32 {
    panic!("with {}", details.dump());
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

fn nap(delay_ms: u64) {
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
}

/// A pending result: twice `value`, completed from a thread of its own after `delay_ms`.
fn later(value: f64, delay_ms: u64) -> Result<Pending, Error> {
    Pending::spawn(move || {
        nap(delay_ms);
        value * 2.0
    })
}

/// A pending result that fails after `delay_ms`.
fn later_fail(delay_ms: u64) -> Result<Pending, Error> {
    Pending::spawn(move || -> Result<f64, Error> {
        nap(delay_ms);
        Err(Error::new("LateError", format!("failed after {} ms", delay_ms)))
    })
}

/// A pending result whose completer is dropped, unsettled, after `delay_ms` (the call must fail,
/// not hang).
fn later_drop(delay_ms: u64) -> Result<Pending, Error> {
    let (pending, completer) = Pending::new()?;
    std::thread::spawn(move || {
        nap(delay_ms);
        drop(completer);
    });
    Ok(pending)
}

/// A pending result whose thread panics after `delay_ms`.
fn later_panic(delay_ms: u64) -> Result<Pending, Error> {
    Pending::spawn(move || -> f64 {
        nap(delay_ms);
        panic!("boom after {} ms", delay_ms)
    })
}

/// A pending buffer of `n` bytes valued `fill`, made (a Rust Vec) after `delay_ms`.
fn later_buffer(n: usize, fill: u8, delay_ms: u64) -> Result<Pending, Error> {
    Pending::spawn(move || {
        nap(delay_ms);
        Buffer::from_vec(vec![fill; n], &[n])
    })
}

/// Completed at once, before the function returns.
fn at_once(value: String) -> Result<Pending, Error> {
    let (pending, completer) = Pending::new()?;
    completer.complete(value);
    Ok(pending)
}

static CANCEL_SEEN: Mutex<Option<bool>> = Mutex::new(None);

/// A pending result that is never completed, whose thread watches for the caller giving up (for
/// at most `patience_ms`) and records whether it saw it (`cancel_seen`).
fn until_cancelled(patience_ms: u64) -> Result<Pending, Error> {
    *CANCEL_SEEN.lock().unwrap() = None;
    let (pending, completer) = Pending::new()?;
    std::thread::spawn(move || {
        let start = std::time::Instant::now();
        while !completer.is_cancelled() && start.elapsed().as_millis() < patience_ms as u128 {
            nap(5);
        }
        *CANCEL_SEEN.lock().unwrap() = Some(completer.is_cancelled());
        completer.complete("too late".to_string());
    });
    Ok(pending)
}

/// What the last `until_cancelled` thread saw: true, false, or null while it still waits.
fn cancel_seen() -> promethean::Json {
    match *CANCEL_SEEN.lock().unwrap() {
        Some(b) => promethean::Json::Bool(b),
        None => promethean::Json::Null,
    }
}

promethean::plugin! {
    name: "testkit",
    version: "0.0.1",
    functions: [panics, panics_with, echo, add, address, fill, zeros_typed, keep, release_kept, bad_shape, count_keys, fan_out,
                later, later_fail, later_drop, later_panic, later_buffer, at_once, until_cancelled, cancel_seen],
}
