//! Promethean plugins in Rust.
//!
//! ```ignore
//! use promethean::{Buffer, BufferView, Error};
//!
//! fn grayscale(img: BufferView<u8>) -> Result<Buffer, Error> {
//!     let (h, w) = (img.shape()[0], img.shape()[1]);
//!     let gray = img.chunks(3).map(|p| ((p[0] as u32 * 299 + p[1] as u32 * 587 + p[2] as u32 * 114) / 1000) as u8).collect();
//!     Buffer::from_vec(gray, &[h, w])
//! }
//!
//! promethean::plugin! { name: "imageops", version: "0.1.0", functions: [grayscale] }
//! ```
//!
//! Build it as a `cdylib`, load it with `load("rust", "libimageops.so")`, call it as
//! `imageops.grayscale`. Arguments are decoded by type (numbers, strings, booleans, `Json`,
//! `BufferView<T>`, `BufferViewMut<T>`), a wrong type or count is a clear error, a panic becomes
//! an error instead of crossing into the host (its trace says where: "panicked at
//! src/lib.rs:12:5"), and buffers are views of the caller's memory.
//!
//! A function whose value comes later returns a [`Pending`] (`Pending::spawn(move || work())`, or
//! `Pending::new()` and a [`Completer`] handed to whatever finishes the work): the host's async
//! callers (Python's `await`, a JS Promise, meta's `call-async`) get the value without a thread
//! waiting for it, and a blocking call waits.
//!
//! Two optional features (none by default: the SDK has no dependencies):
//! - `ndarray`: parameters of type `ndarray::ArrayView<T, D>` / `ArrayViewMut<T, D>` (the caller's
//!   memory with its shape and strides, no copy) and `ndarray::Array<T, D>` results (handed to the
//!   host without a copy when C order); see [`ndarray_views`]. The crate is re-exported as
//!   `promethean::ndarray`.
//! - `serde`: [`Serde<T>`](serde_values::Serde) parameters and results of any `Deserialize` /
//!   `Serialize` type, beside buffers; a value of the wrong shape is a `TypeError` naming the
//!   argument, the place in it and what was expected; see [`serde_values`].
//!
//! ```ignore
//! use promethean::ndarray::{Array3, ArrayView3};
//! use promethean::{Error, Serde};
//!
//! #[derive(serde::Deserialize)]
//! struct BlurOptions { radius: usize }
//!
//! fn blur(image: ArrayView3<u8>, options: Serde<BlurOptions>) -> Result<Array3<u8>, Error> { ... }
//! ```

pub mod abi;
pub mod buffer;
pub mod error;
pub mod export;
pub mod host;
pub mod json;
mod panic;
pub mod pending;
#[cfg(feature = "ndarray")]
pub mod ndarray_views;
#[cfg(feature = "serde")]
pub mod serde_values;

pub use buffer::{Buffer, BufferView, BufferViewMut, Element};
pub use error::Error;
pub use host::{host, Arg, Host, Reply};
pub use json::Json;
pub use pending::{Completer, Pending};
#[cfg(feature = "serde")]
pub use serde_values::{from_json, to_json, Serde};
// The versions the features were built against, for plugins that name their types.
#[cfg(feature = "ndarray")]
pub use ndarray;
#[cfg(feature = "serde")]
pub use serde;

/// Exports functions as a Promethean plugin:
/// `promethean::plugin! { name: "imageops", version: "0.1.0", functions: [grayscale, invert] }`.
/// Each function is an ordinary Rust `fn` whose parameters implement `export::FromArg` and whose
/// result implements `export::IntoOutput` (a `Result<T, E>` with `E: Into<Error>` included).
#[macro_export]
macro_rules! plugin {
    (name: $name:literal, version: $version:literal, functions: [$($f:ident),* $(,)?] $(,)?) => {
        $(
            // A module per function, in the type namespace beside the fn of the same name, holds
            // its C entry point.
            #[allow(non_snake_case)]
            #[doc(hidden)]
            mod $f {
                pub unsafe extern "C" fn __promethean_call(
                    host: *const $crate::abi::pm_host_api,
                    args: *const ::std::os::raw::c_char,
                    length: usize,
                    views: *const $crate::abi::pm_buffer_view,
                    view_count: usize,
                    result: *mut $crate::abi::pm_result,
                ) -> *mut $crate::abi::pm_error {
                    $crate::export::invoke(super::$f, host, args, length, views, view_count, result)
                }

                pub unsafe extern "C" fn __promethean_typed(
                    host: *const $crate::abi::pm_host_api,
                    args: *const $crate::abi::pm_value,
                    arg_count: usize,
                    views: *const $crate::abi::pm_buffer_view,
                    view_count: usize,
                    value: *mut $crate::abi::pm_value,
                    result: *mut $crate::abi::pm_result,
                ) -> *mut $crate::abi::pm_error {
                    $crate::export::invoke_typed(super::$f, host, args, arg_count, views, view_count, value, result)
                }
            }
        )*

        #[no_mangle]
        pub extern "C" fn promethean_plugin_entry() -> *const $crate::abi::pm_plugin_descriptor {
            static FUNCTIONS: $crate::export::Static<[$crate::abi::pm_function_descriptor; $crate::plugin!(@count $($f)*)]> =
                $crate::export::Static([$($crate::export::function(concat!(stringify!($f), "\0"), $f::__promethean_call, $f::__promethean_typed)),*]);
            static PLUGIN: $crate::export::Static<$crate::abi::pm_plugin_descriptor> =
                $crate::export::Static($crate::export::plugin(concat!($name, "\0"), concat!($version, "\0"), &FUNCTIONS.0));
            &PLUGIN.0
        }
    };
    (@count) => { 0usize };
    (@count $head:ident $($tail:ident)*) => { 1usize + $crate::plugin!(@count $($tail)*) };
}
