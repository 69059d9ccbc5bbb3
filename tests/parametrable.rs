//! Import paramétrable outputs: byte-exact golden files of every shipped template, the
//! warnings each one reports, and properties that hold whatever the text.
//!
//! Golden files live in `tests/golden/parametrable/` (Windows-1252, CRLF, compared byte for
//! byte). After a deliberate change, regenerate them and review the diff:
//!
//!     UPDATE_GOLDEN=1 cargo test --test parametrable

mod common;

use std::path::Path;
use std::sync::Arc;

use passerelle::report::Warnings;
use passerelle::sage::{Layout, Record};
use passerelle::write::param::template::{self, BUILTIN};
use passerelle::write::param::{ParamFile, Per, Template};
use passerelle::write::{Destination, OutputSet, Outputs};
use proptest::prelude::*;

fn layout() -> &'static Layout {
    Layout::builtin(33).unwrap()
}

fn builtin(name: &str) -> Arc<Template> {
    Arc::new(template::load(name, Path::new("."), layout()).unwrap())
}

/// Invented clients: accents, œ, ’, €, –, a line break and a delimiter inside values, an
/// emoji, a non-breaking space, a name longer than Sage's limit, a letter Windows-1252 lacks.
fn clients() -> Vec<(String, Vec<Record>)> {
    let ccli = layout().expect("CCLI");
    let mut out = Vec::new();

    let mut r = Record::new(ccli);
    r.set_named("CT_Num", "WEB000530");
    r.set_named("CT_Intitule", "Jérôme Lefèvre");
    r.set_named("CT_Classement", "JEROME LEFEVRE");
    r.set_named("CG_NumPrinc", "4110000");
    r.set_named("CT_Contact", "Jérôme Lefèvre");
    r.set_named("CT_Adresse", "12 rue de l’Église");
    r.set_named("CT_Complement", "Bâtiment B – 2ᵉ étage");
    r.set_named("CT_CodePostal", "69003");
    r.set_named("CT_Ville", "Lyon");
    r.set_named("CT_Pays", "France");
    r.set_named("CT_Telephone", "04 78 12 34 56");
    r.set_named("CT_EMail", "jerome.lefevre@exemple.fr");
    r.set_named("CT_Encours", "1500,0000");
    r.set_named("CT_Commentaire", "Client web 530 – fidèle");
    r.set_named("CT_DateCreate", "070324");
    out.push(("customer 530 (line 3), client WEB000530".to_string(), vec![r]));

    let mut r = Record::new(ccli);
    r.set_named("CT_Num", "web000531");
    r.set_named("CT_Intitule", "Anaïs Cœurdevey");
    r.set_named("CT_Classement", "ANAIS COEURDEVEY");
    r.set_named("CG_NumPrinc", "4110000");
    r.set_named("CT_Contact", "Anaïs Cœurdevey 😀");
    r.set_named("CT_Adresse", "145 boulevard du\r\nMaréchal-Leclerc");
    r.set_named("CT_CodePostal", "13008");
    r.set_named("CT_Ville", "Marseille");
    r.set_named("CT_Pays", "France");
    r.set_named("CT_Telephone", "06\u{a0}12\u{a0}34\u{a0}56\u{a0}78");
    r.set_named("CT_EMail", "anais.coeurdevey@exemple.fr");
    r.set_named("CT_Encours", "-250,5000");
    r.set_named("CT_Commentaire", "Prix en € ; remise 5 %");
    r.set_named("CT_DateCreate", "070324");
    out.push(("customer 531 (line 4), client WEB000531".to_string(), vec![r]));

    let mut r = Record::new(ccli);
    r.set_named("CT_Num", "WEB000534");
    r.set_named("CT_Intitule", "Société Française d’Équipements Électriques et Électroniques de Précision");
    r.set_named("CT_Classement", "SOCIETE FRANCAISE");
    r.set_named("CG_NumPrinc", "4110000");
    r.set_named("CT_Contact", "François-Xavier de La Rochefoucauld");
    r.set_named("CT_Adresse", "ul. Piotrkowska 12");
    r.set_named("CT_CodePostal", "90-001");
    r.set_named("CT_Ville", "Łódź");
    r.set_named("CT_Pays", "Pologne");
    r.set_named("CT_EMail", "fx.rochefoucauld@exemple.fr");
    r.set_named("CT_Siret", "12845298400015");
    r.set_named("CT_Identifiant", "FR80128452984");
    r.set_named("N_CatTarif", "3");
    r.set_named("N_CatCompta", "2");
    r.set_named("CT_DateCreate", "080324");
    out.push(("customer 534 (line 7), client WEB000534".to_string(), vec![r]));
    out
}

struct Document {
    subject: String,
    header: Record,
    lines: Vec<Record>,
    dues: Vec<Record>,
}

fn line(ar: &str, design: &str, qte: &str, pu: &str, remise: &str, taxe: &str, code: &str) -> Record {
    let mut l = Record::new(layout().expect("CHLI"));
    l.set_named("AR_Ref", ar);
    l.set_named("DL_Design", design);
    l.set_named("DL_Qte", qte);
    l.set_named("DL_PrixUnitaire", pu);
    l.set_named("DL_Remise", remise);
    l.set_named("DL_Taxe1", taxe);
    l.set_named("DL_CodeTaxe1", code);
    l
}

/// Invented documents: the order name `#1001` (a tag-like value), typographic characters,
/// a designation longer than the fixed template's field, a negative quantity.
fn documents() -> Vec<Document> {
    let chen = layout().expect("CHEN");
    let mut h = Record::new(chen);
    h.set_named("DO_Piece", "FA00012");
    h.set_named("DO_Date", "070324");
    h.set_named("DO_Tiers", "WEB000530");
    h.set_named("DO_Ref", "Commande 1001");
    h.set_named("DO_NoWeb", "#1001");
    let mut due = Record::new(layout().expect("CHRE"));
    due.set_named("DR_Date", "070424");
    due.set_named("DR_Montant", "59,38");
    let d1 = Document {
        subject: "order #1001, piece FA00012".into(),
        header: h,
        lines: vec![
            line("tasse-cafe", "Tasse à café « L’Œuf » – 25 cl", "2,00", "12,5000", "", "20,0000", "C20"),
            line("THE-VERT-BIO", "Thé vert bio… 100 g", "3,00", "8,3333", "10%", "5,5000", "C05"),
            line("PORT", "Frais de port Colissimo", "1,00", "4,9000", "", "20,0000", "C20"),
        ],
        dues: vec![due],
    };
    let mut h = Record::new(chen);
    h.set_named("DO_Piece", "FA00013");
    h.set_named("DO_Date", "080324");
    h.set_named("DO_Tiers", "WEB000531");
    h.set_named("DO_Ref", "Commande 1002");
    h.set_named("DO_NoWeb", "1002");
    let d2 = Document {
        subject: "order #1002, piece FA00013".into(),
        header: h,
        lines: vec![
            line(
                "COFFRET-NOEL",
                "Coffret de Noël « Saveurs d’antan » : confitures, miel, pain d’épices et thé",
                "1,00",
                "1234567,8900",
                "",
                "20,0000",
                "C20",
            ),
            line("TASSE-CAFE", "Retour tasse ébréchée", "-1,00", "12,5000", "", "20,0000", "C20"),
        ],
        dues: Vec::new(),
    };
    vec![d1, d2]
}

/// Feeds every client and document to an `Outputs` holding one template (no Format Sage),
/// returns the file written and the warnings, one per line.
fn run_template(name: &str, dir: &Path) -> (Vec<u8>, String) {
    let t = builtin(name);
    let set = OutputSet { sage: false, sage_version: 33, templates: vec![Arc::clone(&t)] };
    let mut out = Outputs::create(dir, "boutique", &set).unwrap();
    let mut w = Warnings::new("boutique.csv");
    for (subject, records) in clients() {
        out.client(&records, &subject, &mut w).unwrap();
    }
    for d in documents() {
        out.document(&d.header, &d.lines, &d.dues, &d.subject, &mut w).unwrap();
    }
    let (written, done) = out.finish();
    done.unwrap();
    assert_eq!(written, vec![dir.join(t.file_name("boutique"))]);
    let bytes = std::fs::read(&written[0]).unwrap();
    let warnings: String =
        w.list.iter().map(|x| format!("[{}] {}: {}: {}\n", x.kind, x.record, x.field, x.message)).collect();
    (bytes, warnings)
}

#[test]
fn every_shipped_template_matches_its_golden_file() {
    for (name, _) in BUILTIN {
        let dir = tempfile::tempdir().unwrap();
        let t = builtin(name);
        let (bytes, warnings) = run_template(name, dir.path());
        common::assert_golden(&format!("parametrable/{name}.{}", t.extension), &bytes);
        common::assert_golden(&format!("parametrable/{name}.warnings.txt"), warnings.as_bytes());

        // Windows-1252 and CRLF: no UTF-8 multi-byte sequence, no bare CR or LF.
        assert!(std::str::from_utf8(&bytes).is_err() || bytes.is_ascii(), "{name} looks like UTF-8");
        let text = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes).0;
        assert!(text.ends_with("\r\n"), "{name}");
        assert_eq!(text.matches("\r\n").count(), text.matches('\n').count(), "{name}: bare LF");
        assert_eq!(text.matches("\r\n").count(), text.matches('\r').count(), "{name}: bare CR");
        let expected_lines =
            match t.per {
                Per::Client => 3,
                Per::DocumentLine => 5,
            } + usize::from(matches!(t.format, passerelle::write::param::Format::Csv { header: true, .. }));
        assert_eq!(text.lines().count(), expected_lines, "{name}");
    }
}

#[test]
fn windows_1252_keeps_euro_apostrophe_and_oe() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, warnings) = run_template("clients_csv", dir.path());
    assert!(bytes.contains(&0x80), "€");
    assert!(bytes.contains(&0x92), "’");
    assert!(bytes.windows(2).any(|p| p == [b'C', 0x9C]), "Cœurdevey");
    assert!(bytes.contains(&0x96), "–");
    // Only what 1252 really lacks is transliterated: the emoji, ᵉ, Ł, ź, the no-break spaces.
    assert!(!warnings.contains("€ (U+20AC)"), "{warnings}");
    assert!(warnings.contains("😀 (U+1F600) dropped"), "{warnings}");
    assert!(warnings.contains("Ł (U+0141) → L"), "{warnings}");
}

#[test]
fn fixed_width_lines_have_the_template_width() {
    for name in ["clients_fixed", "document_lines_fixed"] {
        let dir = tempfile::tempdir().unwrap();
        let (bytes, _) = run_template(name, dir.path());
        let width = builtin(name).width().unwrap();
        for l in bytes.split_inclusive(|b| *b == b'\n') {
            assert_eq!(l.len(), width + 2, "{name}: {:?}", String::from_utf8_lossy(l));
        }
    }
}

#[test]
fn a_template_refusal_fails_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let set = OutputSet { sage: true, sage_version: 33, templates: vec![builtin("document_lines_csv")] };
    let mut out = Outputs::create(dir.path(), "boutique", &set).unwrap();
    let mut w = Warnings::new("boutique.csv");
    let d = &documents()[0];
    let mut lines = d.lines.clone();
    lines[1].set_named("AR_Ref", "REFERENCE-BIEN-TROP-LONGUE");
    let e = out.document(&d.header, &lines, &d.dues, &d.subject, &mut w).unwrap_err();
    let refused = passerelle::write::param::RefusedValue::in_io(&e).expect("a refusal");
    assert!(refused.field.contains("AR_Ref"), "{refused}");
    assert!(refused.record.contains("line 2"), "{refused}");
    let err = passerelle::write::output_error(Path::new("boutique.csv"), dir.path().join("boutique"), e);
    assert!(err.to_string().contains("too_long = \"error\""), "{err}");
    drop(out);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file, no temporary file");
}

/// A file that appears under a chosen name while the run writes (another program, another
/// run) is never replaced: the files before it are in place and said so, the missing one is
/// an error, and no temporary file is left.
#[test]
fn a_file_appearing_under_an_output_name_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let set = OutputSet { sage: true, sage_version: 33, templates: vec![builtin("document_lines_csv")] };
    let mut out = Outputs::create(dir.path(), "boutique", &set).unwrap();
    let mut w = Warnings::new("boutique.csv");
    for d in documents() {
        out.document(&d.header, &d.lines, &d.dues, &d.subject, &mut w).unwrap();
    }
    out.retarget(dir.path(), "boutique-2");
    assert_eq!(out.to_write(), Outputs::targets(dir.path(), "boutique-2", &set));
    let intruder = dir.path().join("boutique-2.document_lines_csv.csv");
    std::fs::write(&intruder, "écrit par un autre programme").unwrap();
    let (written, done) = out.finish();
    assert_eq!(written, vec![dir.path().join("boutique-2.txt")]);
    let e = done.unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists, "{e}");
    assert_eq!(std::fs::read_to_string(&intruder).unwrap(), "écrit par un autre programme");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left");
}

/// The same for the Format Sage file, whose customers' temporary file becomes the output: an
/// intruder under its name stays, and neither section's temporary file is left.
#[test]
fn a_file_appearing_under_the_format_sage_name_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let set = OutputSet { sage: true, sage_version: 33, templates: vec![] };
    let mut out = Outputs::create(dir.path(), "boutique", &set).unwrap();
    let mut w = Warnings::new("boutique.csv");
    for d in documents() {
        out.document(&d.header, &d.lines, &d.dues, &d.subject, &mut w).unwrap();
    }
    let intruder = dir.path().join("boutique.txt");
    std::fs::write(&intruder, "écrit par un autre programme").unwrap();
    let (written, done) = out.finish();
    assert!(written.is_empty(), "{written:?}");
    assert_eq!(done.unwrap_err().kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(&intruder).unwrap(), "écrit par un autre programme");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left");
}

#[test]
fn outputs_write_format_sage_documents_in_order_beside_the_templates() {
    let dir = tempfile::tempdir().unwrap();
    let set = OutputSet {
        sage: true,
        sage_version: 33,
        templates: vec![builtin("clients_csv"), builtin("document_lines_fixed"), builtin("document_lines_csv")],
    };
    assert_eq!(
        Outputs::targets(dir.path(), "boutique", &set),
        vec![
            dir.path().join("boutique.txt"),
            dir.path().join("boutique.clients_csv.csv"),
            dir.path().join("boutique.document_lines_fixed.txt"),
            dir.path().join("boutique.document_lines_csv.csv"),
        ]
    );
    let mut out = Outputs::create(dir.path(), "boutique", &set).unwrap();
    let mut w = Warnings::new("boutique.csv");
    for d in documents() {
        out.document(&d.header, &d.lines, &d.dues, &d.subject, &mut w).unwrap();
    }
    // No client was fed: the client template writes no file, and the ledger is told so.
    let announced = out.to_write();
    let (written, done) = out.finish();
    done.unwrap();
    assert_eq!(written.len(), 3, "{written:?}");
    assert_eq!(announced, written);
    assert!(!dir.path().join("boutique.clients_csv.csv").exists());
    let sage = std::fs::read(dir.path().join("boutique.txt")).unwrap();
    let tags: Vec<&[u8]> = sage.split(|b| *b == b'\n').filter(|l| l.starts_with(b"#")).collect();
    let tags: Vec<String> = tags.iter().map(|l| String::from_utf8_lossy(l).trim_end().to_string()).collect();
    assert_eq!(
        tags,
        ["#FLG 000", "#VER 33", "#CHEN", "#CHLI", "#CHLI", "#CHLI", "#CHRE", "#CHEN", "#CHLI", "#CHLI", "#FIN"]
    );
    let csv = std::fs::read(dir.path().join("boutique.document_lines_csv.csv")).unwrap();
    assert_eq!(csv.split(|b| *b == b'\n').filter(|l| l.starts_with(b"7;FA00012;")).count(), 3);
}

/// A dry run's outputs (`Destination::Nowhere`) are the same writers over nothing: the same
/// warnings, the same refusal, the same files named by `finish`, a client read back as written,
/// and no file, not even a temporary one.
#[test]
fn outputs_over_nowhere_warn_refuse_and_name_files_as_real_ones_and_write_nothing() {
    let set = OutputSet {
        sage: true,
        sage_version: 33,
        templates: vec![builtin("clients_fixed"), builtin("document_lines_fixed"), builtin("document_lines_csv")],
    };
    let feed = |dir: &Path, dest: &Destination| {
        let mut out = Outputs::open(dir, "boutique", &set, dest).unwrap();
        let mut w = Warnings::new("boutique.csv");
        let mut ranges = Vec::new();
        for (subject, records) in clients() {
            ranges.push(out.client(&records, &subject, &mut w).unwrap().expect("a Format Sage output"));
        }
        let back: Vec<Vec<u8>> = ranges.iter().map(|r| out.read_client(*r).unwrap()).collect();
        for d in documents() {
            out.document(&d.header, &d.lines, &d.dues, &d.subject, &mut w).unwrap();
        }
        let d = &documents()[0];
        let mut lines = d.lines.clone();
        lines[1].set_named("AR_Ref", "REFERENCE-BIEN-TROP-LONGUE");
        let refused = out.document(&d.header, &lines, &d.dues, &d.subject, &mut w).unwrap_err().to_string();
        out.retarget(dir, "boutique-2");
        let (written, done) = out.finish();
        done.unwrap();
        let names: Vec<_> = written.iter().map(|p| p.strip_prefix(dir).unwrap().to_path_buf()).collect();
        let warnings: Vec<String> = w
            .list
            .iter()
            .map(|x| format!("[{}] {}: {}: {} (×{})", x.kind, x.record, x.field, x.message, x.count))
            .collect();
        (names, warnings, back, refused)
    };
    let files = tempfile::tempdir().unwrap();
    let nowhere = tempfile::tempdir().unwrap();
    let real = feed(files.path(), &Destination::Files);
    let dry = feed(nowhere.path(), &Destination::Nowhere(Default::default()));
    assert!(real.1.iter().any(|w| w.starts_with("[truncated]")), "{:?}", real.1);
    assert!(real.1.iter().any(|w| w.starts_with("[transliterated]")), "{:?}", real.1);
    assert_eq!(dry.1, real.1, "the same warnings");
    assert_eq!(dry.3, real.3, "the same refusal");
    assert_eq!(dry.2, real.2, "clients read back as written");
    assert_eq!(dry.0, real.0, "the same files named");
    assert_eq!(real.0.len(), 4, "{:?}", real.0);
    assert_eq!(std::fs::read_dir(files.path()).unwrap().count(), 4);
    assert_eq!(std::fs::read_dir(nowhere.path()).unwrap().count(), 0, "nothing written");
}

/// Text of every kind: arbitrary Unicode (controls, CR, LF, emoji, combining marks), French
/// words with typographic characters, numbers and dates, long or empty.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ a-zA-Zéèàçôœ’€;\r\n\t\u{a0}😀-]{0,90}",
        "-?[0-9]{1,14},[0-9]{0,6}",
        "[0-9]{6}",
        Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the values, every line of a fixed-width file is exactly the template's width in
    /// bytes, then CRLF; a value the template refuses writes no line at all.
    #[test]
    fn every_fixed_width_line_has_exactly_the_template_width(
        values in proptest::collection::vec(any_text(), 40),
    ) {
        for name in ["clients_fixed", "document_lines_fixed"] {
            let t = builtin(name);
            let width = t.width().unwrap();
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("p.txt");
            let mut f = ParamFile::create(&target, Arc::clone(&t)).unwrap();
            let mut w = Warnings::new("p");
            let mut written = 0;
            let mut records: Vec<Record> =
                t.per.tags().iter().map(|tag| Record::new(layout().expect(tag))).collect();
            for (i, col) in t.columns.iter().enumerate() {
                if let passerelle::write::param::Source::Sage { record, index, .. } = &col.source {
                    records[*record].set_index(*index, values[i % values.len()].clone());
                }
            }
            // Each column once with its value, then all of them together.
            for i in 0..=t.columns.len() {
                let mut recs = records.clone();
                if i < t.columns.len() {
                    recs = t.per.tags().iter().map(|tag| Record::new(layout().expect(tag))).collect();
                    if let passerelle::write::param::Source::Sage { record, index, .. } = &t.columns[i].source {
                        recs[*record].set_index(*index, values[(i + 7) % values.len()].clone());
                    }
                }
                let refs: Vec<&Record> = recs.iter().collect();
                if f.write_line(&refs, "p", &mut w).is_ok() {
                    written += 1;
                }
            }
            prop_assert_eq!(f.lines(), written);
            if written == 0 {
                continue;
            }
            f.finish().unwrap();
            let bytes = std::fs::read(&target).unwrap();
            let lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
            prop_assert_eq!(lines.len(), written);
            for l in lines {
                prop_assert_eq!(l.len(), width + 2, "{}: {:?}", name, String::from_utf8_lossy(l));
                prop_assert!(l.ends_with(b"\r\n"));
                prop_assert!(!l[..width].iter().any(|b| *b == b'\r' || *b == b'\n'));
            }
        }
    }

    /// Whatever the values, a csv line has exactly one field per column.
    #[test]
    fn every_csv_line_has_one_field_per_column(values in proptest::collection::vec(any_text(), 20)) {
        for name in ["clients_csv", "document_lines_csv"] {
            let t = builtin(name);
            let mut records: Vec<Record> =
                t.per.tags().iter().map(|tag| Record::new(layout().expect(tag))).collect();
            for (i, col) in t.columns.iter().enumerate() {
                if let passerelle::write::param::Source::Sage { record, index, .. } = &col.source {
                    // Keys the template refuses to cut get a short value: the line is written
                    // and checked in every case (the refusal has its own tests).
                    let v = if col.too_long == passerelle::write::param::template::TooLong::Error {
                        format!("K{i}")
                    } else {
                        values[i % values.len()].clone()
                    };
                    records[*record].set_index(*index, v);
                }
            }
            let dir = tempfile::tempdir().unwrap();
            let target = dir.path().join("p.csv");
            let mut f = ParamFile::create(&target, Arc::clone(&t)).unwrap();
            let mut w = Warnings::new("p");
            let refs: Vec<&Record> = records.iter().collect();
            f.write_line(&refs, "p", &mut w).unwrap();
            f.finish().unwrap();
            let bytes = std::fs::read(&target).unwrap();
            let data = bytes.split_inclusive(|b| *b == b'\n').next_back().unwrap();
            prop_assert!(data.ends_with(b"\r\n"));
            prop_assert_eq!(data.iter().filter(|b| **b == b';').count(), t.columns.len() - 1);
            prop_assert_eq!(data.iter().filter(|b| **b == b'\r' || **b == b'\n').count(), 2);
        }
    }
}
