//! Client lists exported from Gestion Commerciale as a table (CSV with any delimiter,
//! Windows-1252 or UTF-8, or XLSX) → `ClientIndex`. Columns are recognised by their French
//! labels (templates/gescom/columns.toml), by Sage field name, or by `[clients.columns]`.

use crate::text::QuickTrim;
use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::index::{Client, ClientIndex, Source, norm_code, push_key_part};
use crate::error::InputError;
use crate::profile::ClientsSection;
use crate::sage::{Ccli, FieldId, Kind, Layout, RecordKind, RecordLayout};
use crate::table::{Repad, Table, TableOptions, repad, sniff};

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

/// Reads a CSV or XLSX client list. `keep` lists the codes whose every carried field is kept
/// (the template client, the single account); the others keep their matching keys only, so a
/// list of 200,000 clients stays small in memory.
pub fn load_table(
    path: &Path,
    section: &ClientsSection,
    layout: &'static Layout,
    keep: &[String],
) -> Result<ClientIndex, InputError> {
    let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    load_table_from(path, file, section, layout, keep)
}

/// `load_table` of a file already opened (and checked) from `path`.
pub fn load_table_from(
    path: &Path,
    file: std::fs::File,
    section: &ClientsSection,
    layout: &'static Layout,
    keep: &[String],
) -> Result<ClientIndex, InputError> {
    let opts = TableOptions {
        encoding: section.encoding.as_deref().and_then(sniff::encoding_by_label),
        delimiter: section.delimiter.as_deref().and_then(sniff::delimiter_by_label),
        sheet: section.sheet.as_deref(),
    };
    let mut t = Table::from_file(path, file, opts)?;
    let ccli = layout.of(RecordKind::Ccli);
    let targets = map_columns(&t, section, ccli);
    let col_of =
        |field: Ccli| targets.iter().position(|x| matches!(x, Some(Target::Field(i)) if *i == ccli.index(field)));
    let Some(code_col) = col_of(Ccli::Num) else {
        return Err(InputError::MissingColumn {
            path: path.to_path_buf(),
            column: "N° compte".into(),
            message: format!(
                "no column holds the client code: a client list exported from Gestion Commerciale has a column N° compte, Code client or CT_Num (none among its {} columns). If the column has another title, name it in the profile: [clients.columns] CT_Num = \"...\"",
                t.headers().len()
            ),
        });
    };
    let key_cols = [Ccli::Intitule, Ccli::Siret, Ccli::EMail, Ccli::Identifiant].map(col_of);
    let (cat_col, collective_col) = (col_of(Ccli::NCatCompta), col_of(Ccli::CgNumPrinc));
    let addr_cols = [Ccli::Adresse, Ccli::Complement, Ccli::CodePostal, Ccli::Ville, Ccli::Pays].map(col_of);
    let representative = [ccli.index(Ccli::CoNom), ccli.index(Ccli::CoPrenom)];
    // Cells Excel may have turned into numbers, re-padded like the shop's.
    let repad_of = |f: usize| {
        if f == ccli.index(Ccli::Siret) {
            Some(Repad::Siret)
        } else if f == ccli.index(Ccli::CodePostal) {
            Some(Repad::Zip)
        } else if f == ccli.index(Ccli::Telephone) || f == ccli.index(Ccli::Telecopie) {
            Some(Repad::Phone)
        } else {
            None
        }
    };
    let carries_address = addr_cols[0].is_some() && (addr_cols[2].is_some() || addr_cols[3].is_some());
    let mut source = Source {
        path: path.display().to_string(),
        file: path.to_path_buf(),
        format: t.format().into(),
        encoding: t.encoding_label(),
        delimiter: t.delimiter_label(),
        ..Default::default()
    };
    let mut carried = Vec::new();
    for (i, target) in targets.iter().enumerate() {
        let header = t.headers()[i].clone();
        match target {
            Some(Target::Field(f)) => {
                source.columns.push((header, ccli.fields[*f].name.clone()));
                carried.push(*f as u16 + 1);
            }
            Some(Target::Representative) => {
                source.columns.push((header, format!("{} + {}", Ccli::CoNom.name(), Ccli::CoPrenom.name())));
                carried.extend(representative.map(|i| i as u16 + 1));
            }
            None => source.ignored.push(header),
        }
    }
    let keep: Vec<String> = keep.iter().map(|k| norm_code(k)).filter(|k| !k.is_empty()).collect();
    let mut ix = ClientIndex::new(source);
    ix.carried = carried;
    // Rows are read into clients on a second thread (`shop::ahead`) while this one indexes them.
    let read_row =
        |t: &mut Table, _: &mut crate::report::Warnings| -> Result<Option<(Client, Vec<String>)>, InputError> {
            if !t.next_row()? {
                return Ok(None);
            }
            let mut notes = Vec::new();
            let line = t.line();
            let cell = |t: &mut Table, i: Option<usize>, kind: Option<Repad>| -> String {
                let Some(i) = i else { return String::new() };
                let v = t.text(Some(i));
                match kind {
                    Some(k) if t.numeric(i) => repad(k, &v),
                    _ => v,
                }
            };
            let [name, siret, email, vat] = key_cols;
            let mut c = Client {
                code: cell(t, Some(code_col), None),
                intitule: cell(t, name, None),
                siret: cell(t, siret, Some(Repad::Siret)),
                email: cell(t, email, None),
                vat: cell(t, vat, None),
                cat_compta: Some(cell(t, cat_col, None)).filter(|s| !s.is_empty()),
                collective: Some(cell(t, collective_col, None)).filter(|s| !s.is_empty()),
                line,
                ..Default::default()
            };
            if carries_address {
                // Built straight from the cells: no string per part (200,000 rows).
                let french = addr_cols[4].is_none_or(|i| {
                    let p = t.cell(i).quick_trim();
                    p.is_empty() || p.eq_ignore_ascii_case("france")
                });
                let mut key = String::with_capacity(64);
                for (n, col) in addr_cols.iter().enumerate() {
                    match col {
                        Some(i) if n == 2 && french && t.numeric(*i) => {
                            push_key_part(&mut key, n, &repad(Repad::Zip, t.cell(*i).quick_trim()))
                        }
                        Some(i) => push_key_part(&mut key, n, t.cell(*i)),
                        None => push_key_part(&mut key, n, ""),
                    }
                }
                c.address_key = Some(key);
            }
            for (i, why) in t.doubtful() {
                notes.push(format!("{}, column \"{}\": {why}", t.place(), t.headers()[i]));
            }
            if keep.contains(&norm_code(&c.code)) {
                for (i, target) in targets.iter().enumerate() {
                    match target {
                        Some(Target::Field(f)) => {
                            let spec = &ccli.fields[*f];
                            let v = cell(t, Some(i), repad_of(*f));
                            match to_sage_value(spec.kind, spec.scale, spec.range, &v) {
                            Ok(s) => c.fields.push((*f as u16 + 1, s)),
                            Err(why) => notes.push(format!(
                                "line {line}, client {}: column \"{}\" = '{v}' {why}; {} is not taken from the list",
                                c.code,
                                t.headers()[i],
                                spec.name
                            )),
                        }
                        }
                        Some(Target::Representative) => {
                            let (nom, prenom) = split_representative(&cell(t, Some(i), None));
                            let [a, b] = representative;
                            c.fields.push((a as u16 + 1, nom));
                            c.fields.push((b as u16 + 1, prenom));
                        }
                        None => {}
                    }
                }
            }
            Ok(Some((c, notes)))
        };
    let mut quiet = crate::report::Warnings::new(path.display().to_string());
    crate::shop::ahead::each(&mut t, &mut quiet, read_row, |(c, notes), _| {
        ix.notes.append(notes);
        // The client stays in the batch, which goes back to the reading thread to be freed.
        ix.push_from(c);
        Ok(())
    })?;
    Ok(ix)
}

fn map_columns(t: &Table, section: &ClientsSection, ccli: &RecordLayout) -> Vec<Option<Target>> {
    let file = columns_file();
    let mut targets: Vec<Option<Target>> = vec![None; t.headers().len()];
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
    for (col, h) in t.headers().iter().enumerate() {
        if let Some(f) = ccli.index_of(h.quick_trim()) {
            assign(col, f, &mut targets);
        }
    }
    for (field, aliases) in &file.columns {
        if let (Some(f), Some(col)) = (ccli.index_of(field), t.find(aliases)) {
            assign(col, f, &mut targets);
        }
    }
    if let Some(col) = t.find(&file.representative.aliases)
        && targets[col].is_none()
    {
        targets[col] = Some(Target::Representative);
    }
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
    let v = v.quick_trim();
    if v.is_empty() {
        return Ok(String::new());
    }
    match kind {
        Kind::Text | Kind::Time => Ok(v.to_string()),
        Kind::Int => {
            let n: i64 = v.parse().map_err(|_| "is not a number (an index or code is expected)".to_string())?;
            if let Some([lo, hi]) = range
                && (n < lo || n > hi)
            {
                return Err(format!("is outside {lo}..{hi}"));
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
            let date = v.split(' ').next().unwrap_or(v);
            let parts: Vec<&str> = date.split(['/', '-', '.']).collect();
            if parts.len() == 3 {
                // JJ/MM/AAAA from a CSV; AAAA-MM-JJ from a spreadsheet date cell.
                let (d, m, y) =
                    if parts[0].len() == 4 { (parts[2], parts[1], parts[0]) } else { (parts[0], parts[1], parts[2]) };
                if let (Ok(d), Ok(m), Ok(y)) = (d.parse::<i8>(), m.parse::<i8>(), y.parse::<i16>()) {
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
        assert_eq!(to_sage_value(Kind::Date, None, None, "2024-03-05").unwrap(), "050324");
    }
}
