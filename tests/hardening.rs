//! Nothing lost, nothing clobbered, nothing crashes: the guarantees of README's "Safety"
//! section, each checked through the real binary on the case that broke it.

mod common;
#[path = "watch_support/mod.rs"]
mod watch_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use common::{fixture, passerelle};

/// Every command here must end quickly; a hang is a failure, not a stuck test run.
const LIMIT: Duration = Duration::from_secs(60);

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut c = passerelle(dir);
    c.args(args).timeout(LIMIT);
    c.output().unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// A folder with the orders profile and its client list, paths made absolute.
fn orders_site() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let profile = fs::read_to_string(fixture("profiles/orders.toml")).unwrap().replace(
        "../gescom/export_ver33.txt",
        &fixture("gescom/export_ver33.txt").display().to_string().replace('\\', "/"),
    );
    let p = dir.path().join("profile.toml");
    fs::write(&p, profile).unwrap();
    (dir, p)
}

/// The Shopify orders export with its order numbers moved (`#1001` → `#2001`): the next
/// day's export, under the same file name.
fn next_day(orders: &str) -> String {
    orders.replace("#10", "#20")
}

#[test]
fn a_second_export_with_the_same_name_never_replaces_the_first_output() {
    let (dir, _) = orders_site();
    let d = dir.path();
    fs::create_dir_all(d.join("day1")).unwrap();
    fs::create_dir_all(d.join("day2")).unwrap();
    let orders = fs::read_to_string(fixture("shopify/orders_export.csv")).unwrap();
    fs::write(d.join("day1/orders_export.csv"), &orders).unwrap();
    fs::write(d.join("day2/orders_export.csv"), next_day(&orders)).unwrap();
    let args = ["convert", "--profile", "profile.toml", "--out", "out", "--state", "state", "--report", "r.json"];
    let first = run(d, &[&args[..], &["day1/orders_export.csv"]].concat());
    assert_eq!(code(&first), Some(1), "{}", text(&first)); // the fixture holds failing orders
    let day1 = fs::read(d.join("out/orders_export.txt")).unwrap();

    let second = run(d, &[&args[..], &["day2/orders_export.csv"]].concat());
    assert!(matches!(code(&second), Some(0 | 1)), "{}", text(&second));
    assert_eq!(fs::read(d.join("out/orders_export.txt")).unwrap(), day1, "yesterday's output is untouched");
    let day2 = fs::read(d.join("out/orders_export-2.txt")).unwrap();
    assert!(String::from_utf8_lossy(&day2).contains("WEB2001"), "the new orders are in the new file");
    // Said everywhere the output is named: console, report, ledger.
    assert!(text(&second).contains("orders_export-2.txt"), "{}", text(&second));
    let r: serde_json::Value = serde_json::from_slice(&fs::read(d.join("r.json")).unwrap()).unwrap();
    let outputs = r["outputs"].as_array().unwrap();
    assert!(outputs.len() == 1 && outputs[0].as_str().unwrap().ends_with("orders_export-2.txt"), "{outputs:?}");
    let ledger = fs::read_to_string(d.join("state/ledger.tsv")).unwrap();
    assert!(ledger.lines().any(|l| l.starts_with("P\t") && l.contains("orders_export-2.txt")), "{ledger}");

    // Two inputs of one run with the same name: the second takes the next free name too.
    let third = run(d, &[&args[..], &["--force", "day1/orders_export.csv", "day2/orders_export.csv"]].concat());
    assert!(matches!(code(&third), Some(0 | 1)), "{}", text(&third));
    assert!(d.join("out/orders_export-3.txt").is_file() && d.join("out/orders_export-4.txt").is_file());
    assert_eq!(fs::read(d.join("out/orders_export.txt")).unwrap(), day1);
}

#[test]
fn an_input_lying_in_the_output_folder_is_never_written_over() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("out")).unwrap();
    // A customers export saved with the name its output would have.
    let export = fs::read(fixture("shopify/customers_export_current.csv")).unwrap();
    fs::write(d.join("out/clients.txt"), &export).unwrap();
    let o = run(
        d,
        &["convert", "--profile", &fixture("profiles/default.toml").display().to_string(), "--out", "out"]
            .iter()
            .copied()
            .chain(["--state", "state", "out/clients.txt"])
            .collect::<Vec<_>>(),
    );
    assert_eq!(code(&o), Some(0), "{}", text(&o));
    assert_eq!(fs::read(d.join("out/clients.txt")).unwrap(), export, "the input is intact");
    assert!(d.join("out/clients-2.txt").is_file(), "{}", text(&o));
}

#[test]
fn a_report_over_a_file_of_the_run_is_refused_before_anything_is_written() {
    let (dir, _) = orders_site();
    let d = dir.path();
    fs::write(d.join("orders_export.csv"), fs::read(fixture("shopify/orders_export.csv")).unwrap()).unwrap();
    fs::write(d.join("articles.csv"), fs::read(fixture("shopify/articles.csv")).unwrap()).unwrap();
    let profile = fs::read_to_string(d.join("profile.toml"))
        .unwrap()
        .replace("[orders]\n", "[orders]\narticles = \"articles.csv\"\n");
    fs::write(d.join("profile.toml"), profile).unwrap();
    fs::create_dir_all(d.join("state")).unwrap();
    fs::write(d.join("state/passerelle-state.json"), "{\"version\": 1, \"counter\": 0, \"issued\": {}}").unwrap();
    let clients = fixture("gescom/export_ver33.txt");
    let clients = clients.display().to_string();
    for (report, what) in [
        ("orders_export.csv", "an input"),
        ("profile.toml", "the profile"),
        (clients.as_str(), "the client list"),
        ("articles.csv", "the article mapping"),
        ("state/passerelle-state.json", "a state file"),
        ("state/ledger.tsv", "a state file"),
        ("out/orders_export.txt", "the output of"),
        ("./out/../out/orders_export.txt", "the output of"),
    ] {
        let before: Option<Vec<u8>> =
            fs::read(if Path::new(report).is_absolute() { PathBuf::from(report) } else { d.join(report) }).ok();
        let o = run(
            d,
            &[
                "convert",
                "--profile",
                "profile.toml",
                "--out",
                "out",
                "--state",
                "state",
                "--report",
                report,
                "orders_export.csv",
            ],
        );
        assert_eq!(code(&o), Some(2), "{report}: {}", text(&o));
        assert!(text(&o).contains(what) && text(&o).contains("would be overwritten"), "{report}: {}", text(&o));
        let after = fs::read(if Path::new(report).is_absolute() { PathBuf::from(report) } else { d.join(report) }).ok();
        assert_eq!(before, after, "{report} untouched");
        assert!(!d.join("out").exists(), "{report}: nothing written");
        assert!(!d.join("state/ledger.tsv").exists(), "{report}: no ledger");
    }
}

#[test]
fn a_report_over_an_existing_file_that_is_not_a_report_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("notes.txt"), "à garder").unwrap();
    let o = run(
        d,
        &[
            "convert",
            "--profile",
            &fixture("profiles/default.toml").display().to_string(),
            "--state",
            "state",
            "--report",
            "notes.txt",
            &fixture("shopify/customers_export_current.csv").display().to_string(),
        ],
    );
    assert_eq!(code(&o), Some(2), "{}", text(&o));
    assert_eq!(fs::read_to_string(d.join("notes.txt")).unwrap(), "à garder");
}

#[test]
fn an_output_folder_that_is_a_file_or_a_state_folder_that_cannot_be_made_exits_2_with_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("fichier"), "x").unwrap();
    let profile = fixture("profiles/default.toml").display().to_string();
    let input = fixture("shopify/customers_export_current.csv").display().to_string();
    for (args, who) in [
        (vec!["--out", "fichier", "--state", "state"], "output folder fichier"),
        (vec!["--out", "out", "--state", "fichier/state"], "state folder fichier"),
        (vec!["--out", "out", "--state", "fichier"], "state folder fichier"),
    ] {
        let _ = fs::remove_file(d.join("r.json"));
        let mut all = vec!["convert", "--profile", &profile, "--report", "r.json"];
        all.extend(args);
        all.push(&input);
        let o = run(d, &all);
        assert_eq!(code(&o), Some(2), "{who}: {}", text(&o));
        assert!(text(&o).contains(who), "{who}: {}", text(&o));
        let r: serde_json::Value =
            serde_json::from_slice(&fs::read(d.join("r.json")).expect("the report is written")).unwrap();
        assert!(r["error"].as_str().unwrap().contains(who), "{r}");
        assert_eq!(r["inputs"][0]["status"], "failed");
        assert!(r["outputs"].as_array().unwrap().is_empty());
        assert_eq!(fs::read_to_string(d.join("fichier")).unwrap(), "x");
    }
    // A report whose folder cannot be made: refused before anything is written, not after
    // the outputs are in place.
    let o = run(
        d,
        &["convert", "--profile", &profile, "--out", "out2", "--state", "state2", "--report", "fichier/r.json", &input],
    );
    assert_eq!(code(&o), Some(2), "{}", text(&o));
    assert!(text(&o).contains("--report fichier/r.json: its folder cannot be created"), "{}", text(&o));
    assert!(!d.join("out2").exists() && !d.join("state2").exists());
}

/// `<prestashop><orders><order><order>...` 150,000 deep (2.2 MB).
fn deep_xml(depth: usize) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<prestashop><orders>{}{}</orders></prestashop>\n",
        "<order>".repeat(depth),
        "</order>".repeat(depth)
    )
}

#[test]
fn deeply_nested_xml_is_refused_with_its_line_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("profond.xml"), deep_xml(150_000)).unwrap();
    let o = run(d, &["inspect", "profond.xml"]);
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(text(&o).contains("profond.xml: line 2: elements nested more than"), "{}", text(&o));
    let o = run(
        d,
        &[
            "convert",
            "--profile",
            &fixture("profiles/orders.toml").display().to_string(),
            "--out",
            "out",
            "--state",
            "state",
            "profond.xml",
        ],
    );
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(text(&o).contains("nested more than"), "{}", text(&o));
    assert!(fs::read_dir(d.join("out")).map(|r| r.count()).unwrap_or(0) == 0, "no output");
}

/// The Excel fixture rewritten part by part (`edit` gets each part's name and bytes), stored
/// without compression so that the zip directory can be edited too.
fn rezip(edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    use std::io::{Read, Write};
    let src = fs::read(fixture("woocommerce/orders_algolplus.xlsx")).unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(src)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        out.start_file(name.as_str(), opts).unwrap();
        out.write_all(&edit(&name, bytes)).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn sheet_edit(from: &'static str, to: String) -> impl Fn(&str, Vec<u8>) -> Vec<u8> {
    move |name, bytes| {
        if name.contains("worksheets/sheet") {
            let s = String::from_utf8(bytes).unwrap();
            assert!(s.contains(from), "{from} not in the sheet");
            s.replacen(from, &to, 1).into_bytes()
        } else {
            bytes
        }
    }
}

#[test]
fn an_xlsx_cell_beyond_excels_last_cell_is_refused_without_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, reference) in [("loin.xlsx", "ZZZZZZZZZZ9"), ("xfe.xlsx", "XFE2"), ("ligne.xlsx", "A1048577")] {
        let bytes = rezip(sheet_edit("<c r=\"A2\"", format!("<c r=\"{reference}\"")));
        fs::write(d.join(name), bytes).unwrap();
        let started = Instant::now();
        let o = run(d, &["inspect", name]);
        assert_eq!(code(&o), Some(1), "{name}: {}", text(&o));
        assert!(text(&o).contains(&format!("{name}: XLSX:")), "{name}: {}", text(&o));
        assert!(started.elapsed() < Duration::from_secs(20), "{name}: {:?}", started.elapsed());
    }
}

#[test]
fn xlsx_shared_strings_announcing_more_than_they_hold_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = rezip(|name, bytes| {
        if name == "[Content_Types].xml" {
            let s = String::from_utf8(bytes).unwrap();
            return s.replace("</Types>", "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml\"/></Types>").into_bytes();
        }
        if name == "xl/_rels/workbook.xml.rels" {
            let s = String::from_utf8(bytes).unwrap();
            return s.replace("</Relationships>", "<Relationship Id=\"rIdSst\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings\" Target=\"sharedStrings.xml\"/></Relationships>").into_bytes();
        }
        bytes
    });
    // The same package plus a shared-strings part that announces four billion strings.
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zin.len() {
        out.raw_copy_file(zin.by_index_raw(i).unwrap()).unwrap();
    }
    use std::io::Write;
    out.start_file("xl/sharedStrings.xml", opts).unwrap();
    out.write_all(b"<?xml version=\"1.0\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"4000000000\" uniqueCount=\"4000000000\"><si><t>Bonjour</t></si></sst>").unwrap();
    fs::write(dir.path().join("annonce.xlsx"), out.finish().unwrap().into_inner()).unwrap();
    let o = run(dir.path(), &["inspect", "annonce.xlsx"]);
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(text(&o).contains("announce 4000000000 strings"), "{}", text(&o));
}

#[test]
fn an_xlsx_whose_parts_unpack_beyond_the_limit_is_refused_before_reading() {
    let bytes = rezip(|_, b| b);
    // Every part's declared uncompressed size (local header and directory) set to 4 GiB - 1:
    // a zip bomb as the directory tells it.
    let mut bytes = bytes;
    let mut i = 0;
    while i + 30 < bytes.len() {
        match &bytes[i..i + 4] {
            b"PK\x03\x04" => bytes[i + 22..i + 26].copy_from_slice(&u32::MAX.to_le_bytes()),
            b"PK\x01\x02" => bytes[i + 24..i + 28].copy_from_slice(&u32::MAX.to_le_bytes()),
            _ => {}
        }
        i += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("bombe.xlsx"), bytes).unwrap();
    let o = run(dir.path(), &["inspect", "bombe.xlsx"]);
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(text(&o).contains("unpack to"), "{}", text(&o));
}

#[cfg(unix)]
fn mkfifo(p: &Path) {
    let st = std::process::Command::new("mkfifo").arg(p).status().unwrap();
    assert!(st.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_is_refused_never_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("tube.csv"));
    let profile = fixture("profiles/default.toml").display().to_string();
    let input = fixture("shopify/customers_export_current.csv").display().to_string();
    fs::write(d.join("liste_zero.toml"), "[clients]\nfile = \"/dev/zero\"\n").unwrap();
    fs::write(d.join("liste_tube.toml"), "[clients]\nfile = \"tube.csv\"\n").unwrap();
    for (args, expected) in [
        (vec!["inspect", "tube.csv"], 1),
        (vec!["inspect", "/dev/zero"], 1),
        (vec!["validate", "tube.csv"], 1),
        (vec!["validate", "/dev/zero"], 1),
        (vec!["clients", "inspect", "tube.csv"], 1),
        (vec!["clients", "inspect", "/dev/zero"], 1),
        (vec!["convert", "--profile", &profile, "--state", "state", "tube.csv"], 1),
        (vec!["convert", "--profile", &profile, "--state", "state", "/dev/zero"], 1),
        (vec!["convert", "--profile", &profile, "--state", "state", "--clients", "tube.csv", &input], 2),
        (vec!["convert", "--profile", &profile, "--state", "state", "--clients", "/dev/zero", &input], 2),
        (vec!["convert", "--profile", "tube.csv", "--state", "state", &input], 2),
        (vec!["convert", "--profile", "liste_zero.toml", "--state", "state", &input], 2),
        (vec!["convert", "--profile", "liste_tube.toml", "--state", "state", &input], 2),
        (vec!["profile", "check", "tube.csv"], 2),
        (vec!["profile", "check", "liste_zero.toml"], 2),
    ] {
        let o = run(d, &args);
        assert_eq!(code(&o), Some(expected), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("not a regular file"), "{args:?}: {}", text(&o));
    }
}

#[test]
fn an_endless_line_stops_with_its_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 9 MB without a line break; a quote opened on line 3 and never closed.
    fs::write(d.join("zeros.csv"), vec![0u8; 9 << 20]).unwrap();
    let mut quote = fs::read(fixture("shopify/customers_export_current.csv")).unwrap();
    quote.extend_from_slice(b"\"");
    quote.extend(std::iter::repeat_n(b'a', 9 << 20));
    fs::write(d.join("guillemet.csv"), quote).unwrap();
    let mut sage = b"#FLG 000\r\n#VER 33\r\n".to_vec();
    sage.extend(std::iter::repeat_n(b'x', 9 << 20));
    fs::write(d.join("ligne.txt"), sage).unwrap();
    for (args, needle) in [
        (vec!["inspect", "zeros.csv"], "zeros.csv: line 1: a record of more than 8 MiB"),
        (vec!["clients", "inspect", "zeros.csv"], "zeros.csv: line 1: a record of more than 8 MiB"),
        (vec!["validate", "ligne.txt"], "ligne.txt: line 3: error: a line of more than 8 MiB"),
        (vec!["clients", "inspect", "ligne.txt"], "ligne.txt: line 3: a line of more than 8 MiB"),
    ] {
        let o = run(d, &args);
        assert_eq!(code(&o), Some(1), "{args:?}: {}", text(&o));
        assert!(text(&o).contains(needle), "{args:?}: {}", text(&o));
    }
    let o = run(
        d,
        &[
            "convert",
            "--profile",
            &fixture("profiles/default.toml").display().to_string(),
            "--state",
            "state",
            "--out",
            "out",
            "guillemet.csv",
        ],
    );
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    let lines =
        fs::read(fixture("shopify/customers_export_current.csv")).unwrap().iter().filter(|&&b| b == b'\n').count();
    assert!(
        text(&o).contains(&format!("guillemet.csv: line {}: a record of more than 8 MiB", lines + 1)),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read_dir(d.join("out")).unwrap().count(), 0, "no output for a failed input");
}

#[test]
fn thousands_of_unknown_profile_fields_are_checked_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let keys: String = (0..10_000).map(|i| format!("X_{i} = \"{{customer.id}}\"\n")).collect();
    fs::write(dir.path().join("profile.toml"), format!("[customers.fields]\n{keys}")).unwrap();
    let started = Instant::now();
    let o = run(dir.path(), &["profile", "check", "profile.toml"]);
    let took = started.elapsed();
    assert_eq!(code(&o), Some(2));
    assert!(text(&o).contains("profile.toml: line 10001: customers.fields.X_9999: #CCLI has no field X_9999"));
    assert!(text(&o).contains("10000 problem(s)"));
    // Generous (a debug build on a busy machine): it took minutes when each problem parsed
    // the whole profile again; the exact count of parses is checked in the tests of setup.rs.
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_megabyte_long_unknown_profile_key_is_reported_at_once() {
    // Found by the fuzzer: looking for a close known key compared the 1 MiB key with every
    // known one, character by character, and the run took minutes.
    let dir = tempfile::tempdir().unwrap();
    let key = format!("u{}pdate_billing_address", "a".repeat(1 << 20));
    fs::write(dir.path().join("profile.toml"), format!("[customers]\n{key} = true\n")).unwrap();
    let started = Instant::now();
    let o = run(dir.path(), &["profile", "check", "profile.toml"]);
    let took = started.elapsed();
    assert_eq!(code(&o), Some(2), "{}", &text(&o)[..text(&o).len().min(2000)]);
    assert!(text(&o).contains("profile.toml: line 2: "), "{}", &text(&o)[..text(&o).len().min(2000)]);
    assert!(text(&o).len() < 4096, "the key is not repeated whole: {} bytes", text(&o).len());
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn eight_bit_text_behind_a_utf16_mark_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = vec![0xFF, 0xFE];
    let body = fs::read(fixture("shopify/customers_export_current.csv")).unwrap();
    while bytes.len() < 4 << 20 {
        bytes.extend_from_slice(&body);
    }
    fs::write(dir.path().join("utf16.csv"), bytes).unwrap();
    let started = Instant::now();
    let o = run(dir.path(), &["inspect", "utf16.csv"]);
    assert_eq!(code(&o), Some(1), "{}", text(&o));
    assert!(text(&o).contains("utf16.csv: line 1: the file starts with a UTF-16LE byte order mark"), "{}", text(&o));
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}

#[test]
fn a_file_named_by_the_profile_is_never_quoted_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("secret.txt"), "root:x:0:0:motdepasse:/root:/bin/bash\nautre ligne\n").unwrap();
    fs::write(d.join("sage.txt"), "#FLG 000\r\nmotdepasse\r\n").unwrap();
    fs::write(d.join("p1.toml"), "[clients]\nfile = \"secret.txt\"\n").unwrap();
    fs::write(d.join("p2.toml"), "[clients]\nfile = \"sage.txt\"\n").unwrap();
    fs::write(
        d.join("p3.toml"),
        format!(
            "[clients]\nfile = \"{}\"\n[orders]\narticles = \"secret.txt\"\n",
            fixture("gescom/clients.csv").display().to_string().replace('\\', "/")
        ),
    )
    .unwrap();
    let input = fixture("shopify/orders_export.csv").display().to_string();
    for p in ["p1.toml", "p2.toml", "p3.toml"] {
        for args in
            [vec!["convert", "--profile", p, "--state", "state", "--out", "out", &input], vec!["profile", "check", p]]
        {
            let o = run(d, &args);
            // `profile check` does not read the article mapping: p3 is a valid profile.
            let expected = if args[0] == "profile" && p == "p3.toml" { Some(0) } else { Some(2) };
            assert_eq!(code(&o), expected, "{args:?}: {}", text(&o));
            assert!(!text(&o).contains("motdepasse") && !text(&o).contains("root:x"), "{args:?}: {}", text(&o));
        }
    }
}

#[test]
fn entity_references_copied_as_text_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let xml = fs::read_to_string(fixture("prestashop/webservice_orders.xml")).unwrap();
    let at = xml.find("<company><![CDATA[Brasserie").expect("a company field");
    let mut doctored = xml.clone();
    doctored.insert_str(at + "<company>".len(), "&xxe;");
    let doctored = doctored.replacen(
        "<prestashop",
        "<!DOCTYPE prestashop [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n<prestashop",
        1,
    );
    fs::write(d.join("commandes.xml"), doctored).unwrap();
    let o = run(
        d,
        &[
            "convert",
            "--profile",
            &fixture("profiles/orders_shops.toml").display().to_string(),
            "--state",
            "state",
            "--out",
            "out",
            "--report",
            "r.json",
            "commandes.xml",
        ],
    );
    assert!(matches!(code(&o), Some(0 | 1)), "{}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&fs::read(d.join("r.json")).unwrap()).unwrap();
    let w = r["warnings"].as_array().unwrap();
    assert!(
        w.iter().any(|w| w["kind"] == "unresolved_entity" && w["message"].as_str().unwrap().contains("&xxe;")),
        "{w:?}"
    );
}

/// A state folder nobody may write (read-only; for root, whom permissions do not stop,
/// immutable with `chattr +i` where the file system allows it): the run stops at once
/// (exit 2), names the folder and says "write", and writes nothing.
#[cfg(unix)]
#[test]
fn a_read_only_state_folder_is_named_and_the_error_says_write() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir_all(d.join("state")).unwrap();
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let locked = if root {
        std::process::Command::new("chattr").arg("+i").arg(d.join("state")).status().is_ok_and(|s| s.success())
    } else {
        fs::set_permissions(d.join("state"), fs::Permissions::from_mode(0o555)).is_ok()
    };
    if !locked {
        eprintln!("skipped: the state folder cannot be made read-only here (root without chattr)");
        return;
    }
    let o = run(
        d,
        &[
            "convert",
            "--profile",
            &fixture("profiles/orders.toml").display().to_string(),
            "--state",
            "state",
            "--out",
            "out",
            "--report",
            "r.json",
            &fixture("shopify/orders_export.csv").display().to_string(),
        ],
    );
    if root {
        let _ = std::process::Command::new("chattr").arg("-i").arg(d.join("state")).status();
    } else {
        fs::set_permissions(d.join("state"), fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(code(&o), Some(2), "{}", text(&o));
    assert!(text(&o).contains("state folder state: cannot write in it"), "{}", text(&o));
    assert!(!text(&o).contains("cannot read"), "{}", text(&o));
    assert!(!d.join("out").exists(), "nothing written");
    let r: serde_json::Value = serde_json::from_slice(&fs::read(d.join("r.json")).unwrap()).unwrap();
    assert!(r["error"].as_str().unwrap().contains("cannot write in it"), "{r}");
}

#[test]
fn the_watcher_survives_deep_xml_and_says_what_is_not_a_regular_file() {
    let s = watch_support::site(watch_support::FAST);
    s.drop_file("profond.xml", deep_xml(150_000).as_bytes());
    #[cfg(unix)]
    mkfifo(&s.inbox().join("tube.csv"));
    let mut c = s.cmd();
    c.arg("--once").arg("-v");
    let started = Instant::now();
    let out = assert_cmd::Command::from_std(c).timeout(LIMIT).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(started.elapsed() < LIMIT, "{log}");
    assert_eq!(out.status.code(), Some(1), "the XML file failed, the watcher did not crash:\n{log}");
    let errors = s.files("errors");
    assert!(errors.iter().any(|f| f.ends_with("_profond.xml")), "{errors:?}\n{log}");
    let note = errors.iter().find(|f| f.ends_with("_profond.xml.error.txt")).expect("a note");
    let note = String::from_utf8_lossy(&s.read(&format!("errors/{note}"))).into_owned();
    assert!(note.contains("nested more than"), "{note}");
    #[cfg(unix)]
    {
        assert!(log.contains("\"tube.csv\" is not a regular file (a named pipe)"), "{log}");
        assert!(!log.contains("\"tube.csv\" is a folder"), "{log}");
    }
}
