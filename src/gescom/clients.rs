//! Client lists exported from Gestion Commerciale (CSV, any delimiter, Windows-1252 or UTF-8)
//! → `ClientIndex`. Columns are recognised by their French labels (templates/gescom/
//! columns.toml), by Sage field name, or by the profile's `[clients.columns]`.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::index::{Client, ClientIndex, Source};
use crate::error::InputError;
use crate::profile::ClientsSection;
use crate::sage::{Kind, Layout, RecordLayout};
use crate::shop::sniff;
use crate::shop::table::{CsvTable, norm_header};

const COLUMNS: &str = include_str!("../../templates/gescom/columns.toml");

#[derive(Deserialize)]
struct ColumnsFile {
    columns: BTreeMap<String, Vec<String>>,
    representative: Representative,
}

#[derive(Deserialize)]
struct Representative {
    aliases: Vec<String>,
}

fn columns_file() -> &'static ColumnsFile {
    static C: OnceLock<ColumnsFile> = OnceLock::new();
    C.get_or_init(|| toml::from_str(COLUMNS).expect("templates/gescom/columns.toml is valid (tested)"))
}

/// What a column of the list feeds.
#[derive(Debug, Clone, Copy)]
enum Target {
    Field(usize),
    /// "NOM Prénom" → CO_Nom + CO_Prenom.
    Representative,
}

/// Reads a client list. `keep` lists the codes whose every carried field is kept (the
/// template client, the single account); other clients keep only their matching keys, so a
/// list of 200,000 clients stays small in memory.
pub fn load(
    path: &Path,
    section: &ClientsSection,
    layout: &'static Layout,
    keep: &[String],
) -> Result<ClientIndex, InputError> {
    let enc = section.encoding.as_deref().and_then(sniff::encoding_by_label);
    let delim = section.delimiter.as_deref().and_then(sniff::delimiter_by_label);
    let mut t = CsvTable::open(path, enc, delim)?;
    let ccli = layout.expect("CCLI");
    let targets = map_columns(&t, section, ccli);
    let pos = |name: &str| ccli.index_of(name);
    let col_of =
        |field: &str| targets.iter().position(|x| matches!(x, Some(Target::Field(i)) if Some(*i) == pos(field)));
    let Some(code_col) = col_of("CT_Num") else {
        return Err(InputError::MissingColumn {
            path: path.to_path_buf(),
            column: "N° compte".into(),
            message: format!(
                "no column holds the client code (N° compte, Code client, CT_Num...); the header is: {}. Name it in the profile: [clients.columns] CT_Num = \"...\"",
                t.headers.join(", ")
            ),
        });
    };
    let (name_col, siret_col, email_col, vat_col) =
        (col_of("CT_Intitule"), col_of("CT_Siret"), col_of("CT_EMail"), col_of("CT_Identifiant"));
    let mut source = Source {
        path: path.display().to_string(),
        format: "csv".into(),
        encoding: t.encoding_label(),
        delimiter: sniff::delimiter_label(t.delimiter),
        ..Default::default()
    };
    let mut carried = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        match target {
            Some(Target::Field(f)) => {
                source.columns.push((t.headers[i].clone(), ccli.fields[*f].name.clone()));
                carried.push(*f as u16 + 1);
            }
            Some(Target::Representative) => {
                source.columns.push((t.headers[i].clone(), "CO_Nom + CO_Prenom".into()));
                for n in ["CO_Nom", "CO_Prenom"] {
                    if let Some(p) = pos(n) {
                        carried.push(p as u16 + 1);
                    }
                }
            }
            None => source.ignored.push(t.headers[i].clone()),
        }
    }
    let keep: Vec<String> = keep.iter().map(|k| super::index::norm_code(k)).filter(|k| !k.is_empty()).collect();
    let mut ix = ClientIndex::new(source);
    ix.carried = carried;
    while t.next_row()? {
        let line = t.line();
        let mut c = Client {
            code: t.text(Some(code_col)),
            intitule: t.text(name_col),
            siret: t.text(siret_col),
            email: t.text(email_col),
            vat: t.text(vat_col),
            fields: Vec::new(),
            line,
        };
        if keep.contains(&super::index::norm_code(&c.code)) {
            for (i, target) in targets.iter().enumerate() {
                let v = t.text(Some(i));
                match target {
                    Some(Target::Field(f)) => {
                        let spec = &ccli.fields[*f];
                        match to_sage_value(spec.kind, spec.scale, spec.range, &v) {
                            Ok(s) => c.fields.push((*f as u16 + 1, s)),
                            Err(why) => ix.notes.push(format!(
                                "line {line}, client {}: column \"{}\" = '{v}' {why}; {} is not taken from the list",
                                c.code, t.headers[i], spec.name
                            )),
                        }
                    }
                    Some(Target::Representative) => {
                        let (nom, prenom) = split_representative(&v);
                        if let (Some(a), Some(b)) = (pos("CO_Nom"), pos("CO_Prenom")) {
                            c.fields.push((a as u16 + 1, nom));
                            c.fields.push((b as u16 + 1, prenom));
                        }
                    }
                    None => {}
                }
            }
        }
        ix.push(c);
    }
    Ok(ix)
}

fn map_columns(t: &CsvTable, section: &ClientsSection, ccli: &RecordLayout) -> Vec<Option<Target>> {
    let file = columns_file();
    let mut targets: Vec<Option<Target>> = vec![None; t.headers.len()];
    let mut taken = vec![false; ccli.fields.len()];
    let mut assign = |col: usize, f: usize, targets: &mut Vec<Option<Target>>| {
        if targets[col].is_none() && !taken[f] {
            targets[col] = Some(Target::Field(f));
            taken[f] = true;
        }
    };
    // 1. Profile overrides, 2. exact Sage names, 3. French labels.
    for (field, header) in &section.columns {
        if let (Some(f), Some(col)) = (ccli.index_of(field), t.find(std::slice::from_ref(header))) {
            assign(col, f, &mut targets);
        }
    }
    for (col, h) in t.headers.iter().enumerate() {
        if let Some(f) = ccli.index_of(h.trim()) {
            assign(col, f, &mut targets);
        }
    }
    for (field, aliases) in &file.columns {
        if let (Some(f), Some(col)) = (ccli.index_of(field), t.find(aliases)) {
            assign(col, f, &mut targets);
        }
    }
    if let Some(col) = t.find(&file.representative.aliases) {
        if targets[col].is_none() {
            targets[col] = Some(Target::Representative);
        }
    }
    let _ = norm_header;
    targets
}

/// "DURAND Sophie" → ("DURAND", "Sophie"); "DE LA TOUR Jean" → ("DE LA TOUR", "Jean"): the
/// uppercase words are the last name. Without an uppercase word the first word is taken.
pub fn split_representative(s: &str) -> (String, String) {
    let words: Vec<&str> = s.split_whitespace().collect();
    let upper =
        words.iter().take_while(|w| w.chars().any(char::is_alphabetic) && w.chars().all(|c| !c.is_lowercase())).count();
    let n = if upper == 0 { 1.min(words.len()) } else { upper };
    (words[..n].join(" "), words[n..].join(" "))
}

/// A list cell in the form a #CCLI field holds: numbers with a decimal comma at the layout's
/// scale, integers as digits, dates as JJMMAA.
pub fn to_sage_value(kind: Kind, scale: Option<u32>, range: Option<[i64; 2]>, v: &str) -> Result<String, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    match kind {
        Kind::Text | Kind::Time => Ok(v.to_string()),
        Kind::Int => {
            let n: i64 = v.parse().map_err(|_| "is not a number (an index or code is expected)".to_string())?;
            if let Some([lo, hi]) = range {
                if n < lo || n > hi {
                    return Err(format!("is outside {lo}..{hi}"));
                }
            }
            Ok(n.to_string())
        }
        Kind::Dec => {
            let clean: String =
                v.chars().filter(|c| !c.is_whitespace() && *c != '%' && *c != '\u{a0}' && *c != '€').collect();
            let d = Decimal::from_str(&clean.replace(',', ".")).map_err(|_| "is not a number".to_string())?;
            Ok(crate::sage::value::fmt_dec(d, scale.unwrap_or(2)))
        }
        Kind::Date => {
            if crate::sage::value::parse_date(v).is_some() {
                return Ok(v.to_string());
            }
            let parts: Vec<&str> = v.split(['/', '-', '.']).collect();
            if parts.len() == 3 {
                if let (Ok(d), Ok(m), Ok(y)) = (parts[0].parse::<i8>(), parts[1].parse::<i8>(), parts[2].parse::<i16>())
                {
                    let y = if y < 100 { 2000 + y } else { y };
                    if let Ok(date) = jiff::civil::Date::new(y, m, d) {
                        return Ok(crate::sage::value::fmt_date(date));
                    }
                }
            }
            Err("is not a date (JJ/MM/AAAA)".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn representative_names() {
        assert_eq!(split_representative("DURAND Sophie"), ("DURAND".into(), "Sophie".into()));
        assert_eq!(split_representative("DE LA TOUR Jean-Marc"), ("DE LA TOUR".into(), "Jean-Marc".into()));
        assert_eq!(split_representative("Sophie Durand"), ("Sophie".into(), "Durand".into()));
        assert_eq!(split_representative(""), (String::new(), String::new()));
    }

    #[test]
    fn values_take_the_sage_form() {
        assert_eq!(to_sage_value(Kind::Dec, Some(4), None, "2,5 %").unwrap(), "2,5000");
        assert_eq!(to_sage_value(Kind::Dec, Some(4), None, "3.25").unwrap(), "3,2500");
        assert_eq!(to_sage_value(Kind::Int, None, Some([1, 32]), "2").unwrap(), "2");
        assert!(to_sage_value(Kind::Int, None, Some([1, 32]), "Grossistes").is_err());
        assert!(to_sage_value(Kind::Int, None, Some([1, 32]), "40").is_err());
        assert_eq!(to_sage_value(Kind::Date, None, None, "05/03/2024").unwrap(), "050324");
    }
}
