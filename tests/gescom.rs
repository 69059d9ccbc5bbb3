//! The ERP side: one index from CSV, XLSX and Format Sage exports; layout differences; safe
//! updates that keep every other field of the existing record.

mod common;

use std::fs;

use common::{cp850_lines, fixture, passerelle};
use passerelle::gescom::{self, ClientIndex};
use passerelle::profile::ClientsSection;
use passerelle::sage::Layout;
use predicates::prelude::*;
use serde_json::Value;

fn load(rel: &str) -> ClientIndex {
    gescom::load(&fixture(rel), &ClientsSection::default(), Layout::builtin(33).unwrap(), &["MODELE".to_string()])
        .unwrap()
}

/// What matching sees of a client.
fn view(ix: &ClientIndex) -> Vec<(String, String, String, String, String, Option<u64>)> {
    let mut v: Vec<_> = ix
        .clients()
        .map(|c| {
            let s = |x: &str| x.to_string();
            (s(c.code()), s(c.intitule()), s(c.siret()), s(c.email()), s(c.vat()), c.address_hash())
        })
        .collect();
    v.sort();
    v
}

#[test]
fn csv_xlsx_and_format_sage_give_the_same_index() {
    let export = load("gescom/export_ver33.txt");
    let csv = load("gescom/clients_same.csv");
    let xlsx = load("gescom/clients_same.xlsx");
    assert_eq!(export.len(), 6);
    assert_eq!(view(&export), view(&csv));
    // Excel turned postcode 01000 and SIRET 05234870300001 into numbers: re-padded.
    assert_eq!(view(&export), view(&xlsx));
    for ix in [&export, &csv, &xlsx] {
        assert_eq!(ix.by_siret("052 348 703 00001")[0].code(), "VIDALLYON");
        assert_eq!(ix.by_vat("FR 90 628 194 821")[0].code(), "BOULDUPONT");
        assert_eq!(ix.by_email("COMMANDES@cave-coteaux.fr")[0].code(), "CAVECOTEAUX");
    }
    assert_eq!(csv.source.format, "csv");
    assert_eq!(xlsx.source.format, "xlsx");
    // Only the export knows delivery addresses and contacts.
    let dupont = export.by_code("BOULDUPONT").unwrap();
    assert_eq!(dupont.deliveries().count(), 2);
    assert_eq!(export.by_email("marie@boulangerie-dupont.fr")[0].code(), "BOULDUPONT");
    assert!(export.update_refusal().is_none());
    assert!(csv.update_refusal().unwrap().contains("CSV file"));
}

#[test]
fn the_template_client_of_an_export_carries_every_field() {
    let ix = load("gescom/export_ver33.txt");
    let m = ix.by_code("MODELE").unwrap();
    assert_eq!(m.field(15), Some("BOUTIQUE"));
    assert_eq!(m.field(3), Some("4110100"));
    assert_eq!(m.field(77), Some("30 jours fin de mois"));
    assert_eq!(ix.carried.len(), 120);
}

#[test]
fn a_version_or_field_count_mismatch_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read(fixture("gescom/export_ver33.txt")).unwrap();
    // An older layout: #VER 31 and #CCDL records of 14 fields (the peers' older layout).
    let mut older: Vec<String> = Vec::new();
    let mut ccdl_line = None;
    for l in cp850_lines(&text) {
        if l.starts_with('#') {
            ccdl_line = (l == "#CCDL").then_some(0);
        } else if let Some(n) = ccdl_line.as_mut() {
            *n += 1;
            if *n > 14 {
                continue;
            }
        }
        older.push(if l == "#VER 33" { "#VER 31".into() } else { l });
    }
    let bytes: Vec<u8> =
        older.join("\r\n").chars().map(|c| passerelle::codepage::cp850::encode_char(c).unwrap()).collect();
    let path = dir.path().join("export_ver31.txt");
    fs::write(&path, bytes).unwrap();
    let ix = gescom::load(&path, &ClientsSection::default(), Layout::builtin(33).unwrap(), &[]).unwrap();
    let info = ix.export.as_ref().unwrap();
    assert_eq!(info.version, 31);
    assert!(!info.updatable);
    let all = info.mismatches.join("\n");
    assert!(all.contains("your dossier exports #VER 31; passerelle writes #VER 33"), "{all}");
    assert!(all.contains("#CCDL has 14 lines in your export (6 records), 17 in passerelle's layout"), "{all}");
    passerelle(dir.path())
        .args(["clients", "inspect", "export_ver31.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("DIFFERS from the #VER 33 layout"))
        .stdout(predicate::str::contains("updates:    refused"));
}

fn convert(profile: &str, input: &str) -> (tempfile::TempDir, Value, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path())
        .args(["convert", "--profile"])
        .arg(fixture(profile))
        .args(["--out", "out", "--state", "state", "--report", "r.json"])
        .arg(fixture(input))
        .assert()
        .success();
    let r: Value = serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let stem = std::path::Path::new(input).file_stem().unwrap().to_string_lossy().into_owned();
    let out = dir.path().join("out").join(format!("{stem}.txt"));
    // Every input of these tests writes a file (new clients at least): its absence is a failure.
    let lines = cp850_lines(&fs::read(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display())));
    (dir, r, lines)
}

/// Records of a Format Sage text: (tag, lines).
fn records(lines: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for l in lines.iter().skip(2) {
        if l.starts_with('#') && l.len() > 3 && l[1..].chars().all(|c| c.is_ascii_uppercase()) {
            out.push((l[1..].to_string(), Vec::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push(l.clone());
        }
    }
    out
}

#[test]
fn an_address_update_keeps_every_other_field_of_the_exported_record() {
    let (_d, r, lines) = convert("profiles/export_update.toml", "prestashop/customers_updates.csv");
    let exported = records(&cp850_lines(&fs::read(fixture("gescom/export_ver33.txt")).unwrap()));
    let written = records(&lines);
    let block = |recs: &[(String, Vec<String>)], code: &str| -> Vec<(String, Vec<String>)> {
        let start = recs.iter().position(|(t, l)| t == "CCLI" && l[0] == code).unwrap();
        let mut b = vec![recs[start].clone()];
        b.extend(recs[start + 1..].iter().take_while(|(t, _)| t != "CCLI" && t != "CHEN").cloned());
        b
    };
    let before = block(&exported, "BOULDUPONT");
    let after = block(&written, "BOULDUPONT");
    // Field by field: only the street line changed.
    let (b, a) = (&before[0].1, &after[0].1);
    assert_eq!(a.len(), b.len(), "same number of lines, attached account included");
    let changed: Vec<usize> = (0..b.len()).filter(|&i| a[i] != b[i]).map(|i| i + 1).collect();
    assert_eq!(changed, vec![8], "only CT_Adresse (#CCLI 8) differs");
    assert_eq!(a[7], "9 rue des Forges");
    // Every child is re-emitted unchanged, then the new delivery address.
    assert_eq!(&after[1..before.len()], &before[1..]);
    let (tag, new) = after.last().unwrap();
    assert_eq!(tag, "CCDL");
    assert_eq!(new[0], "Boulangerie Dupont SARL - Dijon");
    assert_eq!(new[1], "9 rue des Forges");
    assert_eq!(new[10], "0", "not the principal address");
    let c = r["customers"].as_array().unwrap();
    assert_eq!(c[0]["action"], "updated");
    assert!(
        c[0]["detail"]
            .as_str()
            .unwrap()
            .contains("changed CT_Adresse; added delivery address 'Boulangerie Dupont SARL - Dijon'"),
        "{}",
        c[0]
    );
    // The same address written differently (case, accents): nothing to update, nothing written.
    assert_eq!(c[1]["action"], "matched");
    assert!(!written.iter().any(|(t, l)| t == "CCLI" && l[0] == "CAVECOTEAUX"));
    // A new client copies every template field from the export's #CCLI.
    let newc = written.iter().find(|(t, l)| t == "CCLI" && l[0] == "WEB000703").unwrap();
    let model = &block(&exported, "MODELE")[0].1;
    for pos in [3, 14, 15, 25, 26, 29, 31, 32, 34, 35, 36, 37, 38, 39, 42, 49, 50, 52, 53, 76, 77, 78] {
        assert_eq!(newc.1[pos - 1], model[pos - 1], "#CCLI {pos} copied from the template");
    }
    assert_eq!(newc.1[120], "4110100", "attached account = the template's collective account");
    assert!(!r["warnings"].as_array().unwrap().iter().any(|w| w["kind"] == "template_field_missing"));
    let v = passerelle::sage::validate::validate(
        lines
            .join("\r\n")
            .chars()
            .map(|c| passerelle::codepage::cp850::encode_char(c).unwrap())
            .collect::<Vec<u8>>()
            .as_slice(),
    )
    .unwrap();
    assert_eq!(v.errors(), 0, "{:?}", v.findings);
}

#[test]
fn updates_from_a_csv_list_are_refused_and_said() {
    let (_d, r, lines) = convert("profiles/csv_update.toml", "prestashop/customers_updates.csv");
    let c = r["customers"].as_array().unwrap();
    assert_eq!(c[0]["action"], "matched");
    assert!(lines.iter().any(|l| l == "#CCLI"), "the output holds the new clients");
    assert!(!lines.iter().any(|l| l == "BOULDUPONT"), "the existing client is not rewritten");
    let w: Vec<&Value> = r["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == "update_refused").collect();
    assert_eq!(w.len(), 1, "only Dupont's address differs");
    assert!(
        w[0]["message"]
            .as_str()
            .unwrap()
            .contains("client BOULDUPONT is not updated although its billing address differs"),
        "{}",
        w[0]
    );
}

/// An export whose line ends became bare LF (opened and saved on another system) updates
/// clients exactly as the original does.
#[test]
fn an_export_with_lf_line_ends_updates_like_the_original() {
    let (_d, _, crlf) = convert("profiles/export_update.toml", "prestashop/customers_updates.csv");
    let dir = tempfile::tempdir().unwrap();
    let export = fs::read(fixture("gescom/export_ver33.txt")).unwrap();
    let lf: Vec<u8> = export.iter().copied().filter(|&b| b != b'\r').collect();
    assert_ne!(lf.len(), export.len());
    fs::write(dir.path().join("export_lf.txt"), lf).unwrap();
    let profile = fs::read_to_string(fixture("profiles/export_update.toml"))
        .unwrap()
        .replace("../gescom/export_ver33.txt", "export_lf.txt");
    fs::write(dir.path().join("profile.toml"), profile).unwrap();
    passerelle(dir.path())
        .args(["convert", "--profile", "profile.toml", "--out", "out", "--state", "state"])
        .arg(fixture("prestashop/customers_updates.csv"))
        .assert()
        .success();
    let lines = cp850_lines(&fs::read(dir.path().join("out/customers_updates.txt")).unwrap());
    assert_eq!(lines, crlf);
}
