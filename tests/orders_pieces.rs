//! Piece numbers end to end: one for every document, unique in the file and across runs (a
//! letter when taken), `--force` keeping an order's own number, `piece = "sage"` warned, an
//! expression that gives nothing failing the order; `validate` on an empty required field.

mod common;

use std::fs;
use std::path::Path;

use common::{fixture, passerelle};
use serde_json::Value;

/// A profile with the fixture client list, the default settings and these `[orders]` lines.
fn profile(dir: &Path, orders: &str) -> std::path::PathBuf {
    let p = dir.join("p.toml");
    let clients = fixture("gescom/clients.csv").display().to_string();
    fs::write(&p, format!("[clients]\nfile = '{clients}'\n\n[orders]\nunknown_article = \"divers\"\n{orders}\n"))
        .unwrap();
    p
}

fn convert(dir: &Path, input: &Path, extra: &[&str]) -> (Value, i32) {
    let out = passerelle(dir)
        .args(["convert", "--profile", "p.toml", "--out", "out", "--state", "state", "--report", "r.json"])
        .args(extra)
        .arg(input)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&fs::read(dir.join("r.json")).unwrap())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (report, out.status.code().unwrap())
}

fn pieces(r: &Value) -> Vec<(String, String)> {
    r["documents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["action"] == "created")
        .map(|d| (d["order"].as_str().unwrap().to_string(), d["piece"].as_str().unwrap().to_string()))
        .collect()
}

/// The piece numbers the output's #CHEN records carry (`DO_Piece`), in order.
fn header_pieces(path: &Path) -> Vec<String> {
    use passerelle::sage::{Chen, Layout, RecordKind};
    let at = Layout::builtin(33).unwrap().of(RecordKind::Chen).spec(Chen::Piece).pos;
    let text = passerelle::sage::codepage_decode(&fs::read(path).unwrap());
    let lines: Vec<&str> = text.split("\r\n").collect();
    lines.iter().enumerate().filter(|(_, l)| **l == "#CHEN").map(|(i, _)| lines[i + at].to_string()).collect()
}

fn warnings<'a>(r: &'a Value, kind: &str) -> Vec<&'a Value> {
    r["warnings"].as_array().unwrap().iter().filter(|w| w["kind"] == kind).collect()
}

fn valid(path: &Path) {
    let v = passerelle::sage::validate::validate_file(path).unwrap();
    assert_eq!(v.errors(), 0, "{}: {:?}", path.display(), v.findings);
}

#[test]
fn a_number_already_given_gets_a_letter_in_the_file_and_across_runs() {
    let dir = tempfile::tempdir().unwrap();
    // One number per day: orders #1001 and #1002 are of the same day.
    profile(dir.path(), "piece = \"W{order.date}\"");
    let (r, code) = convert(dir.path(), &fixture("shopify/orders_export.csv"), &[]);
    assert_eq!(code, 0, "{r:#}");
    let p = pieces(&r);
    assert_eq!(p[0], ("#1001".into(), "W201126".into()));
    assert_eq!(p[1], ("#1002".into(), "W201126A".into()));
    let collisions = warnings(&r, "piece_collision");
    assert_eq!(collisions.len(), 1, "{collisions:?}");
    assert!(collisions[0]["message"].as_str().unwrap().contains("W201126A"), "{}", collisions[0]);
    valid(&dir.path().join("out/orders_export.txt"));
    // The file's headers carry the numbers the report gives, the letter included.
    let in_file = header_pieces(&dir.path().join("out/orders_export.txt"));
    assert_eq!(in_file, p.iter().map(|(_, piece)| piece.clone()).collect::<Vec<_>>());

    // Another export with other orders of the same days, in a later run: the ledger knows
    // the numbers given.
    let text = fs::read_to_string(fixture("shopify/orders_export.csv")).unwrap().replace("#100", "#200");
    let other = dir.path().join("autre_export.csv");
    fs::write(&other, text).unwrap();
    let (r, code) = convert(dir.path(), &other, &[]);
    assert_eq!(code, 0, "{r:#}");
    let p = pieces(&r);
    assert_eq!(p[0], ("#2001".into(), "W201126B".into()));
    assert_eq!(p[1], ("#2002".into(), "W201126C".into()));

    // Converted again with --force, an order keeps its own number.
    let (r, _) = convert(dir.path(), &fixture("shopify/orders_export.csv"), &["--force"]);
    let p = pieces(&r);
    assert_eq!(p[0], ("#1001".into(), "W201126".into()));
    assert_eq!(p[1], ("#1002".into(), "W201126A".into()));
}

#[test]
fn the_default_gives_every_document_a_number() {
    let dir = tempfile::tempdir().unwrap();
    profile(dir.path(), "");
    let (r, code) = convert(dir.path(), &fixture("shopify/orders_export.csv"), &[]);
    assert_eq!(code, 0, "{r:#}");
    let p = pieces(&r);
    assert!(p.len() >= 6, "{p:?}");
    for (order, piece) in &p {
        assert_eq!(*piece, format!("WEB{}", order.trim_start_matches('#')));
    }
    // Shopify orders carry no customer id: the counter numbers the new clients, said once.
    let notes = warnings(&r, "code_source");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0]["count"].as_u64().unwrap() >= 2, "{}", notes[0]);
    valid(&dir.path().join("out/orders_export.txt"));
}

#[test]
fn piece_sage_leaves_the_number_to_sage_and_says_so() {
    // `piece = ""` is what earlier versions' profiles hold: it keeps that meaning (an upgrade
    // must not stop a drop folder), with the same warning.
    for setting in ["piece = \"sage\"", "piece = \"\""] {
        let dir = tempfile::tempdir().unwrap();
        profile(dir.path(), setting);
        let (r, code) = convert(dir.path(), &fixture("shopify/orders_export.csv"), &[]);
        assert_eq!(code, 0, "{setting}: {r:#}");
        assert!(pieces(&r).iter().all(|(_, p)| p.is_empty()), "{setting}");
        let w = warnings(&r, "piece_sage");
        assert_eq!(w.len(), 1, "{setting}: {w:?}");
        assert!(w[0]["message"].as_str().unwrap().contains("unverified"));
        valid(&dir.path().join("out/orders_export.txt"));
    }
}

#[test]
fn an_expression_that_gives_no_number_fails_the_order() {
    let dir = tempfile::tempdir().unwrap();
    profile(dir.path(), "piece = \"{customer.company}\"");
    let (r, code) = convert(dir.path(), &fixture("shopify/orders_export.csv"), &[]);
    assert_eq!(code, 1);
    let failed: Vec<&Value> = r["documents"].as_array().unwrap().iter().filter(|d| d["action"] == "failed").collect();
    assert!(!failed.is_empty());
    assert!(failed.iter().all(|d| d["detail"].as_str().unwrap().starts_with("DO_Piece: ")), "{failed:?}");
    // What was written (the other documents, the clients) is valid.
    valid(&dir.path().join("out/orders_export.txt"));
}

#[test]
fn validate_rejects_an_empty_required_field() {
    let dir = tempfile::tempdir().unwrap();
    let golden =
        fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/customers/shopify_current.txt")).unwrap();
    let text = String::from_utf8_lossy(&golden).into_owned();
    let mut lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!((lines[2], lines[3].is_empty()), ("#CCLI", false));
    // #CCLI at line 3: field 5, the intitulé, is line 8.
    lines[7] = "";
    let file = dir.path().join("sans_intitule.txt");
    fs::write(&file, lines.join("\r\n")).unwrap();
    let out = passerelle(dir.path()).arg("validate").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("line 8: error: #CCLI 5 Intitulé (CT_Intitule): required, and empty"), "{s}");
    // The file as passerelle wrote it is valid, without a Windows-1252 suspicion.
    fs::write(&file, &golden).unwrap();
    let out = passerelle(dir.path()).arg("validate").arg(&file).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{s}");
    assert!(!s.contains("Windows-1252"), "{s}");
}
