//! Serializing any `Serialize` type into the SDK's `Json` value (what a call's result is written
//! from), spelled as serde_json spells it: structs as objects, enums as a name or `{name: data}`.

use super::DataError;
use crate::json::Json;
use serde::ser::{self, Impossible, Serialize};

/// A `Serializer` that makes a `Json` value.
pub struct ValueSerializer;

/// Integers as the JSON parser reads them back: `Int` whenever the value fits in an i64.
fn unsigned(v: u64) -> Json {
    if v <= i64::MAX as u64 {
        Json::Int(v as i64)
    } else {
        Json::UInt(v)
    }
}

impl ser::Serializer for ValueSerializer {
    type Ok = Json;
    type Error = DataError;
    type SerializeSeq = Items;
    type SerializeTuple = Items;
    type SerializeTupleStruct = Items;
    type SerializeTupleVariant = Variant<Items>;
    type SerializeMap = Members;
    type SerializeStruct = Members;
    type SerializeStructVariant = Variant<Members>;

    fn serialize_bool(self, v: bool) -> Result<Json, DataError> {
        Ok(Json::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Json, DataError> {
        Ok(Json::Int(v as i64))
    }
    fn serialize_i16(self, v: i16) -> Result<Json, DataError> {
        Ok(Json::Int(v as i64))
    }
    fn serialize_i32(self, v: i32) -> Result<Json, DataError> {
        Ok(Json::Int(v as i64))
    }
    fn serialize_i64(self, v: i64) -> Result<Json, DataError> {
        Ok(Json::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Json, DataError> {
        Ok(Json::Int(v as i64))
    }
    fn serialize_u16(self, v: u16) -> Result<Json, DataError> {
        Ok(Json::Int(v as i64))
    }
    fn serialize_u32(self, v: u32) -> Result<Json, DataError> {
        Ok(Json::Int(v as i64))
    }
    fn serialize_u64(self, v: u64) -> Result<Json, DataError> {
        Ok(unsigned(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Json, DataError> {
        Ok(Json::Float(v as f64))
    }
    fn serialize_f64(self, v: f64) -> Result<Json, DataError> {
        Ok(Json::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Json, DataError> {
        Ok(Json::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Json, DataError> {
        Ok(Json::Str(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Json, DataError> {
        Ok(Json::Array(v.iter().map(|&b| Json::Int(b as i64)).collect()))
    }
    fn serialize_none(self) -> Result<Json, DataError> {
        Ok(Json::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Json, DataError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Json, DataError> {
        Ok(Json::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Json, DataError> {
        Ok(Json::Null)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<Json, DataError> {
        Ok(Json::Str(variant.to_string()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<Json, DataError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Json, DataError> {
        let data = value.serialize(ValueSerializer).map_err(|e| e.at_key(variant))?;
        Ok(Json::Object(vec![(variant.to_string(), data)]))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Items, DataError> {
        Ok(Items(Vec::with_capacity(len.unwrap_or(0))))
    }
    fn serialize_tuple(self, len: usize) -> Result<Items, DataError> {
        Ok(Items(Vec::with_capacity(len)))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Items, DataError> {
        Ok(Items(Vec::with_capacity(len)))
    }
    fn serialize_tuple_variant(self, _name: &'static str, _index: u32, variant: &'static str, len: usize) -> Result<Variant<Items>, DataError> {
        Ok(Variant { name: variant, inner: Items(Vec::with_capacity(len)) })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Members, DataError> {
        Ok(Members { members: Vec::with_capacity(len.unwrap_or(0)), key: None })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Members, DataError> {
        Ok(Members { members: Vec::with_capacity(len), key: None })
    }
    fn serialize_struct_variant(self, _name: &'static str, _index: u32, variant: &'static str, len: usize) -> Result<Variant<Members>, DataError> {
        Ok(Variant { name: variant, inner: Members { members: Vec::with_capacity(len), key: None } })
    }
}

/// The elements of a sequence or tuple, in order.
pub struct Items(Vec<Json>);

impl Items {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        let index = self.0.len();
        self.0.push(value.serialize(ValueSerializer).map_err(|e| e.at_index(index))?);
        Ok(())
    }
}

impl ser::SerializeSeq for Items {
    type Ok = Json;
    type Error = DataError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        self.push(value)
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Array(self.0))
    }
}
impl ser::SerializeTuple for Items {
    type Ok = Json;
    type Error = DataError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        self.push(value)
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Array(self.0))
    }
}
impl ser::SerializeTupleStruct for Items {
    type Ok = Json;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        self.push(value)
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Array(self.0))
    }
}

/// The members of a map or struct, in order; a map's key waits here for its value.
pub struct Members {
    members: Vec<(String, Json)>,
    key: Option<String>,
}

impl Members {
    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), DataError> {
        let v = value.serialize(ValueSerializer).map_err(|e| e.at_key(&key))?;
        self.members.push((key, v));
        Ok(())
    }
}

impl ser::SerializeMap for Members {
    type Ok = Json;
    type Error = DataError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), DataError> {
        self.key = Some(key.serialize(KeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        let key = self.key.take().ok_or_else(|| <DataError as ser::Error>::custom("a map value without its key"))?;
        self.insert(key, value)
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Object(self.members))
    }
}
impl ser::SerializeStruct for Members {
    type Ok = Json;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), DataError> {
        self.insert(key.to_string(), value)
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Object(self.members))
    }
}

/// A variant with data: `{name: data}`.
pub struct Variant<T> {
    name: &'static str,
    inner: T,
}

impl ser::SerializeTupleVariant for Variant<Items> {
    type Ok = Json;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        let name = self.name;
        self.inner.push(value).map_err(|e| e.at_key(name))
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Object(vec![(self.name.to_string(), Json::Array(self.inner.0))]))
    }
}
impl ser::SerializeStructVariant for Variant<Members> {
    type Ok = Json;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), DataError> {
        let name = self.name;
        self.inner.insert(key.to_string(), value).map_err(|e| e.at_key(name))
    }
    fn end(self) -> Result<Json, DataError> {
        Ok(Json::Object(vec![(self.name.to_string(), Json::Object(self.inner.members))]))
    }
}

/// A map's key: JSON keys are strings, so strings, chars, integers and unit variants only.
struct KeySerializer;

fn not_a_key<T>(what: &str) -> Result<T, DataError> {
    Err(ser::Error::custom(format!("a map key must be a string or an integer, got {}", what)))
}

macro_rules! key_as_text {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<String, DataError> {
            Ok(v.to_string())
        }
    )*};
}

impl ser::Serializer for KeySerializer {
    type Ok = String;
    type Error = DataError;
    type SerializeSeq = Impossible<String, DataError>;
    type SerializeTuple = Impossible<String, DataError>;
    type SerializeTupleStruct = Impossible<String, DataError>;
    type SerializeTupleVariant = Impossible<String, DataError>;
    type SerializeMap = Impossible<String, DataError>;
    type SerializeStruct = Impossible<String, DataError>;
    type SerializeStructVariant = Impossible<String, DataError>;

    key_as_text!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_u8: u8,
                 serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_char: char, serialize_str: &str);

    fn serialize_bool(self, _: bool) -> Result<String, DataError> {
        not_a_key("a boolean")
    }
    fn serialize_f32(self, _: f32) -> Result<String, DataError> {
        not_a_key("a float")
    }
    fn serialize_f64(self, _: f64) -> Result<String, DataError> {
        not_a_key("a float")
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, DataError> {
        not_a_key("bytes")
    }
    fn serialize_none(self) -> Result<String, DataError> {
        not_a_key("None")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, DataError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, DataError> {
        not_a_key("()")
    }
    fn serialize_unit_struct(self, name: &'static str) -> Result<String, DataError> {
        not_a_key(name)
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<String, DataError> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<String, DataError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, _: &T) -> Result<String, DataError> {
        not_a_key(variant)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, DataError> {
        not_a_key("a sequence")
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, DataError> {
        not_a_key("a tuple")
    }
    fn serialize_tuple_struct(self, name: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, DataError> {
        not_a_key(name)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, DataError> {
        not_a_key(variant)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, DataError> {
        not_a_key("a map")
    }
    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Self::SerializeStruct, DataError> {
        not_a_key(name)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Self::SerializeStructVariant, DataError> {
        not_a_key(variant)
    }
}
