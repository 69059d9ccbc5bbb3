//! The profile: every option of the customer import (docs/profile.md, keys stable), read from
//! TOML. `check` validates a profile text against the schema with line numbers; `read` returns
//! a typed profile or every problem found. A leaf every stage reads: the rules that need a
//! stage (expressions, layout fields, template files) are `setup`'s, which loads profiles for
//! the commands.

pub mod check;
pub mod orders;
pub mod schema;

pub use orders::OrdersSection;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::Platform;

/// The commented default profile (`passerelle profile init`).
pub const DEFAULT_PROFILE: &str = include_str!("../../templates/profile/default.toml");
/// The same profile commented in French: the same keys and values (tested).
pub const DEFAULT_PROFILE_FR: &str = include_str!("../../templates/profile/default.fr.toml");

/// The default profile commented in `lang`.
pub fn default_profile(lang: crate::i18n::Lang) -> &'static str {
    match lang {
        crate::i18n::Lang::En => DEFAULT_PROFILE,
        crate::i18n::Lang::Fr => DEFAULT_PROFILE_FR,
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct Profile {
    pub clients: ClientsSection,
    pub customers: CustomersSection,
    pub orders: OrdersSection,
    pub input: InputSection,
    pub output: OutputSection,
    /// `passerelle watch`: when a dropped file counts as complete, how often the inbox is scanned.
    pub watch: WatchSection,
    /// Folder of the profile file: relative paths are resolved against it.
    #[serde(skip)]
    pub base_dir: PathBuf,
    /// Path of the profile file, when it came from one.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientsSection {
    /// The client list exported from Gestion Commerciale.
    pub file: Option<String>,
    /// "utf-8", "windows-1252"...; sniffed when absent.
    pub encoding: Option<String>,
    /// ";", ",", "tab"; sniffed when absent.
    pub delimiter: Option<String>,
    /// Sheet of an XLSX list; the first one when absent.
    pub sheet: Option<String>,
    /// Sage field name (CT_Siret...) = column header, for columns the built-in aliases miss.
    pub columns: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Single,
    #[default]
    PerCustomer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneSource {
    #[default]
    Phone,
    Mobile,
    BillingPhone,
    ShippingPhone,
    None,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CustomersSection {
    pub mode: Mode,
    pub single_account: String,
    pub template: String,
    pub search_by_siret: bool,
    pub search_by_email: bool,
    pub search_by_vat: bool,
    pub phone: PhoneSource,
    pub fax: PhoneSource,
    pub representative: String,
    pub update_delivery_addresses: bool,
    pub update_billing_address: bool,
    pub notify_billing_address_differs: bool,
    pub notify_delivery_address_differs: bool,
    pub update_custom_fields: bool,
    pub remove_accents: bool,
    pub uppercase_name: bool,
    pub uppercase_addresses: bool,
    pub use_document_accounting_category: bool,
    /// Compte collectif of new clients when no template gives one (extension).
    pub collective_account: String,
    pub code: CodeSection,
    /// Sage field name (CT_Commentaire...) = expression such as "Client web {customer.id}".
    pub fields: BTreeMap<String, String>,
}

impl Default for CustomersSection {
    fn default() -> Self {
        CustomersSection {
            mode: Mode::PerCustomer,
            single_account: String::new(),
            template: String::new(),
            search_by_siret: true,
            search_by_email: true,
            search_by_vat: true,
            phone: PhoneSource::Phone,
            fax: PhoneSource::None,
            representative: String::new(),
            update_delivery_addresses: false,
            update_billing_address: false,
            notify_billing_address_differs: false,
            notify_delivery_address_differs: false,
            update_custom_fields: false,
            remove_accents: false,
            uppercase_name: false,
            uppercase_addresses: false,
            use_document_accounting_category: false,
            collective_account: "4110000".to_string(),
            code: CodeSection::default(),
            fields: BTreeMap::new(),
        }
    }
}

/// Where the number of a new client code comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeSource {
    // Variants in the order `profile check` lists the values.
    /// The shop id when the export has one, it fits in the length and its code is free;
    /// else the counter (said in the report). Shopify ids (13 digits) and Shopify orders
    /// (no customer id) get counter numbers with the default length.
    #[default]
    Auto,
    /// The shop's customer id; a customer without one, or whose code cannot be made from
    /// it, fails.
    ShopId,
    /// The persisted counter.
    Counter,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeSection {
    pub prefix: String,
    pub parts: Vec<CodePart>,
    pub suffix: String,
    pub counter_length: u32,
    pub length: u32,
    pub source: CodeSource,
    /// First number of the persisted counter (extension).
    pub counter_start: u64,
    /// Per-platform changes (extension), e.g. `[customers.code.by_platform.shopify]
    /// prefix = "SHO"`: a merchant with two shops keeps their id spaces apart.
    pub by_platform: BTreeMap<String, CodeOverride>,
}

/// Keys of `[customers.code]` a platform may change; absent keys keep the general value.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct CodeOverride {
    pub prefix: Option<String>,
    pub parts: Option<Vec<CodePart>>,
    pub suffix: Option<String>,
    pub counter_length: Option<u32>,
    pub length: Option<u32>,
    pub source: Option<CodeSource>,
    pub counter_start: Option<u64>,
}

/// Platforms passerelle reads (names of `by_platform` tables).
pub const PLATFORMS: &[&str] = &[
    Platform::Shopify.as_str(),
    Platform::Prestashop.as_str(),
    Platform::Woocommerce.as_str(),
    Platform::Magento.as_str(),
];

impl CodeSection {
    /// The codification that applies to customers of `platform`.
    pub fn for_platform(&self, platform: &str) -> CodeSection {
        let mut c = self.clone();
        c.by_platform.clear();
        if let Some(o) = self.by_platform.get(platform) {
            if let Some(v) = &o.prefix {
                c.prefix = v.clone();
            }
            if let Some(v) = &o.parts {
                c.parts = v.clone();
            }
            if let Some(v) = &o.suffix {
                c.suffix = v.clone();
            }
            if let Some(v) = o.counter_length {
                c.counter_length = v;
            }
            if let Some(v) = o.length {
                c.length = v;
            }
            if let Some(v) = o.source {
                c.source = v;
            }
            if let Some(v) = o.counter_start {
                c.counter_start = v;
            }
        }
        c
    }
}

impl Default for CodeSection {
    fn default() -> Self {
        CodeSection {
            prefix: "WEB".to_string(),
            parts: Vec::new(),
            suffix: String::new(),
            counter_length: 0,
            length: 9,
            source: CodeSource::Auto,
            counter_start: 1,
            by_platform: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CodePart {
    pub field: PartField,
    pub length: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartField {
    Lastname,
    Firstname,
    Company,
    Zip,
    City,
    Country,
    Email,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputSection {
    /// Forces the encoding of shop exports ("utf-8", "windows-1252", "macintosh").
    pub encoding: Option<String>,
    /// Forces the delimiter of shop CSV files (";", ",", "tab").
    pub delimiter: Option<String>,
    /// Canonical field = column header, for columns the built-in aliases miss.
    pub columns: BTreeMap<String, String>,
    /// Canonical field = key of Shopify's `Note Attributes` (`key: value` lines), where B2B
    /// apps put the SIRET or VAT number: `siret = "SIRET"`.
    pub note_attributes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputSection {
    /// `#VER` of the Format Sage files written.
    pub sage_version: u32,
    /// Write the Format Sage file (`<input stem>.txt`).
    pub sage: bool,
    /// Import paramétrable templates: built-in names (`clients_csv`) or paths of template files
    /// (relative to the profile's folder); one output file each.
    pub templates: Vec<String>,
}

/// The `#VER` passerelle writes by default (Sage 100 GC v12.25); `sage::Layout::builtin` has it.
pub const DEFAULT_SAGE_VERSION: u32 = 33;

impl Default for OutputSection {
    fn default() -> Self {
        OutputSection { sage_version: DEFAULT_SAGE_VERSION, sage: true, templates: Vec::new() }
    }
}

/// `[watch]`: the drop folder. Durations of file checks are in milliseconds so tests can use
/// tens of milliseconds; the periodic ones in seconds.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSection {
    /// A dropped file is taken once its size and modification time have not changed for this long.
    pub settle_ms: u64,
    /// ... and once it was last modified at least this long ago.
    pub min_age_ms: u64,
    /// Quiet time after a file-system event before the inbox is scanned (a copy fires many).
    pub debounce_ms: u64,
    /// Full scan of the inbox at this interval even when events arrive (events can be lost).
    pub rescan_seconds: u64,
    /// Wait before trying again a file that could not be finished (locked output folder,
    /// unreadable client list, damaged state).
    pub retry_seconds: u64,
    /// Also write the log to this file (relative to the profile's folder); empty: console only.
    pub log_file: String,
}

impl Default for WatchSection {
    fn default() -> Self {
        WatchSection {
            settle_ms: 3000,
            min_age_ms: 5000,
            debounce_ms: 500,
            rescan_seconds: 60,
            retry_seconds: 30,
            log_file: String::new(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot read profile {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("profile {path}:\n{}", problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid { path: String, problems: Vec<check::Problem> },
}

impl Profile {
    /// Reads a profile file, checked against the schema only, with its text (for the lines of
    /// later problems). Commands load profiles through `setup::load_profile`, which adds the
    /// rules that span keys or need a stage.
    pub fn read(path: &Path) -> Result<(Profile, String), ProfileError> {
        let text = crate::fsguard::read_text(path, crate::fsguard::MAX_TEXT_BYTES)
            .map_err(|source| ProfileError::Io { path: path.to_path_buf(), source })?;
        let mut p = Profile::parse_schema(&text, &path.display().to_string())?;
        p.base_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if p.base_dir.as_os_str().is_empty() {
            p.base_dir = PathBuf::from(".");
        }
        p.path = Some(path.to_path_buf());
        Ok((p, text))
    }

    /// A profile from its text (`name` for messages), checked against the schema only (see
    /// `read`; `setup::parse_profile` checks every rule).
    pub fn parse_schema(text: &str, name: &str) -> Result<Profile, ProfileError> {
        check::parse_typed(text).map_err(|problems| ProfileError::Invalid { path: name.to_string(), problems })
    }

    /// Resolves a path written in the profile against the profile's folder.
    pub fn resolve_path(&self, p: &str) -> PathBuf {
        let path = Path::new(p);
        if path.is_absolute() { path.to_path_buf() } else { self.base_dir.join(path) }
    }

    /// The client list file, if the profile names one.
    pub fn clients_file(&self) -> Option<PathBuf> {
        self.clients.file.as_deref().filter(|s| !s.is_empty()).map(|f| self.resolve_path(f))
    }

    /// `state/` next to the profile (the default of `--state`).
    pub fn default_state_dir(&self) -> PathBuf {
        self.base_dir.join("state")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_profile_parses_to_the_defaults() {
        let p = crate::setup::parse_profile(DEFAULT_PROFILE, "default").unwrap();
        let d = CustomersSection::default();
        assert_eq!(p.customers.mode, d.mode);
        assert_eq!(p.customers.code.prefix, "WEB");
        assert_eq!(p.customers.code.length, 9);
        assert_eq!(p.customers.search_by_email, d.search_by_email);
        assert_eq!(p.customers.collective_account, d.collective_account);
        let w = WatchSection::default();
        assert_eq!((p.watch.settle_ms, p.watch.min_age_ms), (w.settle_ms, w.min_age_ms));
        assert_eq!((p.watch.rescan_seconds, p.watch.retry_seconds), (w.rescan_seconds, w.retry_seconds));
        assert_eq!(p.watch.debounce_ms, w.debounce_ms);
    }

    #[test]
    fn the_french_default_profile_has_the_same_keys_and_values() {
        // Same settings once read...
        let en = crate::setup::parse_profile(DEFAULT_PROFILE, "default").unwrap();
        let fr = crate::setup::parse_profile(DEFAULT_PROFILE_FR, "default.fr").unwrap();
        assert_eq!(serde_json::to_value(&en).unwrap(), serde_json::to_value(&fr).unwrap());
        // ...the same text of keys and values, only the comments differ...
        let (en_doc, fr_doc): (toml::Value, toml::Value) =
            (toml::from_str(DEFAULT_PROFILE).unwrap(), toml::from_str(DEFAULT_PROFILE_FR).unwrap());
        assert_eq!(en_doc, fr_doc);
        let settings = |text: &str| -> Vec<String> {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|l| {
                    // A trailing comment is a comment.
                    l.split(" #").next().unwrap_or(l).trim_end().to_string()
                })
                .collect()
        };
        assert_eq!(settings(DEFAULT_PROFILE), settings(DEFAULT_PROFILE_FR), "the same lines in the same order");
        // ...and the same examples in comments (`# key = value`), which users uncomment.
        let examples = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.trim().strip_prefix("# "))
                .filter(|l| {
                    let Some((key, value)) = l.split_once(" = ") else { return false };
                    let value_like = value.starts_with(['"', '[', '{', '-'])
                        || value.starts_with(|c: char| c.is_ascii_digit())
                        || value.starts_with("true")
                        || value.starts_with("false");
                    !key.is_empty()
                        && value_like
                        && key.chars().all(|c| c.is_ascii_alphanumeric() || "_.\"".contains(c))
                })
                .map(|l| l.split(" #").next().unwrap_or(l).trim_end().to_string())
                .collect()
        };
        let (ex_en, ex_fr) = (examples(DEFAULT_PROFILE), examples(DEFAULT_PROFILE_FR));
        assert!(ex_en.len() > 10, "{ex_en:?}");
        assert_eq!(ex_en, ex_fr);
        assert_eq!(default_profile(crate::i18n::Lang::Fr), DEFAULT_PROFILE_FR);
        // `profile check` finds nothing to say about either.
        for text in [DEFAULT_PROFILE, DEFAULT_PROFILE_FR] {
            let p = crate::setup::parse_checked(text).unwrap();
            assert!(crate::setup::template_rules(&p, text).is_empty());
            assert!(crate::setup::advice(&p, text).is_empty());
        }
    }

    #[test]
    fn an_empty_profile_is_all_defaults() {
        let p = crate::setup::parse_profile("", "empty").unwrap();
        assert_eq!(p.customers.code.source, CodeSource::Auto);
        assert_eq!(p.orders.piece, "WEB{order.number}");
        assert_eq!(p.output.sage_version, 33);
        assert!(p.output.sage);
        assert!(p.output.templates.is_empty());
    }
}
