//! The profile schema, read from the serde types themselves: each key is declared once, as a
//! field of `Profile` and its sections, and `check` walks what this module derives from them
//! (keys in declaration order, strings, whole numbers, booleans, the accepted values of an
//! enum, tables, lists). Deriving is done by a deserializer that answers every question a
//! type's `Deserialize` asks with a neutral value, noting what was asked.
//!
//! The one thing the types cannot say is which names a table of named tables accepts (its
//! names are data, not keys): `NAMED_TABLES` lists them.

use std::sync::OnceLock;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::Profile;

/// What a key holds, as `check` walks it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    Str,
    Bool,
    Int,
    Enum(&'static [&'static str]),
    /// A table of free keys with string values (`[customers.fields]`, `[input.columns]`).
    StrMap,
    /// A table of free keys with whole-number values (`[orders.payment_methods]`).
    IntMap,
    /// A list of strings (`[output] templates`).
    StrList,
    Table(&'static [(&'static str, Ty)]),
    /// A table of named sub-tables with one schema (`[customers.code.by_platform.shopify]`);
    /// the names must be one of the listed ones.
    TableMap(&'static [&'static str], &'static [(&'static str, Ty)]),
    ArrayOfTables(&'static [(&'static str, Ty)]),
}

impl Ty {
    pub fn describe(&self) -> String {
        match self {
            Ty::Str => "a string".into(),
            Ty::Bool => "true or false".into(),
            Ty::Int => "a whole number".into(),
            Ty::Enum(v) => format!("one of {}", v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")),
            Ty::StrMap => "a table of strings".into(),
            Ty::IntMap => "a table of whole numbers".into(),
            Ty::StrList => "a list of strings, e.g. [\"clients_csv\"]".into(),
            Ty::Table(_) | Ty::TableMap(..) => "a table".into(),
            Ty::ArrayOfTables(_) => "a list of tables".into(),
        }
    }
}

/// Tables of named sub-tables (dotted key) and the names they accept.
const NAMED_TABLES: &[(&str, &[&str])] = &[("customers.code.by_platform", super::PLATFORMS)];

/// What a type asked for, as a tree.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Str,
    Bool,
    Int,
    Enum(&'static [&'static str]),
    Map(Box<Shape>),
    List(Box<Shape>),
    Struct(Vec<(&'static str, Shape)>),
    /// Nothing asked yet.
    Unknown,
}

#[derive(Debug)]
struct Stop(String);

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Stop(msg.to_string())
    }
}

/// Notes in `out` what the type deserialized through it asks for.
struct Tracer<'a> {
    out: &'a mut Shape,
}

impl<'de> Deserializer<'de> for Tracer<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop("a profile type that does not say what it reads".into()))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        *self.out = Shape::Bool;
        v.visit_bool(false)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        *self.out = Shape::Int;
        v.visit_u64(0)
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_u64(v)
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        *self.out = Shape::Str;
        v.visit_str("")
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        self.deserialize_str(v)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        // An optional key reads as what it holds.
        v.visit_some(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        let mut item = Shape::Unknown;
        let value = v.visit_seq(OneItem { item: Some(&mut item) })?;
        *self.out = Shape::List(Box::new(item));
        Ok(value)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Stop> {
        let mut item = Shape::Unknown;
        let value = v.visit_map(OneEntry { item: Some(&mut item), key_given: false })?;
        *self.out = Shape::Map(Box::new(item));
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Stop> {
        let mut shapes: Vec<(&'static str, Shape)> = fields.iter().map(|f| (*f, Shape::Unknown)).collect();
        let value = v.visit_map(Fields { fields: &mut shapes, next: 0 })?;
        *self.out = Shape::Struct(shapes);
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Stop> {
        *self.out = Shape::Enum(variants);
        let first: StrDeserializer<Stop> = variants.first().copied().unwrap_or("").into_deserializer();
        v.visit_enum(first)
    }

    serde::forward_to_deserialize_any! {
        f32 f64 char bytes byte_buf unit unit_struct newtype_struct tuple tuple_struct identifier ignored_any
        i128 u128
    }
}

/// A list of one item, traced.
struct OneItem<'a> {
    item: Option<&'a mut Shape>,
}

impl<'de> SeqAccess<'de> for OneItem<'_> {
    type Error = Stop;
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Stop> {
        match self.item.take() {
            Some(out) => seed.deserialize(Tracer { out }).map(Some),
            None => Ok(None),
        }
    }
}

/// A map of one entry (key `k`), its value traced.
struct OneEntry<'a> {
    item: Option<&'a mut Shape>,
    key_given: bool,
}

impl<'de> MapAccess<'de> for OneEntry<'_> {
    type Error = Stop;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Stop> {
        if self.key_given || self.item.is_none() {
            return Ok(None);
        }
        self.key_given = true;
        let key: StrDeserializer<Stop> = "k".into_deserializer();
        seed.deserialize(key).map(Some)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Stop> {
        let out = self.item.take().ok_or_else(|| Stop("a value without its key".into()))?;
        seed.deserialize(Tracer { out })
    }
}

/// A struct's fields, each given once, its value traced.
struct Fields<'a> {
    fields: &'a mut [(&'static str, Shape)],
    next: usize,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = Stop;
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Stop> {
        let Some((name, _)) = self.fields.get(self.next) else { return Ok(None) };
        let key: StrDeserializer<Stop> = (*name).into_deserializer();
        seed.deserialize(key).map(Some)
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, Stop> {
        let (_, out) = &mut self.fields[self.next];
        self.next += 1;
        seed.deserialize(Tracer { out })
    }
}

fn leak<T>(v: Vec<T>) -> &'static [T] {
    Box::leak(v.into_boxed_slice())
}

/// `shape` as the checker's type, at dotted `path`.
fn ty(shape: &Shape, path: &str) -> Ty {
    match shape {
        Shape::Str => Ty::Str,
        Shape::Bool => Ty::Bool,
        Shape::Int => Ty::Int,
        Shape::Enum(v) => Ty::Enum(v),
        Shape::Map(item) => match &**item {
            Shape::Int => Ty::IntMap,
            Shape::Struct(fields) => {
                let names = NAMED_TABLES.iter().find(|(p, _)| *p == path).map(|(_, n)| *n).unwrap_or(&[]);
                Ty::TableMap(names, table(fields, path))
            }
            _ => Ty::StrMap,
        },
        Shape::List(item) => match &**item {
            Shape::Struct(fields) => Ty::ArrayOfTables(table(fields, path)),
            _ => Ty::StrList,
        },
        Shape::Struct(fields) => Ty::Table(table(fields, path)),
        Shape::Unknown => Ty::Str,
    }
}

fn table(fields: &[(&'static str, Shape)], path: &str) -> &'static [(&'static str, Ty)] {
    let keys = fields.iter().map(|(k, s)| {
        let full = if path.is_empty() { k.to_string() } else { format!("{path}.{k}") };
        (*k, ty(s, &full))
    });
    leak(keys.collect())
}

/// The whole profile schema: the keys of `Profile` and its sections (derived once).
pub fn profile() -> &'static [(&'static str, Ty)] {
    static SCHEMA: OnceLock<&'static [(&'static str, Ty)]> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut shape = Shape::Unknown;
        // Every profile type reads through the tracer: a failure is a type this module does
        // not understand, caught by the tests.
        let _ = <Profile as serde::Deserialize>::deserialize(Tracer { out: &mut shape });
        match &shape {
            Shape::Struct(fields) => table(fields, ""),
            _ => &[],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_from_the_types() {
        let top: Vec<&str> = profile().iter().map(|(k, _)| *k).collect();
        assert_eq!(top, ["clients", "customers", "orders", "input", "output", "watch"]);
        let key = |path: &str| {
            let mut table = profile();
            let mut found = None;
            for part in path.split('.') {
                let ty = table.iter().find(|(k, _)| *k == part).map(|(_, t)| *t).expect(path);
                if let Ty::Table(t) | Ty::TableMap(_, t) | Ty::ArrayOfTables(t) = ty {
                    table = t;
                }
                found = Some(ty);
            }
            found.unwrap()
        };
        assert_eq!(key("customers.code.source"), Ty::Enum(&["auto", "shop_id", "counter"]));
        assert_eq!(key("customers.code.length"), Ty::Int);
        assert_eq!(key("clients.file"), Ty::Str);
        assert_eq!(key("output.sage"), Ty::Bool);
        assert_eq!(key("output.templates"), Ty::StrList);
        assert_eq!(key("orders.payment_methods"), Ty::IntMap);
        assert_eq!(key("orders.tax_codes"), Ty::StrMap);
        assert!(matches!(key("customers.code.parts"), Ty::ArrayOfTables(t) if t.len() == 2));
        assert!(matches!(key("customers.code.by_platform"), Ty::TableMap(names, t)
            if names == super::super::PLATFORMS && !t.iter().any(|(k, _)| *k == "by_platform")));
        assert!(matches!(key("orders.accounting_categories"), Ty::Table(t) if t.len() == 4));
    }
}
