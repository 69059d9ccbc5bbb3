//! Inputs that complete another input of the same run, joined by key.
//!
//! Some exports come as several files that only make sense together: the PrestaShop
//! webservice gives `orders`, `customers`, `addresses` and `order_details` one resource per
//! file; Magento's Data Transfer writes the customers' addresses in a file of their own. Such
//! a *companion* file is not converted: before the run converts anything, every input is
//! surveyed (`Joined::gather`, in `shop/mod.rs` beside `open`, since it asks each reader), the
//! companions' records are kept by their join key, and the inputs that are converted look up
//! what their own file lacks:
//!
//! | platform   | companion holds                     | key               | completes |
//! |------------|-------------------------------------|-------------------|-----------|
//! | prestashop | customer, address                   | id                | orders (id_customer, id_address_invoice / _delivery) |
//! | prestashop | order_detail                        | id_order          | orders without associations/order_rows |
//! | prestashop | country, currency, carrier, order_state | id            | orders (id_country, id_currency...) |
//! | prestashop | order_slip (refunds)                | id_order          | orders (their credit notes) |
//! | magento    | address (Customer Addresses file)   | _email + _website | customers (Customers Main File) |
//!
//! A converted file's own records come first; the companions only fill what it lacks. A record
//! found in no input is what it was without companions: a PrestaShop order whose customer is
//! nowhere fails with its error, a Magento customer without address is written without one
//! (and, when the run has no address file at all, the input says so once).
//!
//! Which companion fed which input is tracked (`take_used`), for the report. A companion of a
//! platform none of the run's converted inputs reads is a failed input: alone it converts
//! nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::InputError;
use crate::model::Platform;

/// A record's fields by name (element names for XML, canonical field names for tables).
pub type Fields = HashMap<String, String>;

/// One record of a companion: the table it goes in (`resource`), its join key, its fields.
pub struct Entry {
    pub resource: &'static str,
    pub key: String,
    pub fields: Fields,
}

/// A file of the run that lends its records to the others.
#[derive(Debug)]
pub struct Companion {
    pub path: PathBuf,
    pub platform: Platform,
    /// What it holds: `customers`, `addresses`, `order_details`, `customers+addresses`...
    pub kind: String,
    /// Its layout and counts, for `inspect` and the report.
    pub generation: String,
    /// "xml (utf-8)", "utf-8"..., and the delimiter of a table, for the report.
    pub encoding: String,
    pub delimiter: String,
    pub records: u64,
    /// The kind of input of the same platform it completes (`orders`, `customers`).
    pub completes: &'static str,
    /// How it is joined, for people.
    pub join: &'static str,
}

/// A companion as surveyed: what it is and its records.
pub struct Survey {
    pub companion: Companion,
    pub entries: Vec<Entry>,
}

/// Records of one resource by key, each with the companion (index in `files`) it came from.
type Table = HashMap<String, Vec<(usize, Fields)>>;

/// The companions of a run and their records, by (platform, resource) and key.
#[derive(Default)]
pub struct Joined {
    tables: HashMap<(Platform, &'static str), Table>,
    pub files: Vec<Companion>,
    used: Vec<AtomicBool>,
}

impl Joined {
    pub fn add(&mut self, s: Survey) {
        let file = self.files.len();
        let platform = s.companion.platform;
        for e in s.entries {
            self.tables.entry((platform, e.resource)).or_default().entry(e.key).or_default().push((file, e.fields));
        }
        self.files.push(s.companion);
        self.used.push(AtomicBool::new(false));
    }

    /// The first record of `resource` with `key` (marks its file as used).
    pub fn get(&self, platform: Platform, resource: &'static str, key: &str) -> Option<&Fields> {
        let (file, fields) = self.tables.get(&(platform, resource))?.get(key)?.first()?;
        self.used[*file].store(true, Ordering::Relaxed);
        Some(fields)
    }

    /// Every record of `resource` with `key`, in the order of the files and of their lines.
    pub fn all(&self, platform: Platform, resource: &'static str, key: &str) -> Vec<&Fields> {
        let Some(found) = self.tables.get(&(platform, resource)).and_then(|t| t.get(key)) else {
            return Vec::new();
        };
        for (file, _) in found {
            self.used[*file].store(true, Ordering::Relaxed);
        }
        found.iter().map(|(_, f)| f).collect()
    }

    /// Does any companion hold records of `resource`?
    pub fn has(&self, platform: Platform, resource: &'static str) -> bool {
        self.tables.contains_key(&(platform, resource))
    }

    /// The companion read from `path`, if it is one.
    pub fn companion(&self, path: &Path) -> Option<(usize, &Companion)> {
        self.files.iter().enumerate().find(|(_, c)| c.path == path)
    }

    /// The companions used since the last call (by index in `files`), and forgets it.
    pub fn take_used(&self) -> Vec<usize> {
        self.used.iter().enumerate().filter(|(_, u)| u.swap(false, Ordering::Relaxed)).map(|(i, _)| i).collect()
    }
}

/// The error of a companion no converted input of the run reads.
pub fn alone(c: &Companion) -> InputError {
    InputError::Other {
        path: c.path.clone(),
        message: format!(
            "{} {} ({}): this file completes the {} {} export given in the same run ({}) and converts nothing alone; convert them together, e.g. passerelle convert {} {}",
            c.platform,
            c.kind,
            c.generation,
            c.platform,
            c.completes,
            c.join,
            if c.completes == "orders" { "orders.xml" } else { "customers.csv" },
            c.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::InputSection;

    fn survey_of(path: &str, platform: Platform, entries: Vec<(&'static str, &str, &str)>) -> Survey {
        Survey {
            companion: Companion {
                path: PathBuf::from(path),
                platform,
                kind: "customers".into(),
                generation: String::new(),
                encoding: String::new(),
                delimiter: String::new(),
                records: entries.len() as u64,
                completes: "orders",
                join: "by id",
            },
            entries: entries
                .into_iter()
                .map(|(resource, key, name)| Entry {
                    resource,
                    key: key.into(),
                    fields: [("name".to_string(), name.to_string())].into_iter().collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn lookups_by_platform_resource_and_key_say_which_file_served() {
        let mut j = Joined::default();
        j.add(survey_of("a.xml", Platform::Prestashop, vec![("customer", "1", "Ana"), ("customer", "2", "Léo")]));
        j.add(survey_of("b.xml", Platform::Prestashop, vec![("customer", "1", "Ana bis"), ("address", "1", "Rue")]));
        assert!(j.take_used().is_empty());
        assert_eq!(j.get(Platform::Prestashop, "customer", "2").unwrap()["name"], "Léo");
        assert_eq!(j.take_used(), vec![0], "only the file that answered");
        assert_eq!(j.get(Platform::Prestashop, "customer", "1").unwrap()["name"], "Ana", "the first file's");
        assert_eq!(j.take_used(), vec![0]);
        let both: Vec<&str> = j.all(Platform::Prestashop, "customer", "1").iter().map(|f| f["name"].as_str()).collect();
        assert_eq!(both, ["Ana", "Ana bis"], "in the order of the files");
        assert_eq!(j.take_used(), vec![0, 1]);
        assert!(j.take_used().is_empty(), "forgotten once taken");
        assert!(j.get(Platform::Magento, "customer", "1").is_none(), "another platform's records are not its");
        assert!(j.get(Platform::Prestashop, "customer", "3").is_none());
        assert!(j.take_used().is_empty(), "a miss uses nothing");
        assert!(j.has(Platform::Prestashop, "address") && !j.has(Platform::Prestashop, "order_detail"));
        assert_eq!(j.companion(Path::new("b.xml")).map(|(i, _)| i), Some(1));
        assert!(j.companion(Path::new("c.xml")).is_none());
    }

    #[test]
    fn a_single_input_is_not_surveyed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("customers.xml");
        std::fs::write(&p, "<prestashop><customers><customer><id>1</id></customer></customers></prestashop>").unwrap();
        let input = InputSection::default();
        assert!(Joined::gather(std::slice::from_ref(&p), &input).files.is_empty());
        let other = dir.path().join("orders.xml");
        std::fs::write(&other, "<prestashop><orders><order><id>5</id></order></orders></prestashop>").unwrap();
        let j = Joined::gather(&[p.clone(), other], &input);
        assert_eq!(j.files.len(), 1);
        assert_eq!((j.files[0].kind.as_str(), j.files[0].records), ("customers", 1));
        assert!(alone(&j.files[0]).to_string().contains("completes the prestashop orders"));
    }
}
