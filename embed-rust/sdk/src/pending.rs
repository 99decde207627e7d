//! Pending results (ABI 1.2): a plugin function that returns before its value is ready, and the
//! `Completer` that settles it later, from any thread.
//!
//! ```ignore
//! use promethean::{Error, Pending};
//!
//! // The work runs on a thread of its own; the caller's await (or blocking call) gets its value.
//! fn slow_double(x: f64, delay_ms: u64) -> Result<Pending, Error> {
//!     Pending::spawn(move || {
//!         std::thread::sleep(std::time::Duration::from_millis(delay_ms));
//!         x * 2.0
//!     })
//! }
//!
//! // Or hand the Completer to whatever finishes the work (a worker pool, an event loop).
//! fn fetch(url: String) -> Result<Pending, Error> {
//!     let (pending, completer) = Pending::new()?;
//!     my_pool::submit(move || completer.complete(download(&url)));
//!     Ok(pending)
//! }
//! ```
//!
//! A `Completer` settles the call once (`complete` and `fail` take it by value). Dropped without
//! settling — a thread that panicked, a queue dropped at exit — it fails the call with a
//! `PendingDropped` error, so a caller never waits forever for a value that will not come.

use crate::abi::*;
use crate::error::Error;
use crate::export::{write_output, IntoOutput, Output};
use crate::host::host_api;
use crate::panic::{panic_error, record_panic_locations};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn pending_api(api: &pm_host_api) -> Result<PendingApi, Error> {
    api.pending_api().ok_or_else(|| {
        Error::new(
            "HostError",
            format!(
                "this host speaks plugin ABI {}.{}, which has no pending results (1.2 added them)",
                api.abi_major, api.abi_minor
            ),
        )
    })
}

/// A plugin function's value that comes later: return it (or `Result<Pending, Error>`), and
/// settle it with its `Completer`.
pub struct Pending {
    raw: *mut pm_pending,
    api: PendingApi,
}

/// Settles a `Pending` once, from any thread: `complete` with a value, `fail` with an error.
/// Dropped unsettled, it fails the call with a `PendingDropped` error.
pub struct Completer {
    raw: *mut pm_pending,
    api: &'static pm_host_api,
    pending: PendingApi,
}

// The host's pending results may be settled and given back on any thread.
unsafe impl Send for Pending {}
unsafe impl Send for Completer {}

impl Pending {
    /// A new pending result and its completer. Fails on a host without pending results.
    pub fn new() -> Result<(Pending, Completer), Error> {
        let api = host_api()?;
        let pending = pending_api(api)?;
        let mut raw: *mut pm_pending = std::ptr::null_mut();
        let e = unsafe { (pending.pending_new)(api, &mut raw) };
        if !e.is_null() {
            return Err(Error::from_host(e, api));
        }
        // Two references: the value's and the completer's, each given back when dropped.
        let other = unsafe { (pending.pending_retain)(raw) };
        Ok((Pending { raw, api: pending }, Completer { raw: other, api, pending }))
    }

    /// Runs `work` on a new thread and settles the call with what it returns (a value, or a
    /// `Result` whose error fails the call); a panic in `work` fails it with a `Panic` error
    /// whose trace says where it panicked.
    pub fn spawn<F, T>(work: F) -> Result<Pending, Error>
    where
        F: FnOnce() -> T + Send + 'static,
        T: IntoOutput,
    {
        let (pending, completer) = Pending::new()?;
        record_panic_locations();
        std::thread::Builder::new()
            .name("promethean-pending".into())
            .spawn(move || match catch_unwind(AssertUnwindSafe(work)) {
                Ok(value) => {
                    completer.complete(value);
                }
                Err(payload) => {
                    completer.fail(panic_error(payload.as_ref()));
                }
            })
            .map_err(|e| Error::new("ThreadError", format!("cannot start a thread for a pending result: {}", e)))?;
        Ok(pending)
    }

    /// Names this pending result as the value of `result` (what returning it does). `self` is
    /// dropped here, its reference given back: the result holds the call itself.
    pub(crate) unsafe fn set_as_value(self, result: *mut pm_result) -> *mut pm_error {
        (self.api.result_set_pending)(result, self.raw)
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        unsafe { (self.api.pending_delete)(self.raw) };
    }
}

impl IntoOutput for Pending {
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        out.pending = Some(self);
        Ok(())
    }
}

impl Completer {
    /// Settles the call with `value` (anything a plugin function may return: a number, a
    /// `Buffer`, `Json`, a `Result` whose error fails the call). True when this settled it; false
    /// when the caller no longer wanted it (cancelled, timed out, the host shut down).
    pub fn complete<T: IntoOutput>(self, value: T) -> bool {
        let mut out = Output::default();
        match value.into_output(&mut out) {
            Ok(()) if out.pending.is_some() => {
                self.fail(Error::new("BadResult", "a pending result cannot be completed with another pending result"))
            }
            Ok(()) => unsafe {
                let result = (self.pending.result_new)(self.api);
                if result.is_null() {
                    return self.fail(Error::new("MemoryError", "no memory for the pending result's value"));
                }
                let e = write_output(self.api, result, out);
                if !e.is_null() {
                    (self.api.result_delete)(result);
                    return (self.pending.pending_fail)(self.raw, e) != 0;
                }
                (self.pending.pending_complete)(self.raw, result) != 0
            },
            Err(e) => self.fail(e),
        }
    }

    /// Settles the call with `error`. Returns as `complete`.
    pub fn fail(self, error: impl Into<Error>) -> bool {
        let raw = error.into().into_raw(self.api);
        unsafe { (self.pending.pending_fail)(self.raw, raw) != 0 }
    }

    /// True once the value is no longer wanted (the caller cancelled, its timeout passed, the
    /// host shut down): long work may stop early.
    pub fn is_cancelled(&self) -> bool {
        unsafe { (self.pending.pending_cancelled)(self.raw) != 0 }
    }
}

impl Drop for Completer {
    fn drop(&mut self) {
        // Settled or not: the host fails the call ("PendingDropped") when this was the last
        // reference to an unsettled one.
        unsafe { (self.pending.pending_delete)(self.raw) };
    }
}
