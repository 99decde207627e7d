//! Calls back into the host: any runtime, any function, with JSON values and buffers.

use crate::abi::*;
use crate::buffer::{Buffer, BufferView, BufferViewMut, Element};
use crate::error::Error;
use crate::json::Json;
use std::ffi::CString;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The host table, recorded by the first call into the plugin; valid for the process's life, so
/// threads the plugin starts may use it too.
static HOST: AtomicPtr<pm_host_api> = AtomicPtr::new(std::ptr::null_mut());

#[inline]
pub(crate) fn set_host_api(api: *const pm_host_api) {
    // Stored once per host table, not on every call: a store per call would bounce the cache
    // line between threads calling the plugin concurrently.
    if HOST.load(Ordering::Relaxed) != api as *mut pm_host_api {
        HOST.store(api as *mut pm_host_api, Ordering::Release);
    }
}

pub(crate) fn host_api() -> Result<&'static pm_host_api, Error> {
    let p = HOST.load(Ordering::Acquire);
    if p.is_null() {
        Err(Error::new("HostError", "the host has not called this plugin yet"))
    } else {
        Ok(unsafe { &*p })
    }
}

/// An argument of a call into the host: a JSON value, or a buffer (passed as a view of the same
/// memory, never copied).
pub enum Arg {
    Value(Json),
    Buffer(*mut pm_buffer),
}

impl<T: Into<Json>> From<T> for Arg {
    fn from(v: T) -> Arg {
        Arg::Value(v.into())
    }
}
impl<T: Element> From<&BufferView<T>> for Arg {
    fn from(v: &BufferView<T>) -> Arg {
        Arg::Buffer(v.raw_buffer())
    }
}
impl<T: Element> From<&BufferViewMut<T>> for Arg {
    fn from(v: &BufferViewMut<T>) -> Arg {
        Arg::Buffer(v.view().raw_buffer())
    }
}
impl From<&Buffer> for Arg {
    fn from(b: &Buffer) -> Arg {
        Arg::Buffer(b.raw())
    }
}

/// What a call returned: the JSON value (buffers in it are {"_type":"Buffer","view":i}, and
/// `buffers[i]` is that buffer).
pub struct Reply {
    pub value: Json,
    pub buffers: Vec<Buffer>,
}

/// The host, for calls into other runtimes: `promethean::host().call("py", "numpy.mean", &[(&img).into()])`.
#[derive(Clone, Copy)]
pub struct Host {
    api: &'static pm_host_api,
}

/// The host this plugin was loaded by. Panics before the host first called the plugin (a plugin
/// function always runs after that).
pub fn host() -> Host {
    Host { api: host_api().expect("promethean::host() before the host called this plugin") }
}

impl Host {
    /// Calls `function` in `runtime` ("py", "js", "rust", "sh") and waits for its result. An error
    /// there (a Python exception, say) comes back as an `Error` that keeps its runtime and type.
    pub fn call(&self, runtime: &str, function: &str, args: &[Arg]) -> Result<Reply, Error> {
        let mut text = String::from("[");
        let mut buffers: Vec<*mut pm_buffer> = Vec::new();
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            match a {
                Arg::Value(v) => text.push_str(&v.dump()),
                Arg::Buffer(b) => {
                    text.push_str(&format!("{{\"_type\":\"Buffer\",\"view\":{}}}", buffers.len()));
                    buffers.push(*b);
                }
            }
        }
        text.push(']');
        let runtime = CString::new(runtime).map_err(|_| Error::new("ValueError", "runtime name with a NUL"))?;
        let function = CString::new(function).map_err(|_| Error::new("ValueError", "function name with a NUL"))?;
        let mut result: *mut pm_result = std::ptr::null_mut();
        let e = unsafe {
            (self.api.host_call)(
                self.api,
                runtime.as_ptr(),
                function.as_ptr(),
                text.as_ptr() as *const std::os::raw::c_char,
                text.len(),
                buffers.as_ptr(),
                buffers.len(),
                &mut result,
            )
        };
        if !e.is_null() {
            return Err(Error::from_host(e, self.api));
        }
        let reply = unsafe { self.read_result(result) };
        unsafe { (self.api.result_delete)(result) };
        reply
    }

    unsafe fn read_result(&self, result: *mut pm_result) -> Result<Reply, Error> {
        let mut length = 0usize;
        let json = (self.api.result_json)(result, &mut length);
        let bytes = std::slice::from_raw_parts(json as *const u8, length);
        let text = std::str::from_utf8(bytes).map_err(|_| Error::new("NotJSON", "the host's reply is not UTF-8"))?;
        let value = Json::parse(text).map_err(|e| Error::new("NotJSON", e))?;
        let count = (self.api.result_buffer_count)(result);
        let mut buffers = Vec::with_capacity(count);
        for i in 0..count {
            let mut v = pm_buffer_view::zeroed();
            (self.api.result_buffer_view)(result, i, &mut v);
            buffers.push(Buffer::retained(v.buffer));
        }
        Ok(Reply { value, buffers })
    }
}
