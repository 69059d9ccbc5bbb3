//! End-to-end: the real binary over fixture exports, byte-exact goldens, the report, bad input.

mod common;

use std::fs;

use common::{assert_golden, cp850_lines, fixture, passerelle};
use predicates::prelude::*;
use serde_json::Value;

struct Case {
    profile: &'static str,
    input: &'static str,
    golden: &'static str,
    exit: i32,
}

const CASES: &[Case] = &[
    Case {
        profile: "profiles/default.toml",
        input: "shopify/customers_export_current.csv",
        golden: "customers/shopify_current.txt",
        exit: 0,
    },
    Case {
        profile: "profiles/default.toml",
        input: "shopify/customers_export_intermediate.csv",
        golden: "customers/shopify_intermediate.txt",
        exit: 0,
    },
    Case {
        profile: "profiles/default.toml",
        input: "shopify/customers_export_legacy.csv",
        golden: "customers/shopify_legacy.txt",
        exit: 0,
    },
    // 530 collides with another client, 532's e-mail is held by two clients: both fail, the
    // others are written.
    Case {
        profile: "profiles/default.toml",
        input: "prestashop/customer_2026-11-28_101500.csv",
        golden: "customers/prestashop_bo.txt",
        exit: 1,
    },
    Case {
        profile: "profiles/default.toml",
        input: "prestashop/customers_sql_excel.csv",
        golden: "customers/prestashop_sql.txt",
        exit: 0,
    },
    Case {
        profile: "profiles/options.toml",
        input: "prestashop/customers_sql_excel.csv",
        golden: "customers/prestashop_sql_options.txt",
        exit: 0,
    },
];

#[test]
fn every_fixture_converts_to_its_golden_file_and_validates() {
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let input = fixture(case.input);
        passerelle(dir.path())
            .args(["convert", "--profile"])
            .arg(fixture(case.profile))
            .args(["--out", "out", "--state", "state"])
            .arg(&input)
            .assert()
            .code(case.exit);
        let stem = input.file_stem().unwrap().to_string_lossy().into_owned();
        let out = dir.path().join("out").join(format!("{stem}.txt"));
        let bytes = fs::read(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        assert_golden(case.golden, &bytes);
        let v = passerelle::sage::validate::validate(&bytes[..]).unwrap();
        assert_eq!(v.errors(), 0, "{}: {:?}", case.golden, v.findings);
        assert!(bytes.ends_with(b"#FIN\r\n"));
        assert!(!bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "bare LF in {}", case.golden);
    }
}

fn run_with_report(profile: &str, inputs: &[&str]) -> (tempfile::TempDir, Value, i32) {
    let dir = tempfile::tempdir().unwrap();
    let inputs: Vec<_> = inputs.iter().map(|i| fixture(i)).collect();
    let inputs: Vec<&std::path::Path> = inputs.iter().map(|p| p.as_path()).collect();
    let (report, code) = common::convert_with_report(dir.path(), profile, &inputs);
    (dir, report, code)
}

fn customer<'a>(report: &'a Value, shop_id: &str) -> &'a Value {
    report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["shop_id"] == shop_id)
        .unwrap_or_else(|| panic!("customer {shop_id}"))
}

#[test]
fn the_report_says_what_became_of_each_customer() {
    let (_d, r, code) = run_with_report(
        "profiles/default.toml",
        &["prestashop/customer_2026-11-28_101500.csv", "prestashop/customers_sql_excel.csv"],
    );
    assert_eq!(code, 1);
    let c = customer(&r, "529");
    assert_eq!((c["action"].as_str(), c["code"].as_str()), (Some("created"), Some("WEB000529")));
    assert_eq!(c["detail"], "WEB + 000529 (shop id 529)");
    // WEB000530 belongs to Jean Martin: never overwritten.
    let c = customer(&r, "530");
    assert_eq!(c["action"], "failed");
    assert!(c["code"].is_null());
    assert!(c["detail"].as_str().unwrap().contains("already belongs to client 'Jean Martin'"), "{c}");
    let c = customer(&r, "531");
    assert_eq!(
        (c["action"].as_str(), c["matched_by"].as_str(), c["code"].as_str()),
        (Some("matched"), Some("email"), Some("WEB000531"))
    );
    let c = customer(&r, "532");
    assert_eq!(c["action"], "failed");
    assert!(c["detail"].as_str().unwrap().contains("VIDALLYON, VIDALPARIS"), "{c}");
    let c = customer(&r, "536");
    assert_eq!(
        (c["action"].as_str(), c["matched_by"].as_str(), c["code"].as_str()),
        (Some("matched"), Some("siret"), Some("CAVECOTEAUX"))
    );
    let inputs = r["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["platform"], "prestashop");
    assert_eq!(inputs[0]["kind"], "customers");
    assert_eq!(inputs[0]["status"], "partial", "two of its customers failed");
    assert_eq!(inputs[1]["encoding"], "windows-1252");
    assert_eq!(r["outputs"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> = r["warnings"].as_array().unwrap().iter().map(|w| w["kind"].as_str().unwrap()).collect();
    for k in
        ["transliterated", "truncated", "moved_to_complement", "ambiguous_match", "guessed", "template_field_missing"]
    {
        assert!(kinds.contains(&k), "no {k} warning in {kinds:?}");
    }
    assert_eq!(r["errors"].as_array().unwrap().len(), 2);
}

#[test]
fn search_keys_match_by_email_siret_and_vat_case_and_spaces_aside() {
    let (_d, r, code) = run_with_report("profiles/default.toml", &["shopify/customers_export_current.csv"]);
    assert_eq!(code, 0);
    let c = customer(&r, "7012345678902");
    assert_eq!((c["matched_by"].as_str(), c["code"].as_str()), (Some("email"), Some("CAVECOTEAUX")));
    let c = customer(&r, "7012345678905");
    assert_eq!((c["matched_by"].as_str(), c["code"].as_str()), (Some("siret"), Some("GARAGEMOREL")));
    let c = customer(&r, "7012345678901");
    assert_eq!((c["action"].as_str(), c["code"].as_str()), (Some("created"), Some("SHO000001")));
}

#[test]
fn a_second_run_gives_the_same_codes_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        passerelle(dir.path())
            .args(["convert", "--profile"])
            .arg(fixture("profiles/default.toml"))
            .args(["--out", "out", "--state", "state", "--report", "r.json"])
            .arg(fixture("shopify/customers_export_current.csv"))
            .assert()
            .success();
    }
    let r: Value = serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(customer(&r, "7012345678901")["code"], "SHO000001");
    assert_eq!(customer(&r, "7012345678906")["code"], "SHO000004");
    assert!(r["warnings"].as_array().unwrap().iter().any(|w| w["kind"] == "reissued"));
    let state = fs::read_to_string(dir.path().join("state/passerelle-state.json")).unwrap();
    assert!(state.contains("\"counter\": 4"), "{state}");
}

#[test]
fn dry_run_writes_no_output_and_no_state() {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path())
        .args(["convert", "--dry-run", "--profile"])
        .arg(fixture("profiles/default.toml"))
        .args(["--out", "out", "--state", "state"])
        .arg(fixture("shopify/customers_export_current.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("dry run: nothing was written"));
    assert!(!dir.path().join("out").exists());
    assert!(!dir.path().join("state").exists());
}

#[test]
fn text_options_phone_mapping_and_code_parts() {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path())
        .args(["convert", "--profile"])
        .arg(fixture("profiles/options.toml"))
        .args(["--out", "out", "--state", "state"])
        .arg(fixture("prestashop/customers_sql_excel.csv"))
        .assert()
        .success();
    let lines = cp850_lines(&fs::read(dir.path().join("out/customers_sql_excel.txt")).unwrap());
    // #CCLI of Chloé Garnier starts at line 3: code = C + GAR + 10 (zip) + counter on 5.
    assert_eq!(lines[2], "#CCLI");
    let field = |rec_start: usize, pos: usize| lines[rec_start + pos].clone();
    assert_eq!(field(2, 1), "CGAR1000001");
    assert_eq!(field(2, 5), "CHLOE GARNIER", "uppercase name, no accents");
    assert_eq!(field(2, 8), "RUE DE LA REGENCE 14", "uppercase address, no accents");
    assert_eq!(field(2, 11), "BRUXELLES");
    assert_eq!(field(2, 55), "+32 470 12 34 56", "phone = mobile ('Téléphone portable')");
    assert_eq!(field(2, 56), "", "fax = phone: Chloé's 'Téléphone' is empty");
    assert_eq!((field(2, 35).as_str(), field(2, 36).as_str()), ("LEROY", "Marc"), "default representative");
    // Anaïs Cœurdevey: œ spelt out by the accent option, before any transliteration.
    assert!(lines.iter().any(|l| l == "ANAIS COEURDEVEY"), "{lines:?}");
}

#[test]
fn bad_inputs_fail_alone_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path())
        .args(["convert", "--profile"])
        .arg(fixture("profiles/default.toml"))
        .args(["--out", "out", "--state", "state", "--report", "r.json"])
        .arg(fixture("bad/ragged.csv"))
        .arg(fixture("bad/empty.csv"))
        .arg(fixture("bad/not_a_shop_export.csv"))
        .arg(fixture("bad/prestashop_1761_bug.csv"))
        .arg(fixture("prestashop/customers_sql_excel.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("ragged.csv: line 3 (record 2): 3 fields where the header has 4"), "{stdout}");
    assert!(stdout.contains("empty.csv: the file is empty"), "{stdout}");
    assert!(stdout.contains("not_a_shop_export.csv: not a recognised export"), "{stdout}");
    assert!(stdout.contains("bug #15875"), "{stdout}");
    let files: Vec<String> = fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        vec!["customers_sql_excel.txt".to_string()],
        "only the good input has an output, no temp file left"
    );
    let r: Value = serde_json::from_slice(&fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let status: Vec<&str> = r["inputs"].as_array().unwrap().iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(status, ["failed", "failed", "failed", "failed", "ok"]);
    // The ragged file's first customer was read before the bad row: nothing of it is kept.
    assert!(
        r["customers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["input"].as_str().unwrap().ends_with("customers_sql_excel.csv"))
    );
}

#[test]
fn a_bad_profile_stops_everything_with_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("p.toml"), "[customers]\nserch_by_email = true\n").unwrap();
    passerelle(dir.path())
        .args(["convert", "--profile", "p.toml", "--clients"])
        .arg(fixture("gescom/clients.csv"))
        .arg(fixture("shopify/customers_export_current.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "line 2: customers.serch_by_email: unknown key (did you mean \"search_by_email\"?)",
        ));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn profile_check_lists_every_problem_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path()).args(["profile", "check"]).arg(fixture("profiles/bad.toml")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("line 8: customers.serch_by_email: unknown key"), "{s}");
    assert!(s.contains("line 9: customers.uppercase_name: wrong type"), "{s}");
    // Schema problems come first; fix them and the rules are checked.
    let text = fs::read_to_string(fixture("profiles/bad.toml")).unwrap();
    let fixed = text.replace("serch_by_email = true\n", "").replace("uppercase_name = \"oui\"\n", "");
    let p = dir.path().join("bad2.toml");
    fs::write(
        &p,
        fixed.replace("../gescom/clients.csv", &fixture("gescom/clients.csv").display().to_string().replace('\\', "/")),
    )
    .unwrap();
    let out = passerelle(dir.path()).args(["profile", "check"]).arg(&p).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains(
            "customers.code.length: prefix (7) + parts (6) + suffix (0) + counter_length (3) = 16 exceeds length 12"
        ),
        "{s}"
    );
    assert!(s.contains("customers.fields.CT_Commentair: #CCLI has no field CT_Commentair"), "{s}");
    let p3 = dir.path().join("bad3.toml");
    let text3 = fs::read_to_string(&p)
        .unwrap()
        .replace("length = 12", "length = 17")
        .replace("CT_Commentair ", "CT_Commentaire ");
    fs::write(&p3, text3).unwrap();
    let out = passerelle(dir.path()).args(["profile", "check"]).arg(&p3).output().unwrap();
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("line 6: customers.single_account: \"NEXISTEPAS\" is not in the client list"), "{s}");
    assert!(s.contains("line 7: customers.template: \"MODELEX\" is not in the client list"), "{s}");
}

#[test]
fn profile_init_writes_a_profile_that_checks() {
    let dir = tempfile::tempdir().unwrap();
    passerelle(dir.path())
        .args(["profile", "init"])
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote profile.toml"));
    passerelle(dir.path()).args(["profile", "init"]).assert().code(2);
    // Its client list does not exist yet: said, with the line.
    passerelle(dir.path()).args(["profile", "check"]).assert().code(2).stdout(predicate::str::contains("clients.file"));
    fs::create_dir(dir.path().join("gescom")).unwrap();
    fs::copy(fixture("gescom/clients.csv"), dir.path().join("gescom/clients.csv")).unwrap();
    passerelle(dir.path())
        .args(["profile", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("profile.toml: ok"));
}

#[test]
fn inspect_shows_platform_generation_encoding_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = passerelle(dir.path())
        .arg("inspect")
        .arg(fixture("shopify/customers_export_legacy.csv"))
        .arg(fixture("prestashop/customers_sql_excel.csv"))
        .arg(fixture("bad/not_a_shop_export.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("generation: legacy (before 2022, 19 columns)"), "{s}");
    assert!(s.contains("encoding:   windows-1252 (guessed)"), "{s}");
    assert!(s.contains("siret        ← SIRET"), "{s}");
    assert!(s.contains("name=Chloé Garnier"), "{s}");
    assert!(s.contains("not a recognised export"), "{s}");
}

#[test]
fn validate_reports_line_numbers_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs::read(fixture("../golden/customers/prestashop_sql.txt")).unwrap();
    fs::write(dir.path().join("good.txt"), &good).unwrap();
    passerelle(dir.path())
        .args(["validate", "good.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("good.txt: valid"));
    let mut lines = cp850_lines(&good);
    assert_eq!(lines[2], "#CCLI");
    assert_eq!(lines[124], "#CCDL");
    lines[3] = "web000533".into(); // #CCLI 1 must be uppercase
    lines[2 + 32] = "0".into(); // catégorie comptable is 1..50
    lines.remove(126); // a #CCDL one line short
    let bytes: Vec<u8> =
        lines.join("\r\n").chars().map(|c| passerelle::codepage::cp850::encode_char(c).unwrap()).collect();
    fs::write(dir.path().join("bad.txt"), &bytes).unwrap();
    let out = passerelle(dir.path()).args(["validate", "good.txt", "bad.txt"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("bad.txt: line 4: error: #CCLI 1 N° client (CT_Num): 'web000533' must be uppercase"), "{s}");
    assert!(
        s.contains("bad.txt: line 35: error: #CCLI 32 Catégorie comptable (N_CatCompta): 0 is outside 1..50"),
        "{s}"
    );
    assert!(s.contains("bad.txt: line 125: error: #CCDL has 16 lines, #VER 33 expects 17"), "{s}");
    assert!(s.contains("good.txt: valid"), "{s}");
}

/// A name taken in the output folder (here by a folder, where the template's file would go)
/// moves every output of the input to the next free name: the files of one input keep one
/// stem, and what was there is untouched. (A file that appears under the chosen name while
/// the run writes is `tests/parametrable.rs`: the outputs in place stay, the missing one is
/// an error.)
#[test]
fn a_name_taken_in_the_output_folder_moves_every_output_of_the_input_to_the_next_free_name() {
    let dir = tempfile::tempdir().unwrap();
    let profile = std::fs::read_to_string(fixture("profiles/default.toml"))
        .unwrap()
        .replace("../gescom/clients.csv", &fixture("gescom/clients.csv").display().to_string().replace('\\', "/"));
    std::fs::write(dir.path().join("profile.toml"), format!("{profile}\n[output]\ntemplates = [\"clients_csv\"]\n"))
        .unwrap();
    // Where the template's file goes, a folder.
    std::fs::create_dir_all(dir.path().join("out/customers_export_current.clients_csv.csv/x")).unwrap();
    let out = passerelle(dir.path())
        .args(["convert", "--profile", "profile.toml", "--out", "out", "--state", "state", "--report", "r.json"])
        .arg(fixture("shopify/customers_export_current.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!dir.path().join("out/customers_export_current.txt").exists(), "both outputs move together");
    assert!(dir.path().join("out/customers_export_current.clients_csv.csv/x").is_dir(), "untouched");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("r.json")).unwrap()).unwrap();
    let outputs: Vec<&str> = r["outputs"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    let expected = ["customers_export_current-2.txt", "customers_export_current-2.clients_csv.csv"];
    assert_eq!(outputs.len(), 2, "{outputs:?}");
    for (o, e) in outputs.iter().zip(expected) {
        assert!(o.ends_with(e), "{outputs:?}");
        assert!(dir.path().join("out").join(e).is_file());
    }
}
