//! One record of a shop's REST API export and how its fields are read (the profile's paths
//! first, then the dialect's), with the street and address forms both APIs share. Used by the
//! reader (`rest.rs`) and by each platform's builder (`woocommerce_rest.rs`, `magento.rs`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::customers::country_iso;
use super::dialect::Dialect;
use super::json;
use crate::model::Address;
use crate::report::Warnings;

/// One record (an order) and how to read its fields.
pub struct Rec<'a> {
    pub v: &'a Value,
    pub d: &'static Dialect,
    pub overrides: &'a BTreeMap<String, String>,
}

impl Rec<'_> {
    /// The paths of a canonical field: the profile's first, then the dialect's.
    fn paths(&self, field: &str) -> impl Iterator<Item = &str> {
        self.overrides
            .get(field)
            .map(String::as_str)
            .into_iter()
            .chain(self.d.columns.get(field).into_iter().flatten().map(String::as_str))
    }

    /// The first value of `field`'s paths that holds text; values meaning "none" (a guest's
    /// customer id 0) are empty.
    pub fn field(&self, field: &str) -> String {
        let v = self.paths(field).find_map(|p| json::lookup(self.v, p).and_then(json::text)).unwrap_or_default();
        if self.d.cleaning.placeholders.get(field).is_some_and(|ph| ph.contains(&v)) {
            return String::new();
        }
        v
    }

    /// The path `field` was read from (its first path when none holds a value), for messages.
    pub fn path_of(&self, field: &str) -> String {
        let mut paths = self.paths(field).peekable();
        let first = paths.peek().map(|p| p.to_string()).unwrap_or_else(|| field.to_string());
        paths.find(|p| json::lookup(self.v, p).and_then(json::text).is_some()).map(str::to_string).unwrap_or(first)
    }
}

/// Street lines as the APIs give them (Magento: an array, one line each): the first is the
/// address, the others its complement (joined with ", " after `address2` when it has one).
pub fn split_street(address1: &str, address2: &str) -> (String, String) {
    let mut lines = address1.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("").to_string();
    let rest: Vec<&str> = lines.chain(address2.lines().map(str::trim).filter(|l| !l.is_empty())).collect();
    (first, rest.join(", "))
}

/// The billing or shipping address of a record (`side`: "billing" or "shipping").
pub fn address(r: &Rec, side: &str, subject: &str, w: &mut Warnings) -> Address {
    let f = |name: &str| r.field(&format!("{side}_{name}"));
    let (address1, address2) = split_street(&f("address1"), &f("address2"));
    Address {
        company: f("company"),
        firstname: f("firstname"),
        lastname: f("lastname"),
        address1,
        address2,
        zip: f("zip"),
        city: f("city"),
        state: f("state"),
        country: country_iso(&f("country"), subject, w),
        phone: f("phone"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn street_lines() {
        assert_eq!(
            split_street("12 rue de la Paix\nBâtiment B\n3e étage", ""),
            ("12 rue de la Paix".into(), "Bâtiment B, 3e étage".into())
        );
        assert_eq!(split_street("  1 rue A ", "Lot 4"), ("1 rue A".into(), "Lot 4".into()));
        assert_eq!(split_street("", ""), (String::new(), String::new()));
    }
}
