//! Buffers: views of the caller's memory (`BufferView`, `BufferViewMut`) and owned references
//! (`Buffer`), which may wrap the plugin's own `Vec` without a copy.

use crate::abi::*;
use crate::error::Error;
use crate::host::host_api;
use std::ffi::{CStr, CString};
use std::marker::PhantomData;
use std::os::raw::c_void;

/// An element type a buffer can hold, with its ABI dtype number and numpy name.
pub trait Element: Copy + Send + Sync + 'static {
    const DTYPE: u32;
    const NAME: &'static str;
}

macro_rules! element {
    ($t:ty, $d:expr, $n:expr) => {
        impl Element for $t {
            const DTYPE: u32 = $d;
            const NAME: &'static str = $n;
        }
    };
}
element!(i8, PM_DTYPE_INT8, "int8");
element!(u8, PM_DTYPE_UINT8, "uint8");
element!(i16, PM_DTYPE_INT16, "int16");
element!(u16, PM_DTYPE_UINT16, "uint16");
element!(i32, PM_DTYPE_INT32, "int32");
element!(u32, PM_DTYPE_UINT32, "uint32");
element!(i64, PM_DTYPE_INT64, "int64");
element!(u64, PM_DTYPE_UINT64, "uint64");
element!(f32, PM_DTYPE_FLOAT32, "float32");
element!(f64, PM_DTYPE_FLOAT64, "float64");

/// The numpy name of an ABI dtype number.
pub fn dtype_name(dtype: u32) -> &'static str {
    match dtype {
        PM_DTYPE_INT8 => "int8",
        PM_DTYPE_UINT8 => "uint8",
        PM_DTYPE_INT16 => "int16",
        PM_DTYPE_UINT16 => "uint16",
        PM_DTYPE_INT32 => "int32",
        PM_DTYPE_UINT32 => "uint32",
        PM_DTYPE_INT64 => "int64",
        PM_DTYPE_UINT64 => "uint64",
        PM_DTYPE_FLOAT32 => "float32",
        PM_DTYPE_FLOAT64 => "float64",
        _ => "unknown",
    }
}

fn c_str(p: *const std::os::raw::c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        unsafe { CStr::from_ptr(p).to_string_lossy().into_owned() }
    }
}

/// "an" before a dtype name that starts with a vowel sound ("an int8"), "a" otherwise ("a uint8",
/// whose u is said "you", "a float32").
fn article(name: &str) -> &'static str {
    match name.as_bytes().first() {
        Some(b'a' | b'e' | b'i' | b'o') => "an",
        _ => "a",
    }
}

/// Checks a view's element type and C order (what a slice needs); returns the element count.
fn checked_layout<T: Element>(v: &pm_buffer_view, what: &dyn Fn() -> String) -> Result<usize, Error> {
    if v.dtype != T::DTYPE {
        return Err(Error::new(
            "TypeError",
            format!("{}: expected {} {} buffer, got {}", what(), article(T::NAME), T::NAME, dtype_name(v.dtype)),
        ));
    }
    let ndim = v.ndim as usize;
    let shape: &[u64] = if ndim == 0 { &[] } else { unsafe { std::slice::from_raw_parts(v.shape, ndim) } };
    let strides: &[i64] = if ndim == 0 { &[] } else { unsafe { std::slice::from_raw_parts(v.strides, ndim) } };
    let mut expected = std::mem::size_of::<T>() as i64;
    for axis in (0..ndim).rev() {
        if shape[axis] > 1 && strides[axis] != expected {
            return Err(Error::new(
                "BufferError",
                format!("{}: a strided buffer (strides {:?}); a slice needs C order, so pass a contiguous copy", what(), strides),
            ));
        }
        expected *= shape[axis] as i64;
    }
    Ok(shape.iter().product::<u64>() as usize)
}

// Shapes are handed over as u64 and read as usize: the same type on the 64-bit platforms the ABI
// is pinned for.
const _: () = assert!(std::mem::size_of::<usize>() == std::mem::size_of::<u64>());

/// A read-only view of the caller's memory, as a slice with a shape. Valid during the call (it
/// borrows the host's view: making one allocates nothing); `retain()` gives a `Buffer` that keeps
/// the memory alive longer.
pub struct BufferView<T: Element> {
    data: *const T,
    len: usize,
    shape: *const u64,
    ndim: usize,
    type_name: *const std::os::raw::c_char,
    id: *const std::os::raw::c_char,
    buffer: *mut pm_buffer,
    _element: PhantomData<T>,
}

impl<T: Element> BufferView<T> {
    /// A view of an ABI buffer view; `what` names it in errors ("argument 1"), made only then.
    pub fn from_abi(v: &pm_buffer_view, what: &dyn Fn() -> String) -> Result<Self, Error> {
        let len = checked_layout::<T>(v, what)?;
        Ok(BufferView {
            data: if len == 0 { std::ptr::NonNull::dangling().as_ptr() } else { v.data as *const T },
            len,
            shape: v.shape,
            ndim: v.ndim as usize,
            type_name: v.type_name,
            id: v.buffer_id,
            buffer: v.buffer,
            _element: PhantomData,
        })
    }
    pub fn as_slice(&self) -> &[T] {
        unsafe { std::slice::from_raw_parts(self.data, self.len) }
    }
    pub fn shape(&self) -> &[usize] {
        if self.ndim == 0 {
            return &[];
        }
        unsafe { std::slice::from_raw_parts(self.shape as *const usize, self.ndim) }
    }
    pub fn len(&self) -> usize {
        self.len
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    /// The buffer type ("ImageRGB"), or "".
    pub fn type_name(&self) -> String {
        c_str(self.type_name)
    }
    /// The buffer's id, the same in every runtime ("b17").
    pub fn id(&self) -> String {
        c_str(self.id)
    }
    /// A reference that keeps the memory alive past the call.
    pub fn retain(&self) -> Buffer {
        Buffer::retained(self.buffer)
    }
    pub(crate) fn raw_buffer(&self) -> *mut pm_buffer {
        self.buffer
    }
}

impl<T: Element> std::ops::Deref for BufferView<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

/// A writable view of the caller's memory: writes are seen by every runtime at once.
pub struct BufferViewMut<T: Element> {
    inner: BufferView<T>,
}

impl<T: Element> BufferViewMut<T> {
    pub fn from_abi(v: &pm_buffer_view, what: &dyn Fn() -> String) -> Result<Self, Error> {
        if v.readonly != 0 {
            return Err(Error::new("BufferError", format!("{}: the buffer is read-only, and this function writes to it", what())));
        }
        Ok(BufferViewMut { inner: BufferView::from_abi(v, what)? })
    }
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        unsafe { std::slice::from_raw_parts_mut(self.inner.data as *mut T, self.inner.len) }
    }
    pub fn view(&self) -> &BufferView<T> {
        &self.inner
    }
}

impl<T: Element> std::ops::Deref for BufferViewMut<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.inner.as_slice()
    }
}

impl<T: Element> std::ops::DerefMut for BufferViewMut<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        self.as_mut_slice()
    }
}

/// One reference to a host Buffer, owned by the plugin: dropped, it is released.
pub struct Buffer {
    raw: *mut pm_buffer,
}

// Buffer references may be moved to, used and released on any thread.
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

unsafe extern "C" fn release_vec<T>(context: *mut c_void) {
    drop(Box::from_raw(context as *mut Vec<T>));
}

fn shape_u64(shape: &[usize]) -> Vec<u64> {
    shape.iter().map(|&d| d as u64).collect()
}

impl Buffer {
    /// Hands a `Vec` to the host without a copy, C order, with this shape. The host frees the
    /// `Vec` (exactly once, on any thread) when no runtime holds the buffer any more.
    pub fn from_vec<T: Element>(values: Vec<T>, shape: &[usize]) -> Result<Buffer, Error> {
        let count: usize = shape.iter().product();
        if count != values.len() {
            return Err(Error::new(
                "ShapeError",
                format!("a Vec of {} elements cannot have shape {:?} ({} elements)", values.len(), shape, count),
            ));
        }
        Buffer::adopt_vec(values, 0, shape)
    }

    /// Adopts `values` as a C-order buffer of `shape` whose first element is `values[offset]`
    /// (the caller checked that the elements fit); the host releases the whole Vec.
    pub(crate) fn adopt_vec<T: Element>(values: Vec<T>, offset: usize, shape: &[usize]) -> Result<Buffer, Error> {
        let api = host_api()?;
        let mut boxed = Box::new(values);
        let data = unsafe { boxed.as_mut_ptr().add(offset) } as *mut c_void;
        let context = Box::into_raw(boxed) as *mut c_void;
        let dims = shape_u64(shape);
        let mut out: *mut pm_buffer = std::ptr::null_mut();
        let e = unsafe {
            (api.buffer_adopt)(api, data, T::DTYPE, dims.len() as u32, dims.as_ptr(), Some(release_vec::<T>), context, &mut out)
        };
        if !e.is_null() {
            return Err(Error::from_host(e, api)); // the host already released the Vec
        }
        Ok(Buffer { raw: out })
    }

    /// A new zero-filled host buffer, typed when `type_name` is given ("Gray").
    pub fn zeros<T: Element>(shape: &[usize], type_name: Option<&str>) -> Result<Buffer, Error> {
        let api = host_api()?;
        let dims = shape_u64(shape);
        let name = CString::new(type_name.unwrap_or("")).map_err(|_| Error::new("ValueError", "type name with a NUL"))?;
        let mut out: *mut pm_buffer = std::ptr::null_mut();
        let e = unsafe { (api.buffer_create)(api, T::DTYPE, dims.len() as u32, dims.as_ptr(), name.as_ptr(), &mut out) };
        if !e.is_null() {
            return Err(Error::from_host(e, api));
        }
        Ok(Buffer { raw: out })
    }

    pub(crate) fn retained(raw: *mut pm_buffer) -> Buffer {
        let api = host_api().expect("a buffer view exists only inside a call");
        Buffer { raw: unsafe { (api.buffer_retain)(raw) } }
    }

    pub(crate) fn abi_view(&self) -> pm_buffer_view {
        let mut v = pm_buffer_view::zeroed();
        if let Ok(api) = host_api() {
            unsafe { (api.buffer_view)(self.raw, &mut v) };
        }
        v
    }

    /// The buffer as a read-only view (checked element type and C order).
    pub fn view<T: Element>(&self) -> Result<BufferView<T>, Error> {
        BufferView::from_abi(&self.abi_view(), &|| "buffer".to_string())
    }

    /// The buffer as a writable view.
    pub fn view_mut<T: Element>(&mut self) -> Result<BufferViewMut<T>, Error> {
        BufferViewMut::from_abi(&self.abi_view(), &|| "buffer".to_string())
    }

    pub fn shape(&self) -> Vec<usize> {
        let v = self.abi_view();
        if v.ndim == 0 {
            return Vec::new();
        }
        unsafe { std::slice::from_raw_parts(v.shape, v.ndim as usize) }.iter().map(|&d| d as usize).collect()
    }

    pub fn id(&self) -> String {
        c_str(self.abi_view().buffer_id)
    }

    pub(crate) fn raw(&self) -> *mut pm_buffer {
        self.raw
    }

    pub(crate) fn into_raw(self) -> *mut pm_buffer {
        let raw = self.raw;
        std::mem::forget(self);
        raw
    }
}

impl Clone for Buffer {
    fn clone(&self) -> Buffer {
        Buffer::retained(self.raw)
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        if let Ok(api) = host_api() {
            unsafe { (api.buffer_delete)(self.raw) };
        }
    }
}
