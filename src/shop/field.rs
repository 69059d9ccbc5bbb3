//! Canonical fields as ids, and how one file's header feeds them. A reader names a field in
//! the code (`field!("order_number")`), which becomes its index in `CANONICAL_FIELDS` when
//! the code compiles (a misspelt name does not build); the header is resolved once per file
//! into a table indexed by those ids, so reading a cell looks no name up.

use super::CANONICAL_FIELDS;
use super::dialect::{ColumnMap, Dialect};

/// A canonical field: its index in `CANONICAL_FIELDS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Field(u8);

const _: () = assert!(CANONICAL_FIELDS.len() <= u8::MAX as usize);

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

impl Field {
    /// The field named `name`; used in constants (see `field!`), where an unknown name stops
    /// the build.
    pub const fn named(name: &str) -> Field {
        let mut i = 0;
        while i < CANONICAL_FIELDS.len() {
            if same(CANONICAL_FIELDS[i], name) {
                return Field(i as u8);
            }
            i += 1;
        }
        panic!("not a canonical field (shop::CANONICAL_FIELDS)")
    }

    /// The field named `name` at run time (a name from a dialect or the profile).
    pub fn lookup(name: &str) -> Option<Field> {
        CANONICAL_FIELDS.iter().position(|f| *f == name).map(|i| Field(i as u8))
    }

    pub fn name(self) -> &'static str {
        CANONICAL_FIELDS[self.0 as usize]
    }
}

/// `field!("zip")`: the canonical field, resolved when the code compiles.
macro_rules! field {
    ($name:literal) => {{
        const F: $crate::shop::field::Field = $crate::shop::field::Field::named($name);
        F
    }};
}
pub(crate) use field;

/// What reading one canonical field takes in a file: its column, whether Excel's apostrophe is
/// always stripped, the values that mean "none".
#[derive(Debug, Clone, Copy)]
pub struct ColInfo {
    pub col: usize,
    pub always_apostrophe: bool,
    pub placeholders: Option<&'static [String]>,
}

/// The file's columns by field id, worked out once from its column map.
#[derive(Debug, Clone)]
pub struct Columns {
    info: Vec<Option<ColInfo>>,
}

impl Columns {
    pub fn new(dialect: &'static Dialect, cols: &ColumnMap) -> Columns {
        let mut info = vec![None; CANONICAL_FIELDS.len()];
        for (name, &col) in &cols.cols {
            let Some(f) = Field::lookup(name) else { continue };
            info[f.0 as usize] = Some(ColInfo {
                col,
                always_apostrophe: dialect.cleaning.apostrophe.iter().any(|a| a == name),
                placeholders: dialect.cleaning.placeholders.get(name).map(Vec::as_slice),
            });
        }
        Columns { info }
    }

    /// How to read `f`; `None` when the file has no column for it. Borrowed: some thirty
    /// calls a row, each copied out whole before.
    #[inline]
    pub fn get(&self, f: Field) -> Option<&ColInfo> {
        self.info[f.0 as usize].as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_their_names_both_ways() {
        for name in CANONICAL_FIELDS {
            let f = Field::lookup(name).unwrap();
            assert_eq!(f.name(), *name);
        }
        assert_eq!(field!("billing_zip").name(), "billing_zip");
        assert_eq!(Field::lookup("billing_zipcode"), None);
    }
}
