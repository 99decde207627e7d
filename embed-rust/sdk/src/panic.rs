//! Where a plugin panicked: a panic hook records the location, so that the `Panic` error a caught
//! panic becomes says it in its trace ("panicked at src/lib.rs:12:5").
//!
//! `catch_unwind` gives the payload (the message) but not the location; only a panic hook sees
//! `PanicInfo::location()`. The SDK installs one hook, once per plugin (each cdylib carries its
//! own std, so its own hook: another plugin or the host is not touched). It records the location
//! in a thread-local, where the boundary that catches the panic (on the same thread: a function
//! call, or a `Pending::spawn` thread) takes it, and then runs the hook that was there before.
//!
//! Chained, not replacing: the previous hook is Rust's default unless the plugin set its own
//! first, and the default still prints the panic to stderr as every Rust program does, with the
//! backtrace `RUST_BACKTRACE=1` asks for, which the error cannot carry. A panic the SDK does not
//! catch (in a thread the plugin started) is then reported as before, and a plugin that installs
//! a hook of its own keeps the location in its errors by chaining to the one it replaces
//! (`std::panic::take_hook()` first), as Rust's documentation recommends for any hook.

use crate::error::Error;
use std::any::Any;
use std::cell::RefCell;
use std::sync::Once;

thread_local! {
    /// "FILE:LINE:COL" of this thread's last panic, until a boundary takes it.
    static LOCATION: RefCell<Option<String>> = RefCell::new(None);
}

/// Installs the recording hook, once; cheap after the first call (an atomic load).
pub(crate) fn record_panic_locations() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        // The parameter's type is left to inference: PanicInfo up to Rust 1.80 (Debian's cargo
        // is 1.65), PanicHookInfo after; both have location().
        std::panic::set_hook(Box::new(move |info| {
            if let Some(at) = info.location() {
                let at = format!("{}:{}:{}", at.file(), at.line(), at.column());
                // try_with: a panic while the thread's locals are being destroyed records nothing
                // rather than panicking inside the hook (which would abort).
                let _ = LOCATION.try_with(|slot| {
                    if let Ok(mut slot) = slot.try_borrow_mut() {
                        *slot = Some(at);
                    }
                });
            }
            previous(info);
        }));
    });
}

/// A panic's payload as text: the `panic!` message.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// The error a panic caught on this thread becomes: type `Panic`, its message, and "panicked at
/// FILE:LINE:COL" as its trace when the hook saw where.
pub(crate) fn panic_error(payload: &(dyn Any + Send)) -> Error {
    let error = Error::new("Panic", format!("the plugin panicked: {}", panic_message(payload)));
    let at = LOCATION.try_with(|slot| slot.try_borrow_mut().ok().and_then(|mut s| s.take())).ok().flatten();
    match at {
        Some(at) => error.with_trace(format!("panicked at {}", at)),
        None => error,
    }
}
