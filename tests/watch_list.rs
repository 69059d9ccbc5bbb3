//! The drop folder keeps the client list between files: read once at start, read again only
//! when its file changes (a list of 200,000 clients takes longer to read than most files take
//! to convert).

#[path = "watch_support/mod.rs"]
mod common;

use std::fs;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::*;
use passerelle::watch::{Watch, WatchOptions};
use serde_json::Value;

/// The watcher of a site, in this process, as `watch --once --poll 0.05` runs it.
fn open(s: &Site) -> Watch {
    Watch::open(&WatchOptions {
        dir: s.dir.clone(),
        profile: None,
        once: true,
        poll: Some(Duration::from_millis(50)),
        lang: Default::default(),
    })
    .unwrap()
}

/// The report of an archived input: its customers, by shop id → (action, code).
fn customers(s: &Site, input: &str) -> Vec<(String, String, String)> {
    let name = s.files("archive").into_iter().find(|f| f.ends_with(&format!("_{input}.report.json"))).unwrap();
    let report: Value = serde_json::from_slice(&s.read(&format!("archive/{name}"))).unwrap();
    report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("shop_id"), s("action"), s("code"))
        })
        .collect()
}

#[test]
fn two_files_are_converted_against_one_reading_of_the_list() {
    let s = site(FAST);
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    s.drop_file("clients bordeaux paris.csv", &fixture("clients bordeaux paris.csv"));
    let mut w = open(&s);
    assert_eq!(w.list_reads(), 1, "read at start, to fail there rather than on the first file");
    let summary = w.run(&AtomicBool::new(false));
    assert_eq!((summary.converted, summary.failed), (2, 0), "{}", summary.line(Default::default()));
    assert_eq!(w.list_reads(), 1);
    assert_eq!(outcome(&s).outputs.len(), 2);
    drop(w);

    // The binary says so in its log, and reads it no more.
    s.drop_file("customers_export.csv", &fixture("customers_export.csv"));
    s.drop_file("articles.csv", &fixture("articles.csv"));
    let out = s.cmd().arg("--once").output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert_eq!(log.matches("clients, read again only when it changes").count(), 1, "{log}");
    assert!(!log.contains("clients read"), "{log}");
}

#[test]
fn a_list_exported_again_is_read_again_before_the_next_file() {
    let s = site(FAST);
    s.drop_file("clients lyon marseille.csv", &fixture("clients lyon marseille.csv"));
    let mut w = open(&s);
    let stop = AtomicBool::new(false);
    assert_eq!(w.run(&stop).converted, 1);

    // The accountant creates Chloé Garnier in Gestion Commerciale and exports the list again.
    let list = s.dir.join("gescom/clients.csv");
    let mut bytes = fs::read(&list).unwrap();
    let line = "GARNIERC;Chloé Garnier;CHLOE GARNIER;Rue de la Régence 14;;1000;Bruxelles;Belgique;;chloe.garnier@exemple.be;;;4110000;2;1;;Dépôt principal;30 jours fin de mois;1;0;0;0,00;1;WEB\r\n";
    bytes.extend_from_slice(&encoding_rs::WINDOWS_1252.encode(line).0);
    fs::write(&list, bytes).unwrap();

    // Her first order arrives: matched to her account, not given a new code.
    s.drop_file("clients bordeaux paris.csv", &fixture("clients bordeaux paris.csv"));
    assert_eq!(w.run(&stop).converted, 1);
    let garnier = customers(&s, "clients bordeaux paris.csv").into_iter().find(|c| c.0 == "533").unwrap();
    assert_eq!((garnier.1.as_str(), garnier.2.as_str()), ("matched", "GARNIERC"));
    let o = outcome(&s);
    let sage: String = o.outputs["clients bordeaux paris.csv"].iter().map(|&b| b as char).collect();
    assert!(!sage.contains("WEB000533"), "no client created for her");
    assert_eq!(w.list_reads(), 2);
}
