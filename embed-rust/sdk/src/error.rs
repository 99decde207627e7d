//! Errors that cross the plugin boundary: the plugin's own, or another runtime's passed through.

use crate::abi::{pm_error, pm_host_api};
use std::ffi::{CStr, CString};
use std::fmt;

/// An error a plugin function returns. Its own (`Error::new("ValueError", "…")`, or from a string),
/// or one that came back from a call into the host (a Python exception, say), which is returned
/// as it is, so that the caller sees the original runtime, type and trace.
pub struct Error {
    repr: Repr,
}

enum Repr {
    /// `trace`: lines saying where in the plugin it happened ("" for none).
    Own { kind: String, message: String, trace: String },
    Host { raw: *mut pm_error, api: &'static pm_host_api },
}

// The host's error objects may be moved to and freed on any thread.
unsafe impl Send for Error {}

impl Error {
    /// A new error: `kind` is its type name ("ValueError", "ShapeError"), `message` for a person.
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Error {
        Error { repr: Repr::Own { kind: kind.into(), message: message.into(), trace: String::new() } }
    }

    /// The same error with `trace` (lines saying where in the plugin it happened) above the trace
    /// the host gives it: a caught panic's "panicked at src/lib.rs:12:5". An error that came from
    /// the host keeps its own trace.
    pub(crate) fn with_trace(mut self, trace: String) -> Error {
        if let Repr::Own { trace: ref mut own, .. } = self.repr {
            *own = trace;
        }
        self
    }

    pub(crate) fn from_host(raw: *mut pm_error, api: &'static pm_host_api) -> Error {
        Error { repr: Repr::Host { raw, api } }
    }

    fn host_field(&self, field: unsafe extern "C" fn(*const pm_error) -> *const std::os::raw::c_char) -> String {
        match &self.repr {
            Repr::Host { raw, .. } => unsafe { CStr::from_ptr(field(*raw)).to_string_lossy().into_owned() },
            Repr::Own { .. } => String::new(),
        }
    }

    /// The runtime the error came from: "rust" for the plugin's own.
    pub fn runtime(&self) -> String {
        match &self.repr {
            Repr::Own { .. } => "rust".to_string(),
            Repr::Host { api, .. } => self.host_field(api.error_runtime),
        }
    }

    /// Its type name in that runtime ("ValueError", "ZeroDivisionError").
    pub fn kind(&self) -> String {
        match &self.repr {
            Repr::Own { kind, .. } => kind.clone(),
            Repr::Host { api, .. } => self.host_field(api.error_type),
        }
    }

    pub fn message(&self) -> String {
        match &self.repr {
            Repr::Own { message, .. } => message.clone(),
            Repr::Host { api, .. } => self.host_field(api.error_message),
        }
    }

    /// The owned pm_error the host takes over when a plugin function returns this error.
    pub(crate) fn into_raw(mut self, api: &pm_host_api) -> *mut pm_error {
        // Take the representation out; what is left in `self` drops harmlessly.
        let empty = Repr::Own { kind: String::new(), message: String::new(), trace: String::new() };
        let repr = std::mem::replace(&mut self.repr, empty);
        match repr {
            Repr::Host { raw, .. } => raw,
            Repr::Own { kind, mut message, trace } => {
                let c_string = |s: &str| CString::new(s.replace('\0', " ")).unwrap_or_default();
                let with_trace = if trace.is_empty() { None } else { api.error_new_with_trace() };
                if let Some(error_new_with_trace) = with_trace {
                    let (kind, message, trace) = (c_string(&kind), c_string(&message), c_string(&trace));
                    return unsafe { error_new_with_trace(api, kind.as_ptr(), message.as_ptr(), trace.as_ptr()) };
                }
                // A host older than 1.3 has nowhere else to keep the trace: the message says it.
                if !trace.is_empty() {
                    message = format!("{} ({})", message, trace.replace('\n', "; "));
                }
                let (kind, message) = (c_string(&kind), c_string(&message));
                unsafe { (api.error_new)(api, kind.as_ptr(), message.as_ptr()) }
            }
        }
    }
}

impl Drop for Error {
    fn drop(&mut self) {
        if let Repr::Host { raw, api } = self.repr {
            unsafe { (api.error_delete)(raw) };
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.runtime(), self.kind(), self.message())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for Error {}

impl From<&str> for Error {
    fn from(message: &str) -> Error {
        Error::new("Error", message)
    }
}

impl From<String> for Error {
    fn from(message: String) -> Error {
        Error::new("Error", message)
    }
}
