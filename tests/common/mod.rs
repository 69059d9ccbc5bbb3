//! Helpers shared by the integration tests: the real binary, fixture paths, golden files.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The date every test run writes as creation date, so outputs are reproducible.
pub const TODAY: &str = "2026-11-28";

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

pub fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples").join(rel)
}

/// `passerelle` with a pinned date, run from `dir`.
pub fn passerelle(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("passerelle").expect("binary built");
    c.current_dir(dir).env("PASSERELLE_TODAY", TODAY);
    // English, whatever the machine's locale: tests of French set it themselves.
    c.env("LANG", "C").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    c
}

/// Runs `convert --profile tests/fixtures/<profile> --out out --state state --report
/// report.json INPUTS` in `dir`; the report and the exit code.
pub fn convert_with_report(dir: &Path, profile: &str, inputs: &[&Path]) -> (serde_json::Value, i32) {
    let mut cmd = passerelle(dir);
    cmd.args(["convert", "--profile"]).arg(fixture(profile)).args([
        "--out",
        "out",
        "--state",
        "state",
        "--report",
        "report.json",
    ]);
    for i in inputs {
        cmd.arg(i);
    }
    let out = cmd.output().unwrap();
    let report = serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    (report, out.status.code().unwrap())
}

/// Compares `actual` with `tests/golden/<name>` byte for byte: every golden file of the tests
/// goes through here. `UPDATE_GOLDEN=1 cargo test` rewrites the golden files instead (then
/// review the diff before committing). A difference names the first line that differs, both
/// sides as text when they are UTF-8, else with their bytes escaped (CP850, Windows-1252), so
/// a CRLF or an accent that changed shows.
pub fn assert_golden(name: &str, actual: &[u8]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var("UPDATE_GOLDEN").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected =
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 creates it)", path.display()));
    if expected != actual {
        let show = |line: &[u8]| match std::str::from_utf8(line) {
            Ok(s) => format!("{s:?}"),
            Err(_) => format!("\"{}\"", line.escape_ascii()),
        };
        let lines = |b: &[u8]| b.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect::<Vec<_>>();
        let (exp, act) = (lines(&expected), lines(actual));
        for (i, (a, b)) in exp.iter().zip(&act).enumerate() {
            if a != b {
                panic!(
                    "{}: line {} differs (UPDATE_GOLDEN=1 to accept)\n  expected {}\n  actual   {}",
                    path.display(),
                    i + 1,
                    show(a),
                    show(b)
                );
            }
        }
        panic!(
            "{}: {} lines expected, {} written, the first {} alike (UPDATE_GOLDEN=1 to accept)",
            path.display(),
            exp.len(),
            act.len(),
            exp.len().min(act.len())
        );
    }
}

/// Lines of a CP850 file, decoded.
pub fn cp850_lines(bytes: &[u8]) -> Vec<String> {
    let text = passerelle::codepage::cp850::decode(bytes);
    text.split("\r\n").map(str::to_string).collect()
}

/// A folder set up as a new user would set it up: `passerelle profile init` (the default
/// profile), the client list `clients` copied where that profile looks for it
/// (`gescom/clients.csv`), then each `(from, to)` replaced in the profile (once, exactly).
pub fn init_profile_dir(clients: &Path, edits: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path()).args(["profile", "init"]).assert().success();
    let path = dir.path().join("profile.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from:?} once in the default profile");
        text = text.replace(from, to);
    }
    std::fs::write(&path, text).unwrap();
    std::fs::create_dir(dir.path().join("gescom")).unwrap();
    std::fs::copy(clients, dir.path().join("gescom/clients.csv")).unwrap();
    dir
}
