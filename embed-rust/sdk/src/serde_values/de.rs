//! Deserializing any `Deserialize` type from the SDK's `Json` value (what a call's arguments are
//! decoded to): borrowed, no second parse, and errors that say where in the value they are.

use super::DataError;
use crate::json::Json;
use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess, VariantAccess, Visitor};

/// A `Deserializer` over a `Json` value.
pub struct ValueDeserializer<'de> {
    value: &'de Json,
}

impl<'de> ValueDeserializer<'de> {
    pub fn new(value: &'de Json) -> Self {
        ValueDeserializer { value }
    }

    /// A whole number given as a float (2.0 from Python, any number from JS) is an integer here,
    /// as it is for the SDK's own integer arguments.
    fn whole_number(&self) -> Option<f64> {
        match *self.value {
            Json::Float(f) if f.fract() == 0.0 && f.abs() < 9.007_199_254_740_992e15 => Some(f),
            _ => None,
        }
    }
}

macro_rules! integer {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
            match self.whole_number() {
                Some(f) if f < 0.0 => visitor.visit_i64(f as i64),
                Some(f) => visitor.visit_u64(f as u64),
                None => self.deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = DataError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value {
            Json::Null => visitor.visit_unit(),
            Json::Bool(b) => visitor.visit_bool(*b),
            Json::Int(i) => visitor.visit_i64(*i),
            Json::UInt(u) => visitor.visit_u64(*u),
            Json::Float(f) => visitor.visit_f64(*f),
            Json::Str(s) => visitor.visit_borrowed_str(s),
            Json::Array(items) => visit_array(items, visitor),
            Json::Object(members) => visitor.visit_map(MembersAccess { members, next: 0 }),
        }
    }

    integer!(deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64, deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value {
            Json::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DataError> {
        visitor.visit_newtype_struct(self)
    }

    /// An enum is its variant's name (`"nearest"`) or an object of one member, the variant's
    /// name and its data (`{"scale": 2.0}`), as serde_json spells them.
    fn deserialize_enum<V: Visitor<'de>>(self, _name: &'static str, _variants: &'static [&'static str], visitor: V) -> Result<V::Value, DataError> {
        match self.value {
            Json::Str(s) => visitor.visit_enum(BorrowedStrDeserializer::<DataError>::new(s)),
            Json::Object(members) if members.len() == 1 => {
                visitor.visit_enum(VariantOf { name: &members[0].0, value: &members[0].1 })
            }
            other => Err(de::Error::custom(format!("expected {} (a variant's name, or an object of one member), got {}", visitor_text(&visitor), other.kind()))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool f32 f64 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
        i128 u128
    }
}

fn visitor_text<'de, V: Visitor<'de>>(visitor: &V) -> String {
    struct Text<'a, V>(&'a V);
    impl<'a, 'de, V: Visitor<'de>> std::fmt::Display for Text<'a, V> {
        fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            self.0.expecting(f)
        }
    }
    Text(visitor).to_string()
}

fn visit_array<'de, V: Visitor<'de>>(items: &'de [Json], visitor: V) -> Result<V::Value, DataError> {
    let mut access = ItemsAccess { items, next: 0 };
    let value = visitor.visit_seq(&mut access)?;
    if access.next < items.len() {
        // A tuple or fixed-size array took fewer elements than were given.
        return Err(de::Error::invalid_length(items.len(), &format!("{} elements", access.next).as_str()));
    }
    Ok(value)
}

struct ItemsAccess<'de> {
    items: &'de [Json],
    next: usize,
}

impl<'de, 'a> SeqAccess<'de> for &'a mut ItemsAccess<'de> {
    type Error = DataError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DataError> {
        match self.items.get(self.next) {
            None => Ok(None),
            Some(item) => {
                let index = self.next;
                self.next += 1;
                seed.deserialize(ValueDeserializer::new(item)).map(Some).map_err(|e| e.at_index(index))
            }
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}

struct MembersAccess<'de> {
    members: &'de [(String, Json)],
    next: usize,
}

impl<'de> MapAccess<'de> for MembersAccess<'de> {
    type Error = DataError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DataError> {
        match self.members.get(self.next) {
            None => Ok(None),
            Some((key, _)) => seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DataError> {
        let (key, value) = &self.members[self.next];
        self.next += 1;
        seed.deserialize(ValueDeserializer::new(value)).map_err(|e| e.at_key(key))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len() - self.next)
    }
}

/// The variant of an enum given as `{"name": value}`.
struct VariantOf<'de> {
    name: &'de str,
    value: &'de Json,
}

impl<'de> EnumAccess<'de> for VariantOf<'de> {
    type Error = DataError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DataError> {
        let variant = seed.deserialize(self.name.into_deserializer())?;
        Ok((variant, self))
    }
}

impl<'de> VariantAccess<'de> for VariantOf<'de> {
    type Error = DataError;

    fn unit_variant(self) -> Result<(), DataError> {
        match self.value {
            Json::Null => Ok(()),
            other => Err(de::Error::custom(format!("variant {} takes no data, got {}", self.name, other.kind()))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DataError> {
        let name = self.name;
        seed.deserialize(ValueDeserializer::new(self.value)).map_err(|e| e.at_key(name))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DataError> {
        let name = self.name;
        ValueDeserializer::new(self.value).deserialize_seq(visitor).map_err(|e| e.at_key(name))
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, DataError> {
        let name = self.name;
        ValueDeserializer::new(self.value).deserialize_map(visitor).map_err(|e| e.at_key(name))
    }
}
