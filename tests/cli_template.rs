//! The real binary and the import paramétrable: `template list | describe | copy`, a
//! hand-edited template named in a profile, and the profile checks of `[output] templates`.
//!
//! `describe` goldens are in `tests/golden/parametrable/describe/`; regenerate them with
//!
//!     UPDATE_GOLDEN=1 cargo test --test cli_template

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn passerelle() -> Command {
    let mut c = Command::cargo_bin("passerelle").unwrap();
    c.env("PASSERELLE_TODAY", "2024-03-07");
    // English, whatever the machine's locale.
    c.env("LANG", "C").env_remove("LC_ALL").env_remove("LC_MESSAGES");
    c
}

/// The samples (profile, client list, PrestaShop customers) copied into `dir/boutique/`.
fn copy_samples(dir: &Path) -> PathBuf {
    let shop = dir.join("boutique");
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    fs::create_dir_all(shop.join("gescom")).unwrap();
    fs::copy(samples.join("profile.toml"), shop.join("profile.toml")).unwrap();
    fs::copy(samples.join("gescom/clients.csv"), shop.join("gescom/clients.csv")).unwrap();
    fs::copy(samples.join("prestashop/customers.csv"), shop.join("customers.csv")).unwrap();
    shop
}

fn append(path: &Path, text: &str) {
    let mut s = fs::read_to_string(path).unwrap();
    s.push_str(text);
    fs::write(path, s).unwrap();
}

fn windows_1252(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()
}

#[test]
fn list_names_every_builtin_template() {
    passerelle().args(["template", "list"]).assert().success().stdout(
        predicate::str::contains("clients_csv")
            .and(predicate::str::contains("clients_fixed"))
            .and(predicate::str::contains("document_lines_csv"))
            .and(predicate::str::contains("document_lines_fixed (").not())
            .and(predicate::str::contains("fixed (200 bytes)")),
    );
}

#[test]
fn describe_prints_the_wizard_table() {
    for (name, markdown, golden) in [
        ("clients_csv", false, "clients_csv.txt"),
        ("clients_fixed", false, "clients_fixed.txt"),
        ("document_lines_csv", true, "document_lines_csv.md"),
        ("document_lines_fixed", true, "document_lines_fixed.md"),
    ] {
        let mut cmd = passerelle();
        cmd.args(["template", "describe", name]);
        if markdown {
            cmd.arg("--markdown");
        }
        let out = cmd.assert().success().get_output().stdout.clone();
        common::assert_golden(&format!("parametrable/describe/{golden}"), String::from_utf8(out).unwrap().as_bytes());
    }
}

#[test]
fn describe_reads_a_template_file_and_reports_its_errors_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    fs::write(
        &file,
        "label = \"Mes clients\"\none_line_per = \"client\"\nformat = \"fixed\"\n[[field]]\nsage = \"CCLI.CT_Num\"\nstart = 1\nlength = 10\n[[field]]\nsage = \"CCLI.CT_EMail\"\nstart = 11\nlength = 30\n",
    )
    .unwrap();
    passerelle().current_dir(dir.path()).args(["template", "describe", "mine.toml"]).assert().success().stdout(
        predicate::str::contains("fixed width: every line is 40 bytes")
            .and(predicate::str::contains("11     40   30      CCLI.CT_EMail")),
    );
    fs::write(
        &file,
        "label = \"x\"\none_line_per = \"client\"\nformat = \"fixed\"\n[[field]]\nsage = \"CCLI.CT_Mail\"\n",
    )
    .unwrap();
    passerelle().current_dir(dir.path()).args(["template", "describe", "mine.toml"]).assert().code(2).stderr(
        predicate::str::contains("line 5: field 1")
            .and(predicate::str::contains("a fixed-width field needs start and length")),
    );
    passerelle()
        .args(["template", "describe", "client_csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean \"clients_csv\""));
}

#[test]
fn a_hand_edited_template_named_in_the_profile_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let shop = copy_samples(dir.path());
    // `template copy`, then the accountant's edits: another delimiter, other titles, fewer
    // columns, a four-digit year, a constant column.
    fs::create_dir_all(shop.join("modeles")).unwrap();
    passerelle()
        .args(["template", "copy", "clients_csv"])
        .arg(shop.join("modeles/mes_clients.toml"))
        .assert()
        .success();
    let copied = fs::read_to_string(shop.join("modeles/mes_clients.toml")).unwrap();
    let body = copied.split("\n[[field]]").next().unwrap();
    let edited = body
        .replace("delimiter = \";\"", "delimiter = \"|\"")
        .replace("date_format = \"JJMMAA\"", "date_format = \"JJ/MM/AAAA\"")
        + "
[[field]]
value = \"WEB\"
title = \"Origine\"

[[field]]
sage = \"CCLI.CT_Num\"
title = \"Code client\"
too_long = \"error\"

[[field]]
sage = \"CCLI.CT_Intitule\"
title = \"Nom\"
length = 20

[[field]]
sage = \"CCLI.CT_Ville\"
title = \"Ville\"

[[field]]
sage = \"CCLI.CT_DateCreate\"
title = \"Créé le\"
";
    fs::write(shop.join("modeles/mes_clients.toml"), edited).unwrap();
    append(&shop.join("profile.toml"), "\n[output]\nsage = false\ntemplates = [\"modeles/mes_clients.toml\"]\n");

    passerelle()
        .args(["profile", "check"])
        .arg(shop.join("profile.toml"))
        .assert()
        .success()
        .stdout(predicate::str::contains(": ok"));
    // Run from another folder: the template path is relative to the profile.
    let out = dir.path().join("sortie");
    passerelle()
        .current_dir(dir.path())
        .args(["convert", "--profile", "boutique/profile.toml", "--out", "sortie", "--report", "rapport.json"])
        .arg(shop.join("customers.csv"))
        .assert()
        .success()
        .stdout(predicate::str::contains("customers.mes_clients.csv"));

    assert!(!out.join("customers.txt").exists(), "sage = false: no Format Sage file");
    let bytes = fs::read(out.join("customers.mes_clients.csv")).unwrap();
    let text = windows_1252(&bytes);
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(lines[0], "Origine|Code client|Nom|Ville|Créé le");
    assert_eq!(lines[1], "WEB|WEB000530|Jérôme Lefèvre|Lyon|07/03/2024");
    assert_eq!(lines.len(), 5, "{text}");
    assert!(bytes.contains(&0xE9), "é in Windows-1252");
    let report = fs::read_to_string(dir.path().join("rapport.json")).unwrap();
    assert!(report.contains("customers.mes_clients.csv"), "{report}");
    assert!(report.contains("the template's length is 20"), "a truncation in the report");
}

#[test]
fn a_refused_value_fails_the_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let shop = copy_samples(dir.path());
    fs::write(
        shop.join("codes.toml"),
        "label = \"Codes\"\none_line_per = \"client\"\nformat = \"fixed\"\n[[field]]\nsage = \"CCLI.CT_Num\"\nstart = 1\nlength = 6\ntoo_long = \"error\"\n",
    )
    .unwrap();
    append(&shop.join("profile.toml"), "\n[output]\ntemplates = [\"clients_csv\", \"codes.toml\"]\n");
    let out = dir.path().join("out");
    passerelle()
        .args(["convert", "--profile"])
        .arg(shop.join("profile.toml"))
        .arg("--out")
        .arg(&out)
        .arg(shop.join("customers.csv"))
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("FAILED")
                .and(predicate::str::contains("template codes"))
                .and(predicate::str::contains("CT_Num (codes 1-6)"))
                .and(predicate::str::contains("WEB000530")),
        );
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0, "nothing half-written");
}

#[test]
fn profile_check_reports_template_problems_on_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let shop = copy_samples(dir.path());
    fs::write(
        shop.join("casse.toml"),
        "label = \"x\"\none_line_per = \"client\"\nformat = \"csv\"\n[[field]]\nsage = \"CHEN.DO_Piece\"\n",
    )
    .unwrap();
    let profile = shop.join("profile.toml");
    let before = fs::read_to_string(&profile).unwrap().lines().count();
    append(
        &profile,
        "\n[output]\ntemplates = [\n  \"clients_cvs\",\n  \"casse.toml\",\n  \"absent/modele.toml\",\n  42,\n]\n",
    );
    let first = before + 4; // blank line, [output], "templates = [", then the entries
    passerelle()
        .args(["profile", "check"])
        .arg(&profile)
        .assert()
        .code(2)
        .stdout(predicate::str::contains(format!("line {}: output.templates[3]: must be a string", first + 3)));
    // Without the number, the three template problems, each on its own line.
    let text = fs::read_to_string(&profile).unwrap().replace("  42,\n", "");
    fs::write(&profile, text).unwrap();
    passerelle().args(["profile", "check"]).arg(&profile).assert().code(2).stdout(
        predicate::str::contains(format!(
            "line {first}: output.templates[0]: unknown template \"clients_cvs\" (did you mean \"clients_csv\"?)"
        ))
        .and(predicate::str::contains(format!("line {}: output.templates[1]: template ", first + 1)))
        .and(predicate::str::contains("casse.toml: line 5: field 1: \"CHEN.DO_Piece\""))
        .and(predicate::str::contains(format!("line {}: output.templates[2]: cannot read template", first + 2))),
    );
    // convert refuses the profile too (exit 2), before reading anything.
    passerelle()
        .args(["convert", "--profile"])
        .arg(&profile)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg(shop.join("customers.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("clients_cvs"));
}

#[test]
fn nothing_to_write_is_a_profile_error() {
    let dir = tempfile::tempdir().unwrap();
    let shop = copy_samples(dir.path());
    append(&shop.join("profile.toml"), "\n[output]\nsage = false\n");
    passerelle()
        .args(["profile", "check"])
        .arg(shop.join("profile.toml"))
        .assert()
        .code(2)
        .stdout(predicate::str::contains("output.sage: sage = false and no templates"));
}
