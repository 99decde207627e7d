//! The `ndarray` feature: buffers as `ndarray` views (any dimension, shape and strides, no copy),
//! and an owned `ndarray::Array` handed to the host as a buffer without a copy.
//!
//! A plugin function may take `ArrayView<T, D>` / `ArrayViewMut<T, D>` parameters directly (`D` one
//! of `Ix1` … `Ix6` or `IxDyn`): strided buffers (a numpy slice, a transposed array) come as they
//! are, which a `BufferView`'s slice cannot. It may return an `Array<T, D>`: a C-order array (what
//! `Array::zeros`, `from_shape_vec`, `map` and friends make) becomes the buffer without a copy.

use crate::abi::*;
use crate::buffer::{dtype_name, Buffer, BufferView, BufferViewMut, Element};
use crate::error::Error;
use crate::export::{CallContext, FromArg, IntoOutput, Output, TypedContext};
use ndarray::{Array, ArrayView, ArrayViewMut, Axis, Dimension, IxDyn, ShapeBuilder};

/// Where a view's elements are, in ndarray's terms: the lowest-addressed element, the shape and
/// the absolute strides in elements, and the axes whose strides were negative (inverted after).
struct Layout {
    base: *mut u8,
    shape: Vec<usize>,
    strides: Vec<usize>,
    negative: Vec<usize>,
}

fn dims_text(shape: &[usize]) -> String {
    format!("{:?}", shape)
}

/// Checks a view against `T` and `D` and works out its layout; `what` names it in errors.
fn layout<T: Element, D: Dimension>(v: &pm_buffer_view, what: &dyn Fn() -> String) -> Result<Layout, Error> {
    let ndim = v.ndim as usize;
    let shape: Vec<usize> =
        if ndim == 0 { Vec::new() } else { unsafe { std::slice::from_raw_parts(v.shape, ndim) }.iter().map(|&d| d as usize).collect() };
    if v.dtype != T::DTYPE {
        return Err(Error::new(
            "TypeError",
            format!("{}: expected a {} array, got a {} buffer of shape {}", what(), T::NAME, dtype_name(v.dtype), dims_text(&shape)),
        ));
    }
    if let Some(n) = D::NDIM {
        if n != ndim {
            return Err(Error::new(
                "ShapeError",
                format!("{}: expected a {}-dimensional {} array, got shape {}", what(), n, T::NAME, dims_text(&shape)),
            ));
        }
    }
    let byte_strides: &[i64] = if ndim == 0 { &[] } else { unsafe { std::slice::from_raw_parts(v.strides, ndim) } };
    let size = std::mem::size_of::<T>() as i64;
    let empty = shape.iter().any(|&d| d == 0);
    let mut base = v.data as *mut u8;
    let mut strides = Vec::with_capacity(ndim);
    let mut negative = Vec::new();
    for axis in 0..ndim {
        let s = byte_strides[axis];
        if s % size != 0 {
            return Err(Error::new(
                "BufferError",
                format!("{}: stride {} of axis {} is not a multiple of the {}-byte element", what(), s, axis, size),
            ));
        }
        if s < 0 && shape[axis] > 1 && !empty {
            // ndarray wants non-negative strides: start from the axis's last element, invert later.
            base = unsafe { base.offset((s * (shape[axis] as i64 - 1)) as isize) };
            negative.push(axis);
        }
        strides.push((s.unsigned_abs() / size as u64) as usize);
    }
    if empty || base.is_null() {
        // No element is ever read: ndarray still wants an aligned, non-null pointer.
        base = std::ptr::NonNull::<T>::dangling().as_ptr() as *mut u8;
    } else if (base as usize) % std::mem::align_of::<T>() != 0 {
        return Err(Error::new("BufferError", format!("{}: the data of this {} buffer is not aligned for its elements", what(), T::NAME)));
    }
    Ok(Layout { base, shape, strides, negative })
}

fn into_dim<D: Dimension>(values: Vec<usize>) -> D {
    // The count was checked against D::NDIM (or D is dynamic): the conversion cannot fail.
    D::from_dimension(&IxDyn(&values)).expect("the dimension count was checked")
}

/// A read-only ndarray view of an ABI buffer view (any strides), valid while the buffer is.
///
/// # Safety
/// `v` describes live memory (the host's view of a call's argument, or of a held `Buffer`), not
/// written through another path while the view is used.
pub unsafe fn array_view<'a, T: Element, D: Dimension>(v: &pm_buffer_view, what: &dyn Fn() -> String) -> Result<ArrayView<'a, T, D>, Error> {
    let l = layout::<T, D>(v, what)?;
    let shape = into_dim::<D>(l.shape).strides(into_dim::<D>(l.strides));
    let mut view = ArrayView::from_shape_ptr(shape, l.base as *const T);
    for axis in l.negative {
        view.invert_axis(Axis(axis));
    }
    Ok(view)
}

/// A writable ndarray view of an ABI buffer view (refused when the buffer is read-only).
///
/// # Safety
/// As for [`array_view`], and nothing else reads or writes the memory while the view is used.
pub unsafe fn array_view_mut<'a, T: Element, D: Dimension>(v: &pm_buffer_view, what: &dyn Fn() -> String) -> Result<ArrayViewMut<'a, T, D>, Error> {
    if v.readonly != 0 {
        return Err(Error::new("BufferError", format!("{}: the buffer is read-only, and this function writes to it", what())));
    }
    let l = layout::<T, D>(v, what)?;
    // A stride of 0 (a broadcast array) makes several elements one: &mut to each would alias.
    if let Some(axis) = (0..l.shape.len()).find(|&a| l.shape[a] > 1 && l.strides[a] == 0) {
        return Err(Error::new(
            "BufferError",
            format!("{}: axis {} has stride 0 (a broadcast buffer), and a writable view needs distinct elements", what(), axis),
        ));
    }
    let shape = into_dim::<D>(l.shape).strides(into_dim::<D>(l.strides));
    let mut view = ArrayViewMut::from_shape_ptr(shape, l.base as *mut T);
    for axis in l.negative {
        view.invert_axis(Axis(axis));
    }
    Ok(view)
}

fn c_order_strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![0; shape.len()];
    let mut step = 1;
    for axis in (0..shape.len()).rev() {
        strides[axis] = step;
        step *= shape[axis].max(1);
    }
    strides
}

impl<T: Element> BufferView<T> {
    /// The view as an ndarray view with `D` dimensions (`Ix2`, `Ix3`, `IxDyn` …), no copy; a
    /// `ShapeError` when the buffer has another number of dimensions.
    pub fn as_array<D: Dimension>(&self) -> Result<ArrayView<'_, T, D>, Error> {
        let shape = self.shape().to_vec();
        if let Some(n) = D::NDIM {
            if n != shape.len() {
                return Err(Error::new("ShapeError", format!("expected a {}-dimensional {} array, got shape {}", n, T::NAME, dims_text(&shape))));
            }
        }
        let strides = c_order_strides(&shape);
        // A BufferView is C order (checked when it was made) over `len` elements.
        Ok(unsafe { ArrayView::from_shape_ptr(into_dim::<D>(shape).strides(into_dim::<D>(strides)), self.as_slice().as_ptr()) })
    }
}

impl<T: Element> BufferViewMut<T> {
    /// The view as a writable ndarray view with `D` dimensions, no copy.
    pub fn as_array_mut<D: Dimension>(&mut self) -> Result<ArrayViewMut<'_, T, D>, Error> {
        let shape = self.view().shape().to_vec();
        if let Some(n) = D::NDIM {
            if n != shape.len() {
                return Err(Error::new("ShapeError", format!("expected a {}-dimensional {} array, got shape {}", n, T::NAME, dims_text(&shape))));
            }
        }
        let strides = c_order_strides(&shape);
        Ok(unsafe { ArrayViewMut::from_shape_ptr(into_dim::<D>(shape).strides(into_dim::<D>(strides)), self.as_mut_slice().as_mut_ptr()) })
    }
}

impl Buffer {
    /// Hands an owned array to the host. A C-order array (standard layout) is adopted as it is,
    /// without a copy: the host frees its memory (exactly once, on any thread) when no runtime
    /// holds the buffer any more. Any other layout (a transposed or inverted array) is first made
    /// C order, which copies it once: the plugin ABI adopts C-order memory only.
    pub fn from_array<T: Element, D: Dimension>(array: Array<T, D>) -> Result<Buffer, Error> {
        let array = if array.is_standard_layout() { array } else { array.as_standard_layout().into_owned() };
        let shape = array.shape().to_vec();
        let first = array.as_ptr();
        let values = array.into_raw_vec();
        // The array's first element need not be the Vec's (an array sliced in place): the offset
        // between them is kept, and the whole Vec is what the host releases.
        let offset = if values.is_empty() { 0 } else { (unsafe { first.offset_from(values.as_ptr()) }) as usize };
        Buffer::adopt_vec(values, offset, &shape)
    }

    /// An ndarray view of a held buffer (any strides), valid while `self` is.
    pub fn as_array<T: Element, D: Dimension>(&self) -> Result<ArrayView<'_, T, D>, Error> {
        let v = self.abi_view();
        unsafe { array_view::<T, D>(&v, &|| "buffer".to_string()) }
    }
}

impl<T: Element, D: Dimension> IntoOutput for Array<T, D> {
    #[inline]
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        Buffer::from_array(self)?.into_output(out)
    }
}

impl<'a, T: Element, D: Dimension> FromArg for ArrayView<'a, T, D> {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        unsafe { array_view(ctx.view_of(index)?, &|| format!("argument {}", index + 1)) }
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        unsafe { array_view(ctx.view_of(index)?, &|| format!("argument {}", index + 1)) }
    }
}

impl<'a, T: Element, D: Dimension> FromArg for ArrayViewMut<'a, T, D> {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        unsafe { array_view_mut(ctx.view_of(index)?, &|| format!("argument {}", index + 1)) }
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        unsafe { array_view_mut(ctx.view_of(index)?, &|| format!("argument {}", index + 1)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Ix2, Ix3};

    fn abi_view(data: *mut u8, dtype: u32, shape: &[u64], strides: &[i64]) -> pm_buffer_view {
        let mut v = pm_buffer_view::zeroed();
        v.data = data as *mut std::os::raw::c_void;
        v.dtype = dtype;
        v.ndim = shape.len() as u32;
        v.shape = shape.as_ptr();
        v.strides = strides.as_ptr();
        v
    }

    #[test]
    fn strided_and_inverted_views_see_the_same_memory() {
        let mut data: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let base = data.as_mut_ptr() as *mut u8;
        // The transpose of a [3, 4] C-order array: shape [4, 3], strides [4, 16] bytes.
        let (shape, strides) = ([4u64, 3], [4i64, 16]);
        let t = unsafe { array_view::<f32, Ix2>(&abi_view(base, PM_DTYPE_FLOAT32, &shape, &strides), &|| "x".into()) }.unwrap();
        assert_eq!(t[[1, 2]], 9.0);
        assert_eq!(t.as_ptr(), data.as_ptr());
        // Rows reversed (numpy's a[::-1]): the first element is the last row's, stride negative.
        let last_row = unsafe { base.add(8 * 4) };
        let (shape, strides) = ([3u64, 4], [-16i64, 4]);
        let r = unsafe { array_view::<f32, Ix2>(&abi_view(last_row, PM_DTYPE_FLOAT32, &shape, &strides), &|| "x".into()) }.unwrap();
        assert_eq!(r.row(0).to_vec(), vec![8.0, 9.0, 10.0, 11.0]);
        assert_eq!(r[[2, 1]], 1.0);
        assert_eq!(&r[[0, 0]] as *const f32, data[8..].as_ptr());
    }

    #[test]
    fn a_wrong_dimension_dtype_or_stride_is_a_clear_error() {
        let mut data = vec![0u8; 24];
        let v = abi_view(data.as_mut_ptr(), PM_DTYPE_UINT8, &[4, 6], &[6, 1]);
        let e = unsafe { array_view::<u8, Ix3>(&v, &|| "argument 1".into()) }.unwrap_err();
        assert_eq!(e.message(), "argument 1: expected a 3-dimensional uint8 array, got shape [4, 6]");
        let e = unsafe { array_view::<f32, Ix2>(&v, &|| "argument 1".into()) }.unwrap_err();
        assert_eq!(e.message(), "argument 1: expected a float32 array, got a uint8 buffer of shape [4, 6]");
        let v = abi_view(data.as_mut_ptr(), PM_DTYPE_UINT16, &[4, 3], &[6, 1]);
        let e = unsafe { array_view::<u16, Ix2>(&v, &|| "argument 1".into()) }.unwrap_err();
        assert_eq!(e.message(), "argument 1: stride 1 of axis 1 is not a multiple of the 2-byte element");
        let mut ro = abi_view(data.as_mut_ptr(), PM_DTYPE_UINT8, &[24], &[1]);
        ro.readonly = 1;
        assert!(unsafe { array_view_mut::<u8, ndarray::Ix1>(&ro, &|| "argument 1".into()) }.is_err());
        let broadcast = abi_view(data.as_mut_ptr(), PM_DTYPE_UINT8, &[4, 6], &[0, 1]);
        assert!(unsafe { array_view::<u8, Ix2>(&broadcast, &|| "argument 1".into()) }.is_ok());
        let e = unsafe { array_view_mut::<u8, Ix2>(&broadcast, &|| "argument 1".into()) }.unwrap_err();
        assert_eq!(e.message(), "argument 1: axis 0 has stride 0 (a broadcast buffer), and a writable view needs distinct elements");
    }
}
