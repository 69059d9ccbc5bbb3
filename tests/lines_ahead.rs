//! A document's lines are encoded on the reading thread when Format Sage alone takes them,
//! and made as records on the converting thread when a paramétrable file of lines needs them
//! too. Both ways must write the same Format Sage file and give the same warnings: the same
//! exports converted once each way, compared byte for byte.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{fixture, passerelle};
use serde_json::Value;

/// Format Sage files by name, with their bytes.
type Files = Vec<(String, Vec<u8>)>;
/// Warnings as (kind, record, field, message, count).
type Said = Vec<(String, String, String, String, u64)>;

/// The fixture profile `name` in `dir` (its `../` paths made absolute), with `templates` as
/// `[output] templates`.
fn profile(dir: &Path, name: &str, templates: &str) -> PathBuf {
    let text = fs::read_to_string(fixture(&format!("profiles/{name}"))).unwrap();
    let text = text
        .lines()
        .map(|l| match l.split_once("= \"../") {
            Some((key, rest)) => format!("{key}= {:?}", fixture(rest.trim_end_matches('"'))),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join("profil.toml");
    fs::write(&path, format!("{text}\n[output]\ntemplates = [{templates}]\n")).unwrap();
    path
}

/// Converts `inputs` with the fixture profile `name` in a folder of its own; the Format Sage
/// outputs (by name), the report and the exit code.
fn convert(name: &str, inputs: &[PathBuf], templates: &str) -> (Files, Value, Option<i32>) {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), name, templates);
    let out = passerelle(dir.path())
        .args(["convert", "--profile"])
        .arg(&profile)
        .args(["--out", "out", "--state", "state", "--report", "report.json"])
        .args(inputs)
        .output()
        .unwrap();
    let mut files: Files = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt") && !p.to_string_lossy().contains(".document_lines"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), fs::read(&p).unwrap()))
        .collect();
    files.sort();
    let report = serde_json::from_slice(&fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    (files, report, out.status.code())
}

/// The warnings the Format Sage writer and the conversion give (the paramétrable file's own
/// are about its columns), each with its record, field, message and count.
fn sage_warnings(r: &Value) -> Said {
    r["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| !w["field"].as_str().unwrap_or_default().contains("document_lines"))
        .map(|w| {
            let s = |k: &str| w[k].as_str().unwrap_or_default().to_string();
            (s("kind"), s("record"), s("field"), s("message"), w["count"].as_u64().unwrap())
        })
        .collect()
}

/// Both ways of `inputs` with the fixture profile `name`: the same Format Sage files, exit
/// code, warnings and documents. The Format Sage files, then the warnings.
fn both_ways(name: &str, inputs: &[PathBuf]) -> (Files, Said) {
    let (ahead, r_ahead, code_ahead) = convert(name, inputs, "");
    let (records, r_records, code_records) = convert(name, inputs, "\"document_lines_csv\"");
    assert_eq!(code_ahead, code_records);
    assert_eq!(ahead.len(), inputs.len(), "one Format Sage file per input");
    for ((name_a, a), (name_r, r)) in ahead.iter().zip(&records) {
        assert_eq!(name_a, name_r);
        assert!(a == r, "{name_a}: the Format Sage files differ");
    }
    let w = sage_warnings(&r_ahead);
    assert_eq!(w, sage_warnings(&r_records));
    let docs = |r: &Value| {
        r["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["order"].clone(), d["action"].clone(), d["customer"].clone(), d["lines"].clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(docs(&r_ahead), docs(&r_records));
    (ahead, w)
}

/// Values that overflow Sage's fields and hold characters CP850 lacks (`Œ`, `’`, `€`) on
/// several lines per order, an order failed (a line without SKU), and a customer who comes
/// back with other delivery addresses.
#[test]
fn lines_encoded_ahead_write_what_their_records_write() {
    let inputs = [fixture("shopify/orders_long_fields.csv"), fixture("shopify/orders_long_fields_2.csv")];
    let (_, w) = both_ways("orders.toml", &inputs);
    // The lines themselves gave warnings: their designations were cut and transliterated.
    assert!(w.iter().any(|x| x.2.starts_with("DL_Design") && x.0 == "transliterated"), "{w:#?}");
    assert!(w.iter().any(|x| x.2.starts_with("DL_Design") && x.0 == "truncated"), "{w:#?}");
}

/// Mapped and unknown articles, discounts, HT prices, and a delivery address that differs,
/// said in the first line's complementary text.
#[test]
fn lines_encoded_ahead_carry_the_first_lines_notice() {
    let (files, w) = both_ways("orders_csv_list.toml", &[fixture("shopify/orders_export.csv")]);
    assert!(w.iter().any(|x| x.0 == "address_differs"), "{w:#?}");
    let text: String = files[0].1.iter().map(|&b| if b.is_ascii() { b as char } else { '?' }).collect();
    assert!(text.contains("\r\nAdresse de livraison diff?rente : 4 rue des Tonneliers"), "the notice");
}
