//! ISO 3166-1 countries (templates/countries.toml): shop exports give ISO codes or names,
//! Sage's Pays fields hold a French name.

use crate::text::QuickTrim;
use std::sync::OnceLock;

use serde::Deserialize;

const DATA: &str = include_str!("../templates/countries.toml");

#[derive(Debug, Deserialize)]
pub struct Country {
    pub iso: String,
    pub fr: String,
    pub en: String,
    pub eu: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Deserialize)]
struct File {
    country: Vec<Country>,
}

struct Table {
    list: Vec<Country>,
    /// By code, "AA" to "ZZ": the position in `list` plus one, 0 for no country.
    by_iso: Vec<u16>,
    by_name: rustc_hash::FxHashMap<String, usize>,
}

/// Where a two-letter code goes in `Table::by_iso` (letters of either case), if it is one.
fn iso_slot(code: &[u8]) -> Option<usize> {
    let &[a, b] = code else { return None };
    let (a, b) = (a.to_ascii_uppercase(), b.to_ascii_uppercase());
    (a.is_ascii_uppercase() && b.is_ascii_uppercase()).then(|| usize::from(a - b'A') * 26 + usize::from(b - b'A'))
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        let f: File = toml::from_str(DATA).expect("templates/countries.toml is valid (tested)");
        let mut by_iso = vec![0u16; 26 * 26];
        let mut by_name = rustc_hash::FxHashMap::default();
        for (i, c) in f.country.iter().enumerate() {
            // Every code is two uppercase letters (tested): it has its slot.
            if let Some(slot) = iso_slot(c.iso.as_bytes()) {
                by_iso[slot] = i as u16 + 1;
            }
            for n in [&c.fr, &c.en].into_iter().chain(c.aliases.iter()) {
                by_name.entry(name_key(n)).or_insert(i);
            }
        }
        Table { list: f.country, by_iso, by_name }
    })
}

/// Names compared without case, accents, hyphens or apostrophes: "Etats unis" = "États-Unis".
fn name_key(s: &str) -> String {
    crate::text::remove_accents(s).chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

pub fn by_iso(iso: &str) -> Option<&'static Country> {
    let t = table();
    // Asked for every address written: the code (two letters, as every one of the table) is
    // its own index, no hashing.
    let i = t.by_iso[iso_slot(iso.quick_trim().as_bytes())?];
    (i > 0).then(|| &t.list[usize::from(i) - 1])
}

/// A country from an ISO alpha-2 code or a French or English name.
pub fn lookup(s: &str) -> Option<&'static Country> {
    let s = s.quick_trim();
    if s.len() == 2
        && let Some(c) = by_iso(s)
    {
        return Some(c);
    }
    let t = table();
    t.by_name.get(&name_key(s)).map(|&i| &t.list[i])
}

/// French name of an ISO code ("FR" → "France").
pub fn name_fr(iso: &str) -> Option<&'static str> {
    by_iso(iso).map(|c| c.fr.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(name_fr("FR"), Some("France"));
        assert_eq!(name_fr("be"), Some("Belgique"));
        assert_eq!(lookup("Etats-Unis").unwrap().iso, "US");
        assert_eq!(lookup("Germany").unwrap().iso, "DE");
        assert_eq!(lookup("allemagne").unwrap().iso, "DE");
        assert!(lookup("Atlantide").is_none());
        assert!(by_iso("DE").unwrap().eu);
        assert!(!by_iso("CH").unwrap().eu);
        assert_eq!(by_iso(" fR ").unwrap().iso, "FR");
        // `by_iso` looks up two bytes only.
        assert!(table().list.iter().all(|c| c.iso.len() == 2 && c.iso.bytes().all(|b| b.is_ascii_uppercase())));
    }

    proptest::proptest! {
        /// The code's slot finds what a search of the list by the uppercased code finds.
        #[test]
        fn a_code_is_found_whatever_its_case(s in "[ a-zA-Zé\\[`@{]{0,4}") {
            let t = table();
            let want = t.list.iter().find(|c| c.iso == s.quick_trim().to_ascii_uppercase()).map(|c| &c.iso);
            proptest::prop_assert_eq!(by_iso(&s).map(|c| &c.iso), want);
        }
    }
}
