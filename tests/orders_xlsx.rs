//! Orders saved by Excel: the AlgolPlus export as XLSX (the plugin's default format), with
//! numbers where Excel stores them (postcodes, phones, SIRET, amounts) and a date cell, gives
//! the same documents as its CSV twin; an unreadable workbook fails alone.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, passerelle};
use serde_json::Value;

fn convert(dir: &Path, inputs: &[&Path]) -> (Value, i32) {
    common::convert_with_report(dir, "profiles/orders_shops.toml", inputs)
}

#[test]
fn the_xlsx_export_gives_the_same_documents_as_its_csv_twin() {
    let (csv_dir, xlsx_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (csv_report, code) = convert(csv_dir.path(), &[&fixture("woocommerce/orders_algolplus.csv")]);
    assert_eq!(code, 0, "{csv_report:#}");
    let (report, code) = convert(xlsx_dir.path(), &[&fixture("woocommerce/orders_algolplus.xlsx")]);
    assert_eq!(code, 0, "{report:#}");
    let from_csv = fs::read(csv_dir.path().join("out/orders_algolplus.txt")).unwrap();
    let from_xlsx = fs::read(xlsx_dir.path().join("out/orders_algolplus.txt")).unwrap();
    assert!(from_xlsx == from_csv, "the XLSX and CSV exports give different files");
    let v = passerelle::sage::validate::validate(&from_xlsx[..]).unwrap();
    assert_eq!(v.errors(), 0, "{:?}", v.findings);

    assert_eq!(report["inputs"][0]["encoding"], "xlsx (sheet \"Orders\")");
    let without_input = |r: &Value| -> Vec<Value> {
        r["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let mut d = d.clone();
                d.as_object_mut().unwrap().remove("input");
                // Indexes of the order's warnings: the XLSX has more (the repairs below).
                d.as_object_mut().unwrap().remove("warnings");
                d
            })
            .collect()
    };
    assert_eq!(without_input(&report), without_input(&csv_report));
    // Each number Excel shortened is repaired and reported; the Belgian postcode 1000 is not
    // a French one and stays as it is.
    let repaired: Vec<(String, String)> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["kind"] == "repadded")
        .map(|w| (w["field"].as_str().unwrap().to_string(), w["message"].as_str().unwrap().to_string()))
        .collect();
    for (field, was, now) in [
        ("siret", "5234870300001", "05234870300001"),
        ("billing_zip", "1000", "01000"),
        ("shipping_zip", "1250", "01250"),
        ("billing_phone", "612345678", "0612345678"),
    ] {
        assert!(
            repaired
                .iter()
                .any(|(f, m)| f == field && m.contains(&format!("'{was}'")) && m.contains(&format!("'{now}'"))),
            "{field} {was} → {now} not in {repaired:#?}"
        );
    }
    assert!(!repaired.iter().any(|(_, m)| m.contains("row 6")), "the Belgian order was touched: {repaired:#?}");
    // The #N/A Excel left in a cell is read as empty, and said.
    let na: Vec<&Value> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["field"] == "Customer Note" && w["message"].as_str().unwrap().contains("an Excel error"))
        .collect();
    assert_eq!(na.len(), 1, "{:#?}", report["warnings"]);
    assert!(na[0]["record"].as_str().unwrap().contains("row 2"), "{na:?}");
    // The leading-zero SIRET found the existing client.
    let vidal = report["customers"].as_array().unwrap().iter().find(|c| c["code"] == "VIDALLYON").unwrap();
    assert_eq!(vidal["matched_by"], "siret");
}

#[test]
fn an_unreadable_workbook_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let whole = fs::read(fixture("woocommerce/orders_algolplus.xlsx")).unwrap();
    let cut = dir.path().join("commandes_tronquees.xlsx");
    fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let (report, code) = convert(dir.path(), &[&cut, &fixture("woocommerce/order_export_webtoffee.csv")]);
    assert_eq!(code, 1);
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["status"], "failed");
    let error = inputs[0]["error"].as_str().unwrap();
    assert!(error.contains("commandes_tronquees.xlsx") && error.contains("XLSX"), "{error}");
    assert_eq!(inputs[1]["status"], "ok");
    assert!(dir.path().join("out/order_export_webtoffee.txt").exists());
    assert!(!dir.path().join("out/commandes_tronquees.txt").exists());
}

#[test]
fn inspect_reads_the_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path())
        .args(["inspect", "--profile"])
        .arg(fixture("profiles/orders_shops.toml"))
        .arg(fixture("woocommerce/orders_algolplus.xlsx"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "platform:   woocommerce",
        "encoding:   xlsx (sheet \"Orders\")",
        "order 3051 (line 2): 2026-11-20T09:05:00 | completed | customer Vidal Distribution Lyon",
        "[repadded] order 3051: '5234870300001' was a number in the spreadsheet: read as '05234870300001' (row 2)",
        "1 × Tablier en lin « Cuisine » [TABLIER-LIN] at 25 HT, discount 3.68 (VAT 20%)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}
