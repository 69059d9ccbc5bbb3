//! The client list as an index: by code, SIRET, e-mail and VAT number, keys normalised the
//! same way on both sides (ERP and shop) so that "FR 12 345 678 901" finds "FR12345678901".

use std::collections::HashMap;

/// One client of the dossier.
#[derive(Debug, Clone, Default)]
pub struct Client {
    pub code: String,
    pub intitule: String,
    pub siret: String,
    pub email: String,
    pub vat: String,
    /// #CCLI fields the list carries for this client: (1-based position, value as text in
    /// Format Sage form). Used for the template client and for showing what was matched.
    pub fields: Vec<(u16, String)>,
    /// Line (CSV) of the client in the list.
    pub line: u64,
}

impl Client {
    pub fn field(&self, pos: usize) -> Option<&str> {
        self.fields.iter().find(|(p, _)| *p as usize == pos).map(|(_, v)| v.as_str())
    }
}

/// Where the index came from and how it was read.
#[derive(Debug, Clone, Default)]
pub struct Source {
    pub path: String,
    pub format: String,
    pub encoding: String,
    pub delimiter: String,
    /// (header, #CCLI field name) for every recognised column.
    pub columns: Vec<(String, String)>,
    /// Headers not used.
    pub ignored: Vec<String>,
}

#[derive(Debug, Default)]
pub struct ClientIndex {
    pub clients: Vec<Client>,
    by_code: HashMap<String, u32>,
    by_siret: HashMap<String, Vec<u32>>,
    by_email: HashMap<String, Vec<u32>>,
    by_vat: HashMap<String, Vec<u32>>,
    pub source: Source,
    /// #CCLI positions carried by the list (same for every client of a CSV).
    pub carried: Vec<u16>,
    /// Problems found while reading (duplicate codes, invalid codes...).
    pub notes: Vec<String>,
}

/// SIRET: digits only.
pub fn norm_siret(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// E-mail: trimmed, case-folded.
pub fn norm_email(s: &str) -> String {
    s.trim().to_lowercase()
}

/// VAT number: uppercase, without spaces, dots or dashes.
pub fn norm_vat(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Client code as Sage stores it: trimmed, uppercase.
pub fn norm_code(s: &str) -> String {
    s.trim().to_uppercase()
}

impl ClientIndex {
    pub fn new(source: Source) -> ClientIndex {
        ClientIndex { source, ..Default::default() }
    }

    /// Adds a client; a code already present is reported and the first one kept.
    pub fn push(&mut self, mut c: Client) {
        c.code = norm_code(&c.code);
        if c.code.is_empty() {
            self.notes.push(format!("line {}: a client without code is ignored", c.line));
            return;
        }
        let id = self.clients.len() as u32;
        if let Some(&first) = self.by_code.get(&c.code) {
            let l = self.clients[first as usize].line;
            self.notes.push(format!("line {}: code {} already at line {l}; the first is used", c.line, c.code));
            return;
        }
        self.by_code.insert(c.code.clone(), id);
        let s = norm_siret(&c.siret);
        if !s.is_empty() {
            self.by_siret.entry(s).or_default().push(id);
        }
        let e = norm_email(&c.email);
        if !e.is_empty() {
            self.by_email.entry(e).or_default().push(id);
        }
        let v = norm_vat(&c.vat);
        if !v.is_empty() {
            self.by_vat.entry(v).or_default().push(id);
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

    pub fn count_with(&self) -> (usize, usize, usize) {
        let n = |f: fn(&Client) -> &str| self.clients.iter().filter(|c| !f(c).trim().is_empty()).count();
        (n(|c| &c.siret), n(|c| &c.email), n(|c| &c.vat))
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
        ix.push(client("dupont", "123 456 789 00012", " Marie.Dupont@Exemple.fr ", "fr 12.345.678.901"));
        assert_eq!(ix.by_code("DUPONT").unwrap().code, "DUPONT");
        assert_eq!(ix.by_siret("12345678900012").len(), 1);
        assert_eq!(ix.by_email("marie.dupont@exemple.fr").len(), 1);
        assert_eq!(ix.by_vat("FR12345678901").len(), 1);
        assert!(ix.by_email("").is_empty());
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
}
