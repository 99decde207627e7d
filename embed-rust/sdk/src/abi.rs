//! The C ABI of `plugin_abi.h`, mirrored field for field (`#[repr(C)]`). Version 1.3.
#![allow(non_camel_case_types)]

use std::os::raw::{c_char, c_void};

pub const PM_PLUGIN_ABI_MAJOR: u16 = 1;
pub const PM_PLUGIN_ABI_MINOR: u16 = 3;

pub const PM_DTYPE_INT8: u32 = 0;
pub const PM_DTYPE_UINT8: u32 = 1;
pub const PM_DTYPE_INT16: u32 = 2;
pub const PM_DTYPE_UINT16: u32 = 3;
pub const PM_DTYPE_INT32: u32 = 4;
pub const PM_DTYPE_UINT32: u32 = 5;
pub const PM_DTYPE_INT64: u32 = 6;
pub const PM_DTYPE_UINT64: u32 = 7;
pub const PM_DTYPE_FLOAT32: u32 = 8;
pub const PM_DTYPE_FLOAT64: u32 = 9;

#[repr(C)]
pub struct pm_buffer {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct pm_error {
    _opaque: [u8; 0],
}
#[repr(C)]
pub struct pm_result {
    _opaque: [u8; 0],
}
/// A call's value that comes later (1.2): counted references, settled once.
#[repr(C)]
pub struct pm_pending {
    _opaque: [u8; 0],
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct pm_buffer_view {
    pub struct_size: u32,
    pub dtype: u32,
    pub data: *mut c_void,
    pub byte_length: u64,
    pub ndim: u32,
    pub readonly: u32,
    pub shape: *const u64,
    pub strides: *const i64,
    pub type_name: *const c_char,
    pub buffer_id: *const c_char,
    pub buffer: *mut pm_buffer,
    pub reserved: [*mut c_void; 4],
}

impl pm_buffer_view {
    pub fn zeroed() -> Self {
        pm_buffer_view {
            struct_size: std::mem::size_of::<pm_buffer_view>() as u32,
            dtype: 0,
            data: std::ptr::null_mut(),
            byte_length: 0,
            ndim: 0,
            readonly: 0,
            shape: std::ptr::null(),
            strides: std::ptr::null(),
            type_name: std::ptr::null(),
            buffer_id: std::ptr::null(),
            buffer: std::ptr::null_mut(),
            reserved: [std::ptr::null_mut(); 4],
        }
    }
}

#[repr(C)]
pub struct pm_host_api {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub context: *mut c_void,
    pub error_new: unsafe extern "C" fn(*const pm_host_api, *const c_char, *const c_char) -> *mut pm_error,
    pub error_delete: unsafe extern "C" fn(*mut pm_error),
    pub error_runtime: unsafe extern "C" fn(*const pm_error) -> *const c_char,
    pub error_type: unsafe extern "C" fn(*const pm_error) -> *const c_char,
    pub error_message: unsafe extern "C" fn(*const pm_error) -> *const c_char,
    pub error_trace: unsafe extern "C" fn(*const pm_error) -> *const c_char,
    pub buffer_create: unsafe extern "C" fn(*const pm_host_api, u32, u32, *const u64, *const c_char, *mut *mut pm_buffer) -> *mut pm_error,
    pub buffer_adopt: unsafe extern "C" fn(
        *const pm_host_api,
        *mut c_void,
        u32,
        u32,
        *const u64,
        Option<unsafe extern "C" fn(*mut c_void)>,
        *mut c_void,
        *mut *mut pm_buffer,
    ) -> *mut pm_error,
    pub buffer_retain: unsafe extern "C" fn(*const pm_buffer) -> *mut pm_buffer,
    pub buffer_delete: unsafe extern "C" fn(*mut pm_buffer),
    pub buffer_view: unsafe extern "C" fn(*const pm_buffer, *mut pm_buffer_view),
    pub result_set_json: unsafe extern "C" fn(*mut pm_result, *const c_char, usize) -> *mut pm_error,
    pub result_add_buffer: unsafe extern "C" fn(*mut pm_result, *mut pm_buffer) -> usize,
    pub result_json: unsafe extern "C" fn(*const pm_result, *mut usize) -> *const c_char,
    pub result_buffer_count: unsafe extern "C" fn(*const pm_result) -> usize,
    pub result_buffer_view: unsafe extern "C" fn(*const pm_result, usize, *mut pm_buffer_view),
    pub result_delete: unsafe extern "C" fn(*mut pm_result),
    pub host_call: unsafe extern "C" fn(
        *const pm_host_api,
        *const c_char,
        *const c_char,
        *const c_char,
        usize,
        *const *mut pm_buffer,
        usize,
        *mut *mut pm_result,
    ) -> *mut pm_error,
    pub reserved: [*mut c_void; 8],
    // 1.1: read only through `pm_host_api::result_set_buffer()`, which checks struct_size.
    result_set_buffer: Option<unsafe extern "C" fn(*mut pm_result, *mut pm_buffer) -> *mut pm_error>,
    // 1.2: read only through `pm_host_api::pending_api()`, which checks struct_size.
    result_new: Option<unsafe extern "C" fn(*const pm_host_api) -> *mut pm_result>,
    pending_new: Option<unsafe extern "C" fn(*const pm_host_api, *mut *mut pm_pending) -> *mut pm_error>,
    result_set_pending: Option<unsafe extern "C" fn(*mut pm_result, *const pm_pending) -> *mut pm_error>,
    pending_retain: Option<unsafe extern "C" fn(*const pm_pending) -> *mut pm_pending>,
    pending_delete: Option<unsafe extern "C" fn(*mut pm_pending)>,
    pending_complete: Option<unsafe extern "C" fn(*mut pm_pending, *mut pm_result) -> i32>,
    pending_fail: Option<unsafe extern "C" fn(*mut pm_pending, *mut pm_error) -> i32>,
    pending_cancelled: Option<unsafe extern "C" fn(*const pm_pending) -> i32>,
    // 1.3: read only through `pm_host_api::error_new_with_trace()`, which checks struct_size.
    error_new_with_trace: Option<ErrorNewWithTrace>,
}

/// `error_new_with_trace` (1.3): error_new with the plugin's own trace lines.
pub type ErrorNewWithTrace =
    unsafe extern "C" fn(*const pm_host_api, *const c_char, *const c_char, *const c_char) -> *mut pm_error;

/// The host functions of pending results (ABI 1.2), all there together.
#[derive(Clone, Copy)]
pub struct PendingApi {
    pub result_new: unsafe extern "C" fn(*const pm_host_api) -> *mut pm_result,
    pub pending_new: unsafe extern "C" fn(*const pm_host_api, *mut *mut pm_pending) -> *mut pm_error,
    pub result_set_pending: unsafe extern "C" fn(*mut pm_result, *const pm_pending) -> *mut pm_error,
    pub pending_retain: unsafe extern "C" fn(*const pm_pending) -> *mut pm_pending,
    pub pending_delete: unsafe extern "C" fn(*mut pm_pending),
    pub pending_complete: unsafe extern "C" fn(*mut pm_pending, *mut pm_result) -> i32,
    pub pending_fail: unsafe extern "C" fn(*mut pm_pending, *mut pm_error) -> i32,
    pub pending_cancelled: unsafe extern "C" fn(*const pm_pending) -> i32,
}

impl pm_host_api {
    /// Whether the host's table reaches the end of the member at `field` (std::mem::offset_of!
    /// needs Rust 1.77; Debian 12's rustc is 1.63): a member beyond it must not be read at all.
    fn covers(&self, field: usize) -> bool {
        let table = self as *const pm_host_api as usize;
        self.struct_size as usize >= field - table + std::mem::size_of::<usize>()
    }

    /// `result_set_buffer` (1.1) when the host has it: a 1.0 host's table ends before it, and the
    /// field must not be read at all then.
    pub fn result_set_buffer(&self) -> Option<unsafe extern "C" fn(*mut pm_result, *mut pm_buffer) -> *mut pm_error> {
        if !self.covers(std::ptr::addr_of!(self.result_set_buffer) as usize) {
            return None;
        }
        self.result_set_buffer
    }

    /// `error_new_with_trace` (1.3) when the host has it.
    pub fn error_new_with_trace(&self) -> Option<ErrorNewWithTrace> {
        if !self.covers(std::ptr::addr_of!(self.error_new_with_trace) as usize) {
            return None;
        }
        self.error_new_with_trace
    }

    /// The pending-result functions (1.2) when the host has them all.
    pub fn pending_api(&self) -> Option<PendingApi> {
        if !self.covers(std::ptr::addr_of!(self.pending_cancelled) as usize) {
            return None;
        }
        Some(PendingApi {
            result_new: self.result_new?,
            pending_new: self.pending_new?,
            result_set_pending: self.result_set_pending?,
            pending_retain: self.pending_retain?,
            pending_delete: self.pending_delete?,
            pending_complete: self.pending_complete?,
            pending_fail: self.pending_fail?,
            pending_cancelled: self.pending_cancelled?,
        })
    }
}

pub const PM_VALUE_NULL: u32 = 0;
pub const PM_VALUE_BOOL: u32 = 1;
pub const PM_VALUE_INT: u32 = 2;
pub const PM_VALUE_FLOAT: u32 = 3;
pub const PM_VALUE_STRING: u32 = 4;
pub const PM_VALUE_BUFFER: u32 = 5;
pub const PM_VALUE_RESULT: u32 = 6;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct pm_string {
    pub data: *const c_char,
    pub length: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub union pm_value_data {
    pub i: i64,
    pub f: f64,
    pub b: i32,
    pub s: pm_string,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct pm_value {
    pub kind: u32,
    pub view: u32,
    pub data: pm_value_data,
}

impl pm_value {
    pub fn null() -> pm_value {
        pm_value { kind: PM_VALUE_NULL, view: 0, data: pm_value_data { i: 0 } }
    }
}

pub type pm_plugin_typed_function = unsafe extern "C" fn(
    *const pm_host_api,
    *const pm_value,
    usize,
    *const pm_buffer_view,
    usize,
    *mut pm_value,
    *mut pm_result,
) -> *mut pm_error;

pub type pm_plugin_function = unsafe extern "C" fn(
    *const pm_host_api,
    *const c_char,
    usize,
    *const pm_buffer_view,
    usize,
    *mut pm_result,
) -> *mut pm_error;

#[repr(C)]
pub struct pm_function_descriptor {
    pub struct_size: u32,
    pub name: *const c_char,
    pub signature: *const c_char,
    pub function: pm_plugin_function,
    pub typed: Option<pm_plugin_typed_function>,
    pub reserved: [*mut c_void; 1],
}

#[repr(C)]
pub struct pm_plugin_descriptor {
    pub struct_size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub name: *const c_char,
    pub version: *const c_char,
    pub functions: *const pm_function_descriptor,
    pub function_count: usize,
    pub reserved: [*mut c_void; 4],
}

// The same layout the C header pins (tests/rust/abi_layout.c).
const _: () = assert!(std::mem::size_of::<pm_buffer_view>() == 104);
const _: () = assert!(std::mem::size_of::<pm_host_api>() == 304);

/// The offsets of the renamed and appended host-table members, checked by `cargo test` (offset_of!
/// would check them at compile time, but needs Rust 1.77; Debian 12's rustc is 1.63).
#[cfg(test)]
mod layout {
    use super::pm_host_api;
    fn offset(field: impl Fn(*const pm_host_api) -> usize) -> usize {
        let table = std::mem::MaybeUninit::<pm_host_api>::uninit();
        field(table.as_ptr()) - table.as_ptr() as usize
    }
    #[test]
    fn host_table_offsets_are_the_c_headers() {
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).result_delete) } as usize), 144);
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).host_call) } as usize), 152);
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).result_set_buffer) } as usize), 224);
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).result_new) } as usize), 232);
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).result_set_pending) } as usize), 248);
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).pending_cancelled) } as usize), 288);
        assert_eq!(offset(|t| unsafe { std::ptr::addr_of!((*t).error_new_with_trace) } as usize), 296);
    }
}
const _: () = assert!(std::mem::size_of::<pm_function_descriptor>() == 48);
const _: () = assert!(std::mem::size_of::<pm_plugin_descriptor>() == 72);
const _: () = assert!(std::mem::size_of::<pm_value>() == 24);
