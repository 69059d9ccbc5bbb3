//! The client list as an index: by code, SIRET, e-mail (the client's and its contacts') and
//! VAT number, keys normalised the same way on both sides. Invalid SIRET and VAT numbers are
//! noted and left out of the index. For a Format Sage export, each client also knows where its
//! block of records sits in the file, so an update can re-emit it whole.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;
use std::path::PathBuf;

pub use super::keys::{norm_code, norm_email, norm_siret, norm_vat};
use super::keys::{siret_problem, vat_problem};

/// One delivery address of a client (#CCDL of an export).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    pub intitule: String,
    /// `address_key` of the address.
    pub key: String,
}

/// One client of the dossier.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub code: String,
    pub intitule: String,
    pub siret: String,
    pub email: String,
    pub vat: String,
    /// E-mails of the client's contacts (#MCTT), also matching keys.
    pub contact_emails: Vec<String>,
    /// #CCLI fields kept for this client: (1-based position, value in Format Sage form).
    /// Every client of an export keeps a few; the template and the single account keep all
    /// the list carries.
    pub fields: Vec<(u16, String)>,
    /// `address_key` of the billing address, when the list carries addresses.
    pub address_key: Option<String>,
    pub deliveries: Vec<Delivery>,
    /// Catégorie comptable (#CCLI 32) and compte collectif (#CCLI 3), when the list carries
    /// them: documents of this client need them.
    pub cat_compta: Option<String>,
    pub collective: Option<String>,
    /// Line of the client in the list (CSV line, spreadsheet row, or #CCLI tag line).
    pub line: u64,
    /// Byte range of the client's block (#CCLI and children) in a Format Sage export.
    pub block: Option<(u64, u64)>,
}

impl Client {
    pub fn field(&self, pos: usize) -> Option<&str> {
        self.fields.iter().find(|(p, _)| *p as usize == pos).map(|(_, v)| v.as_str())
    }
}

/// Addresses compared without case, accents, punctuation or spacing.
pub fn address_key(parts: &[&str]) -> String {
    let mut out = String::with_capacity(64);
    for p in parts {
        push_key_part(&mut out, p);
    }
    out
}

/// Appends one part of an address key (see `address_key`).
pub fn push_key_part(out: &mut String, p: &str) {
    if p.is_ascii() {
        out.extend(p.bytes().filter(u8::is_ascii_alphanumeric).map(|b| b.to_ascii_uppercase() as char));
    } else {
        let t = crate::resolve::text::remove_accents(p);
        out.extend(t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_uppercase));
    }
    out.push('|');
}

/// Where the index came from and how it was read.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub path: String,
    pub file: PathBuf,
    /// "csv", "xlsx" or "format sage".
    pub format: String,
    pub encoding: String,
    pub delimiter: String,
    /// (header, #CCLI field name) for every recognised column.
    pub columns: Vec<(String, String)>,
    /// Headers not used.
    pub ignored: Vec<String>,
}

/// What a Format Sage export held, compared with the layout passerelle writes.
#[derive(Debug, Clone, Default)]
pub struct ExportInfo {
    pub version: u32,
    /// Tag → (records, fewest lines, most lines).
    pub histogram: BTreeMap<String, (usize, usize, usize)>,
    /// Differences with the layout passerelle writes, in words.
    pub mismatches: Vec<String>,
    /// Records may be re-emitted (updates) only when the export's layout is the one written.
    pub updatable: bool,
}

#[derive(Debug, Default)]
pub struct ClientIndex {
    pub clients: Vec<Client>,
    by_code: HashMap<String, u32>,
    by_siret: HashMap<String, Vec<u32>>,
    by_email: HashMap<String, Vec<u32>>,
    by_vat: HashMap<String, Vec<u32>>,
    pub source: Source,
    /// #CCLI positions the list carries (the same for every client).
    pub carried: Vec<u16>,
    /// Problems found while reading (duplicate codes, invalid keys, layout differences...).
    pub notes: Vec<String>,
    pub export: Option<ExportInfo>,
    /// Counts of invalid SIRET and VAT numbers, and of codes Sage would refuse.
    pub invalid: InvalidCounts,
}

#[derive(Debug, Default, Clone, Copy)]
pub struct InvalidCounts {
    pub siret: usize,
    pub vat: usize,
    pub codes: usize,
}

impl ClientIndex {
    pub fn new(source: Source) -> ClientIndex {
        ClientIndex { source, ..Default::default() }
    }

    /// Adds a client; a code already present is reported and the first one kept. Invalid
    /// SIRET and VAT numbers are reported and not indexed.
    pub fn push(&mut self, mut c: Client) {
        c.code = norm_code(&c.code);
        if c.code.is_empty() {
            self.notes.push(format!("line {}: a client without code is ignored", c.line));
            return;
        }
        if let Some(why) = super::keys::code_problem(&c.code) {
            self.invalid.codes += 1;
            self.notes.push(format!("line {}: client code {why}", c.line));
        }
        let id = self.clients.len() as u32;
        if let Some(&first) = self.by_code.get(&c.code) {
            let l = self.clients[first as usize].line;
            self.notes.push(format!("line {}: code {} already at line {l}; the first is used", c.line, c.code));
            return;
        }
        self.by_code.insert(c.code.clone(), id);
        if !c.siret.trim().is_empty() {
            match siret_problem(&c.siret) {
                None => self.by_siret.entry(norm_siret(&c.siret)).or_default().push(id),
                Some(why) => {
                    self.invalid.siret += 1;
                    self.notes.push(format!("line {}, client {}: SIRET {why}; not used to match", c.line, c.code));
                }
            }
        }
        for e in std::iter::once(&c.email).chain(c.contact_emails.iter()) {
            let e = norm_email(e);
            if e.contains('@') {
                let ids = self.by_email.entry(e).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        if !c.vat.trim().is_empty() {
            match vat_problem(&c.vat) {
                None => self.by_vat.entry(norm_vat(&c.vat)).or_default().push(id),
                Some(why) => {
                    self.invalid.vat += 1;
                    self.notes.push(format!("line {}, client {}: VAT number {why}; not used to match", c.line, c.code));
                }
            }
        }
        self.clients.push(c);
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    pub fn by_code(&self, code: &str) -> Option<&Client> {
        self.by_code.get(&norm_code(code)).map(|&i| &self.clients[i as usize])
    }

    pub fn by_siret(&self, siret: &str) -> Vec<&Client> {
        self.lookup(&self.by_siret, &norm_siret(siret))
    }

    pub fn by_email(&self, email: &str) -> Vec<&Client> {
        self.lookup(&self.by_email, &norm_email(email))
    }

    pub fn by_vat(&self, vat: &str) -> Vec<&Client> {
        self.lookup(&self.by_vat, &norm_vat(vat))
    }

    fn lookup<'a>(&'a self, map: &HashMap<String, Vec<u32>>, key: &str) -> Vec<&'a Client> {
        if key.is_empty() {
            return Vec::new();
        }
        map.get(key).map(|ids| ids.iter().map(|&i| &self.clients[i as usize]).collect()).unwrap_or_default()
    }

    /// Keys held by several clients: (kind, key, codes).
    pub fn conflicts(&self) -> Vec<(&'static str, String, Vec<String>)> {
        let mut out = Vec::new();
        for (kind, map) in [("siret", &self.by_siret), ("email", &self.by_email), ("vat", &self.by_vat)] {
            let mut v: Vec<_> = map
                .iter()
                .filter(|(_, ids)| ids.len() > 1)
                .map(|(k, ids)| (kind, k.clone(), ids.iter().map(|&i| self.clients[i as usize].code.clone()).collect()))
                .collect();
            v.sort();
            out.extend(v);
        }
        out
    }

    /// Clients with a SIRET, an e-mail, a VAT number.
    pub fn count_with(&self) -> (usize, usize, usize) {
        let n = |f: fn(&Client) -> &str| self.clients.iter().filter(|c| !f(c).trim().is_empty()).count();
        (n(|c| &c.siret), n(|c| &c.email), n(|c| &c.vat))
    }

    /// Can an existing client be rewritten from this list? Only from a Format Sage export of
    /// the layout passerelle writes: Sage blanks every field an update leaves empty.
    pub fn update_refusal(&self) -> Option<String> {
        match &self.export {
            None => Some(format!(
                "the client list ({} file) does not hold the complete client record; Sage blanks every field an update leaves empty, so existing clients are never rewritten from it. Export the clients from Gestion Commerciale in Format Sage (Fichier > Exporter > Format Sage) and name that file in [clients] file to allow updates",
                self.source.format.to_uppercase()
            )),
            Some(e) if !e.updatable => Some(format!(
                "the Format Sage export does not match the layout passerelle writes ({}): records cannot be re-emitted safely",
                e.mismatches.join("; ")
            )),
            Some(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(code: &str, siret: &str, email: &str, vat: &str) -> Client {
        Client { code: code.into(), siret: siret.into(), email: email.into(), vat: vat.into(), ..Default::default() }
    }

    #[test]
    fn keys_are_normalised_on_both_sides() {
        let mut ix = ClientIndex::default();
        ix.push(client("dupont", "628 194 821 00037", " Marie.Dupont@Exemple.fr ", "fr 90.628.194.821"));
        assert_eq!(ix.by_code("DUPONT").unwrap().code, "DUPONT");
        assert_eq!(ix.by_siret("62819482100037").len(), 1);
        assert_eq!(ix.by_email("marie.dupont@exemple.fr").len(), 1);
        assert_eq!(ix.by_vat("FR90628194821").len(), 1);
        assert!(ix.by_email("").is_empty());
    }

    #[test]
    fn invalid_keys_are_noted_and_not_indexed() {
        let mut ix = ClientIndex::default();
        ix.push(client("A", "62819482100038", "", "FR91628194821"));
        assert!(ix.by_siret("62819482100038").is_empty());
        assert!(ix.by_vat("FR91628194821").is_empty());
        assert_eq!((ix.invalid.siret, ix.invalid.vat), (1, 1));
        assert_eq!(ix.notes.len(), 2);
    }

    #[test]
    fn duplicates_are_kept_apart() {
        let mut ix = ClientIndex::default();
        ix.push(client("A", "", "compta@exemple.fr", ""));
        ix.push(client("B", "", "COMPTA@exemple.fr", ""));
        ix.push(client("a", "", "", ""));
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.notes.len(), 1);
        assert_eq!(ix.by_email("compta@exemple.fr").len(), 2);
        assert_eq!(ix.conflicts().len(), 1);
    }

    #[test]
    fn contact_emails_find_their_client() {
        let mut ix = ClientIndex::default();
        let mut c = client("DUPONT", "", "contact@dupont.fr", "");
        c.contact_emails = vec!["Paul.Dupont@dupont.fr".into()];
        ix.push(c);
        assert_eq!(ix.by_email("paul.dupont@dupont.fr")[0].code, "DUPONT");
    }

    #[test]
    fn address_keys_ignore_case_accents_and_punctuation() {
        assert_eq!(
            address_key(&["12, rue de l'Église", "69003", "Lyon"]),
            address_key(&["12 RUE DE L EGLISE", "69003", "LYON"])
        );
        assert_ne!(address_key(&["12 rue", "69003"]), address_key(&["12 rue", "69004"]));
    }
}
