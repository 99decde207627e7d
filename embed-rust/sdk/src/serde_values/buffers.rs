//! Buffers inside serde values: a `Buffer` or a `BufferView<T>` as a field of a `Deserialize`
//! argument (the caller's buffer, no copy), a `Buffer` as a field of a `Serialize` result (handed
//! over as the result's buffer). In the JSON a buffer is its handle, `{"_type": "Buffer", "view":
//! N}`, N indexing the call's views; the views of the call being decoded, and the buffers of the
//! result being written, are kept for the duration in thread-locals set by `Serde<T>`.

use super::DataError;
use crate::abi::pm_buffer_view;
use crate::buffer::{Buffer, BufferView, BufferViewMut, Element};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use std::cell::{Cell, RefCell};
use std::fmt;

thread_local! {
    static CALL_VIEWS: Cell<(*const pm_buffer_view, usize)> = Cell::new((std::ptr::null(), 0));
    static RESULT_BUFFERS: RefCell<Option<Vec<Buffer>>> = RefCell::new(None);
}

/// Runs `f` with `views` as the views buffer handles index (nested calls restore the outer ones).
pub(crate) fn with_call_views<R>(views: &[pm_buffer_view], f: impl FnOnce() -> R) -> R {
    struct Restore((*const pm_buffer_view, usize));
    impl Drop for Restore {
        fn drop(&mut self) {
            CALL_VIEWS.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(CALL_VIEWS.with(|c| c.replace((views.as_ptr(), views.len()))));
    f()
}

/// Runs `f` collecting the buffers a result serializes; returns them with `f`'s value.
pub(crate) fn collecting_result_buffers<R>(f: impl FnOnce() -> R) -> (R, Vec<Buffer>) {
    let outer = RESULT_BUFFERS.with(|b| b.replace(Some(Vec::new())));
    let value = f();
    let buffers = RESULT_BUFFERS.with(|b| b.replace(outer)).unwrap_or_default();
    (value, buffers)
}

/// The view a handle's index names, in the call being decoded.
fn call_view<'a>(index: u64) -> Result<&'a pm_buffer_view, DataError> {
    let (views, count) = CALL_VIEWS.with(|c| c.get());
    if views.is_null() {
        return Err(de::Error::custom("a buffer can be decoded only from a plugin call's arguments (Serde<T>)"));
    }
    if index as usize >= count {
        return Err(de::Error::custom(format!("buffer view {} does not exist (the call has {})", index, count)));
    }
    // The views live as long as the call whose arguments are being decoded.
    Ok(unsafe { &*views.add(index as usize) })
}

/// Reads a buffer handle (its "view"; "_type" must say "Buffer"; other members are ignored).
struct HandleVisitor;

impl<'de> Visitor<'de> for HandleVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a buffer")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let (mut view, mut is_buffer) = (None, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "view" => view = Some(map.next_value::<u64>()?),
                "_type" => is_buffer = map.next_value::<String>()? == "Buffer",
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match (is_buffer, view) {
            (true, Some(v)) => Ok(v),
            _ => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

fn handle_view<'de, D: Deserializer<'de>>(d: D) -> Result<&'static pm_buffer_view, D::Error> {
    let index = d.deserialize_map(HandleVisitor)?;
    call_view(index).map_err(de::Error::custom)
}

/// A reference to the caller's buffer, kept (it may outlive the call).
impl<'de> Deserialize<'de> for Buffer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Buffer, D::Error> {
        let view = handle_view(d)?;
        Ok(Buffer::retained(view.buffer))
    }
}

/// A view of the caller's buffer, valid during the call (checked dtype and C order).
impl<'de, T: Element> Deserialize<'de> for BufferView<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BufferView<T>, D::Error> {
        let view = handle_view(d)?;
        BufferView::from_abi(view, &|| "the buffer".to_string()).map_err(|e| de::Error::custom(e.message()))
    }
}

/// A writable view of the caller's buffer, valid during the call.
impl<'de, T: Element> Deserialize<'de> for BufferViewMut<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<BufferViewMut<T>, D::Error> {
        let view = handle_view(d)?;
        BufferViewMut::from_abi(view, &|| "the buffer".to_string()).map_err(|e| de::Error::custom(e.message()))
    }
}

/// A buffer in a result: one more reference handed to the host with the result, named by its
/// handle in the result's JSON.
impl Serialize for Buffer {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index = RESULT_BUFFERS.with(|b| {
            b.borrow_mut().as_mut().map(|buffers| {
                buffers.push(self.clone());
                buffers.len() - 1
            })
        });
        let index = index.ok_or_else(|| serde::ser::Error::custom("a buffer can be encoded only in a plugin function's result (Serde<T>)"))?;
        let mut handle = s.serialize_struct("Buffer", 2)?;
        handle.serialize_field("_type", "Buffer")?;
        handle.serialize_field("view", &index)?;
        handle.end()
    }
}
