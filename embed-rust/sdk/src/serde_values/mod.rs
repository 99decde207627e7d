//! The `serde` feature: plugin functions take and return any `Deserialize` / `Serialize` type,
//! wrapped in [`Serde`], beside the SDK's own argument types (numbers, `Json`, buffer views).
//!
//! ```ignore
//! #[derive(serde::Deserialize)]
//! struct Blur { radius: u32, edges: Edges }
//! #[derive(serde::Serialize)]
//! struct Stats { mean: f64, max: u8 }
//!
//! fn stats(img: BufferView<u8>, opts: Serde<Blur>) -> Serde<Stats> { ... }
//! ```
//!
//! A value is decoded from the `Json` the call's arguments already are (no second parse) and a
//! result is written as the JSON a `Json` result would be. A value that does not fit is a
//! `TypeError` naming the argument, where in it, what was expected and what came:
//! `argument 2, at .edges: expected one of "clamp", "wrap", got a string "mirror"`.
//!
//! Buffers mix with serde values both ways: as parameters of their own beside `Serde<T>` ones, and
//! as fields: a `Buffer`, `BufferView<T>` or `BufferViewMut<T>` field of an argument is the caller's
//! buffer (no copy), a `Buffer` field of a result is handed over with it (buffers.rs).

mod buffers;
mod de;
mod ser;

pub use de::ValueDeserializer;
pub use ser::ValueSerializer;

use crate::error::Error;
use crate::export::{CallContext, FromArg, IntoOutput, Output, TypedContext};
use crate::json::Json;
use serde::de::{DeserializeOwned, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An argument or result of any serde type: `Serde<T>` with `T: Deserialize` as a parameter,
/// `T: Serialize` as a result. Derefs to the value; `.0` takes it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Serde<T>(pub T);

impl<T> std::ops::Deref for Serde<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Serde<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

/// Why a value did not (de)serialize, and where in the value: the path is gathered on the way
/// out, innermost first.
#[derive(Debug)]
pub struct DataError {
    message: String,
    path: Vec<String>,
}

impl DataError {
    pub(crate) fn at_key(mut self, key: &str) -> Self {
        self.path.push(format!(".{}", key));
        self
    }
    pub(crate) fn at_index(mut self, index: usize) -> Self {
        self.path.push(format!("[{}]", index));
        self
    }
    /// Where in the value: `.size[1]`, or "" at the top.
    pub fn path(&self) -> String {
        self.path.iter().rev().map(String::as_str).collect()
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    /// As the SDK's error, `what` naming the value ("argument 2").
    fn into_error(self, what: &str) -> Error {
        let path = self.path();
        if path.is_empty() {
            Error::new("TypeError", format!("{}: {}", what, self.message))
        } else {
            Error::new("TypeError", format!("{}, at {}: {}", what, path, self.message))
        }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.path() {
            p if p.is_empty() => write!(f, "{}", self.message),
            p => write!(f, "at {}: {}", p, self.message),
        }
    }
}

impl std::error::Error for DataError {}

/// What came instead, in the SDK's words ("a string \"x\"", "the number 2.5").
fn unexpected(u: Unexpected) -> String {
    match u {
        Unexpected::Bool(b) => format!("a boolean ({})", b),
        Unexpected::Unsigned(v) => format!("the number {}", v),
        Unexpected::Signed(v) => format!("the number {}", v),
        Unexpected::Float(v) => format!("the number {}", v),
        Unexpected::Char(c) => format!("a string {:?}", c.to_string()),
        Unexpected::Str(s) => format!("a string {:?}", s),
        Unexpected::Unit => "null".to_string(),
        Unexpected::Seq => "an array".to_string(),
        Unexpected::Map => "an object".to_string(),
        other => other.to_string(),
    }
}

impl serde::de::Error for DataError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DataError { message: msg.to_string(), path: Vec::new() }
    }
    fn invalid_type(unexp: Unexpected, exp: &dyn serde::de::Expected) -> Self {
        Self::custom(format_args!("expected {}, got {}", exp, unexpected(unexp)))
    }
    fn invalid_value(unexp: Unexpected, exp: &dyn serde::de::Expected) -> Self {
        Self::custom(format_args!("expected {}, got {}", exp, unexpected(unexp)))
    }
    fn invalid_length(len: usize, exp: &dyn serde::de::Expected) -> Self {
        Self::custom(format_args!("expected {}, got {} element{}", exp, len, if len == 1 { "" } else { "s" }))
    }
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let names: Vec<String> = expected.iter().map(|v| format!("{:?}", v)).collect();
        Self::custom(format_args!("expected one of {}, got a string {:?}", names.join(", "), variant))
    }
}

impl serde::ser::Error for DataError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DataError { message: msg.to_string(), path: Vec::new() }
    }
}

/// Decodes any `Deserialize` type from a `Json` value.
pub fn from_json<T: DeserializeOwned>(value: &Json) -> Result<T, DataError> {
    T::deserialize(ValueDeserializer::new(value))
}

/// Encodes any `Serialize` value as a `Json` value.
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Json, DataError> {
    value.serialize(ValueSerializer)
}

impl<T: DeserializeOwned> FromArg for Serde<T> {
    #[inline]
    fn from_arg(ctx: &CallContext, index: usize) -> Result<Self, Error> {
        buffers::with_call_views(ctx.views, || from_json(&ctx.args[index]))
            .map(Serde)
            .map_err(|e| e.into_error(&format!("argument {}", index + 1)))
    }
    #[inline]
    fn from_value(ctx: &TypedContext, index: usize) -> Result<Self, Error> {
        buffers::with_call_views(ctx.views, || from_json(&ctx.json(index)))
            .map(Serde)
            .map_err(|e| e.into_error(&format!("argument {}", index + 1)))
    }
}

impl<T: Serialize> IntoOutput for Serde<T> {
    #[inline]
    fn into_output(self, out: &mut Output) -> Result<(), Error> {
        // Buffers inside the value are handed over with it, named by their index (buffers.rs).
        let (value, buffers) = buffers::collecting_result_buffers(|| to_json(&self.0));
        out.json = value.map_err(|e| e.into_error("the result"))?.dump();
        out.buffers = buffers;
        Ok(())
    }
}

/// The SDK's `Json` inside serde types (a field of any shape, kept as it came).
impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Int(i) => s.serialize_i64(*i),
            Json::UInt(u) => s.serialize_u64(*u),
            Json::Float(f) => s.serialize_f64(*f),
            Json::Str(text) => s.serialize_str(text),
            Json::Array(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Json::Object(members) => {
                let mut map = s.serialize_map(Some(members.len()))?;
                for (k, v) in members {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        Json::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(if v <= i64::MAX as u64 { Json::Int(v as i64) } else { Json::UInt(v) })
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::with_capacity(map.size_hint().unwrap_or(0));
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            members.push((k, v));
        }
        Ok(Json::Object(members))
    }
}

#[cfg(test)]
mod tests;
