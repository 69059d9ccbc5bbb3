//! `convert --dry-run` runs the real pipeline into nothing: the same warnings, errors and
//! counts as the real run, the files it would write named (with the free name the real run
//! would take), and nothing written anywhere.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use common::{fixture, passerelle};
use serde_json::Value;

/// Two Shopify exports whose values overflow Sage's fields (a US ZIP+4 postcode among them)
/// or hold characters CP850 lacks; their customer comes back with new delivery addresses in
/// the same file and in the second one.
fn inputs() -> [PathBuf; 2] {
    [fixture("shopify/orders_long_fields.csv"), fixture("shopify/orders_long_fields_2.csv")]
}

/// The orders fixture profile in `dir`, writing Format Sage and two paramétrable templates.
fn profile(dir: &Path) -> PathBuf {
    let text = fs::read_to_string(fixture("profiles/orders.toml"))
        .unwrap()
        .replace("file = \"../gescom/export_ver33.txt\"", &format!("file = {:?}", fixture("gescom/export_ver33.txt")));
    let path = dir.join("profil.toml");
    fs::write(&path, format!("{text}\n[output]\ntemplates = [\"clients_fixed\", \"document_lines_csv\"]\n")).unwrap();
    path
}

struct Run {
    code: i32,
    stdout: String,
    report: Value,
}

/// `convert` in `dir` (`--out out --state state`), its report written to `report`.
fn convert(dir: &Path, profile: &Path, report: &Path, extra: &[&str], inputs: &[PathBuf]) -> Run {
    let out = passerelle(dir)
        .args(["convert", "--profile"])
        .arg(profile)
        .args(["--out", "out", "--state", "state", "--report"])
        .arg(report)
        .args(extra)
        .args(inputs)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&fs::read(report).unwrap()).unwrap();
    Run { code: out.status.code().unwrap(), stdout: String::from_utf8_lossy(&out.stdout).into_owned(), report }
}

/// Warning kinds and their counts.
fn kinds(r: &Value) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for w in r["warnings"].as_array().unwrap() {
        *m.entry(w["kind"].as_str().unwrap().to_string()).or_default() += w["count"].as_u64().unwrap();
    }
    m
}

/// What a dry run must say exactly as the real run does.
fn assert_same_run(dry: &Run, real: &Run) {
    assert_eq!(kinds(&dry.report), kinds(&real.report), "warning kinds and counts");
    for key in ["warnings", "errors", "totals", "customers", "documents"] {
        assert_eq!(dry.report[key], real.report[key], "{key}");
    }
    assert_eq!(dry.code, real.code);
    assert_eq!(dry.report["would_write"], real.report["outputs"], "the files, under the same names");
    assert_eq!(dry.report["outputs"], serde_json::json!([]));
    assert_eq!(dry.report["dry_run"], true);
    assert!(real.report.get("would_write").is_none(), "a real run has no would_write");
}

#[test]
fn a_dry_run_reports_the_warnings_errors_and_counts_of_the_real_run() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path());
    let dry = convert(dir.path(), &profile, &dir.path().join("dry.json"), &["--dry-run"], &inputs());
    assert!(!dir.path().join("out").exists() && !dir.path().join("state").exists());
    let real = convert(dir.path(), &profile, &dir.path().join("real.json"), &[], &inputs());
    assert_same_run(&dry, &real);
    // The fixture gives what only the encoders see: cut and transliterated values...
    let k = kinds(&real.report);
    assert!(k["truncated"] >= 10 && k["transliterated"] >= 30, "{k:?}");
    let cut = |r: &Value| {
        r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["message"].as_str().unwrap().ends_with("written '60446-396', lost '9'"))
            .count()
    };
    assert_eq!(cut(&dry.report), 3, "CT_CodePostal, LI_CodePostal and the clients_fixed template");
    assert_eq!(cut(&real.report), 3);
    // ...the client created by #2001 read back and written again with the delivery addresses of
    // #2002 (same input) and #2005 (the next input)...
    assert_eq!(dry.report["totals"]["customers_updated"], 2);
    assert_eq!(dry.report["totals"]["customers_created"], 2);
    // ...and the order without SKU, an error either way.
    assert_eq!(dry.report["errors"].as_array().unwrap().len(), 1);
    assert_eq!(dry.code, 1);
    // The console says what would be, and the files.
    assert!(dry.stdout.contains("customers: 2 would be created, 0 matched, 2 would be updated"), "{}", dry.stdout);
    assert!(dry.stdout.contains("documents: 4 would be created (pièces WEB2001 to WEB2005)"), "{}", dry.stdout);
    for file in [
        "orders_long_fields.txt",
        "orders_long_fields.clients_fixed.txt",
        "orders_long_fields_2.document_lines_csv.csv",
    ] {
        let line = format!("→ {} (would be written)", Path::new("out").join(file).display());
        assert!(dry.stdout.contains(&line), "{line} in {}", dry.stdout);
    }
    assert!(real.stdout.contains("documents: 4 created"), "{}", real.stdout);
}

/// Every file under `dir`: its bytes and modification time (a folder: none).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<(Vec<u8>, std::time::SystemTime)>> {
    let mut all = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let md = e.metadata().unwrap();
            let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
            if md.is_dir() {
                todo.push(e.path());
                all.insert(rel, None);
            } else {
                all.insert(rel, Some((fs::read(e.path()).unwrap(), md.modified().unwrap())));
            }
        }
    }
    all
}

#[test]
fn a_dry_run_writes_nothing_anywhere_and_names_the_free_name_a_real_run_takes() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let profile = profile(dir.path());
    let [first, second] = inputs();
    // Yesterday: the first export converted; an output named as the second export's would be,
    // not imported yet.
    let day1 = convert(dir.path(), &profile, &elsewhere.path().join("day1.json"), &[], std::slice::from_ref(&first));
    assert_eq!(day1.report["outputs"].as_array().unwrap().len(), 3, "{}", day1.stdout);
    fs::write(dir.path().join("out/orders_long_fields_2.txt"), b"#FLG 000\r\n#VER 33\r\n#FIN\r\n").unwrap();
    let before = snapshot(dir.path());
    let html = elsewhere.path().join("dry.html");
    let dry = passerelle(dir.path())
        .env("TMPDIR", tmp.path())
        .env("TMP", tmp.path())
        .env("TEMP", tmp.path())
        .args(["convert", "--dry-run", "--profile"])
        .arg(&profile)
        .args(["--out", "out", "--state", "state", "--report"])
        .arg(elsewhere.path().join("dry.json"))
        .arg("--html")
        .arg(&html)
        .args([&first, &second])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert_eq!(snapshot(dir.path()), before, "out/, state/ and the profile's folder are as they were");
    assert!(snapshot(tmp.path()).is_empty(), "no temporary file left");
    let taken = Path::new("out").join("orders_long_fields_2-2.txt");
    assert!(stdout.contains(&format!("→ {} (would be written)", taken.display())), "{stdout}");
    assert!(stdout.contains("documents: 1 would be created (pièce WEB2005), 3 already converted"), "{stdout}");
    let page = fs::read_to_string(&html).unwrap();
    assert!(page.contains("Would be written / error") && page.contains("orders_long_fields_2-2.txt"));
    assert!(page.contains("The same command without --dry-run would write the files below"));
    // The real run, from the same folder, says the same and takes that name.
    let dry = Run {
        code: dry.status.code().unwrap(),
        stdout,
        report: serde_json::from_slice(&fs::read(elsewhere.path().join("dry.json")).unwrap()).unwrap(),
    };
    let real = convert(dir.path(), &profile, &elsewhere.path().join("real.json"), &[], &[first, second]);
    assert_same_run(&dry, &real);
    assert_eq!(dry.report["totals"]["documents_skipped_already_converted"], 3);
    assert_eq!(
        real.report["outputs"][0].as_str().map(Path::new),
        Some(taken.as_path()),
        "{:?}",
        real.report["outputs"]
    );
    assert!(dir.path().join(&taken).is_file());
}
