//! Property tests: the CP850 encoder, the Format Sage field encoding, client-code generation.

use passerelle::codepage::{CodePage, cp850, encode_into};
use passerelle::model::{Address, Customer};
use passerelle::profile::{CodePart, CodeSection, PartField};
use passerelle::report::Warnings;
use passerelle::resolve::code::generate;
use passerelle::sage::{Layout, Record};
use passerelle::write::sage::RecordEncoder;
use proptest::prelude::*;

/// Every character CP850 can write: printable ASCII and the 128 upper-half characters.
fn cp850_chars() -> Vec<char> {
    (0x20u8..0x7F).map(char::from).chain(cp850::UPPER.iter().copied()).collect()
}

#[test]
fn every_cp850_character_round_trips() {
    for c in cp850_chars() {
        let mut out = Vec::new();
        let mut changes = Vec::new();
        encode_into(&c.to_string(), CodePage::Cp850, &mut out, &mut changes);
        if c == '\u{00A0}' || c == '\u{00AD}' {
            // NBSP and soft hyphen are normalised on purpose (docs/format-sage.md, CP850).
            assert_eq!(changes.len(), 1);
            continue;
        }
        assert!(changes.is_empty(), "{c:?} changed");
        assert_eq!(out.len(), 1);
        assert_eq!(cp850::decode(&out), c.to_string());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Any text: the bytes are all printable CP850, a second pass changes nothing, and
    /// characters CP850 has are kept as they are.
    #[test]
    fn encoder_emits_only_printable_cp850(s in "\\PC{0,40}|[\\u{0}-\\u{2FF}\\u{2000}-\\u{20FF}\\u{1F300}-\\u{1F5FF}]{0,40}") {
        let mut out = Vec::new();
        let mut changes = Vec::new();
        encode_into(&s, CodePage::Cp850, &mut out, &mut changes);
        for &b in &out {
            prop_assert!(b >= 0x20 && b != 0x7F, "control byte {b:#04x} from {s:?}");
        }
        let decoded = cp850::decode(&out);
        let mut again = Vec::new();
        let mut changes2 = Vec::new();
        encode_into(&decoded, CodePage::Cp850, &mut again, &mut changes2);
        // NBSP (0xFF) and soft hyphen (0xF0) are the only bytes a second pass normalises.
        if !out.contains(&0xFF) && !out.contains(&0xF0) {
            prop_assert_eq!(&again, &out);
            prop_assert!(changes2.is_empty());
        }
        let kept: usize = s.chars().filter(|c| cp850::encode_char(*c).is_some() && !c.is_control() && *c != '\u{00A0}' && *c != '\u{00AD}').count();
        prop_assert_eq!(s.chars().count() - kept, changes.len(), "every changed character is reported once");
    }

    /// A written field is never longer than its layout allows and never holds CR or LF.
    #[test]
    fn written_fields_fit_their_length(name in "\\PC{0,120}", addr in "[a-zA-Zéèœ’€ \\n\\t😀]{0,80}") {
        let layout = Layout::builtin(33).unwrap().expect("CCLI");
        let mut r = Record::new(layout);
        r.set_named("CT_Num", "WEB000530");
        r.set_named("CT_Intitule", name);
        r.set_named("CT_Adresse", addr);
        let mut out = Vec::new();
        let mut w = Warnings::default();
        RecordEncoder::default().write_record(&r, &"p", &mut w, &mut out).unwrap();
        let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
        prop_assert_eq!(lines.len(), 1 + 120 + 1, "tag + 120 fields, then the empty split after the last LF");
        for (i, l) in lines.iter().enumerate().take(121) {
            prop_assert!(l.ends_with(b"\r"), "line {i} ends in CRLF");
            prop_assert!(!l[..l.len() - 1].contains(&b'\r'));
        }
        prop_assert!(lines[5].len() - 1 <= 69, "intitulé ≤ 69");
        prop_assert!(lines[8].len() - 1 <= 35, "adresse ≤ 35");
    }

    /// Generated codes: uppercase letters and digits, the prefix first, the number last and
    /// zero-padded, the exact length when the number fills the code, one code per number.
    #[test]
    fn generated_codes_are_well_formed(
        prefix in "[A-Z0-9]{0,4}",
        suffix in "[A-Z]{0,2}",
        part_len in 0u32..4,
        // French surnames (accents, œ, apostrophes, particles) and some other scripts.
        lastname in "[A-Za-zÉéèêçïôœÆ' -]{0,12}|\\PC{0,6}",
        counter_length in 0u32..7,
        length in 6u32..=17,
        // Mostly numbers that fit, some that do not.
        n in prop_oneof![4 => 0u64..1_000, 1 => 0u64..10_000_000],
    ) {
        let parts = if part_len > 0 { vec![CodePart { field: PartField::Lastname, length: part_len }] } else { vec![] };
        let cfg = CodeSection { prefix: prefix.clone(), suffix, parts, counter_length, length, ..Default::default() };
        let c = Customer { lastname, billing: Address::default(), ..Default::default() };
        if let Ok(g) = generate(&cfg, &c, n, "counter") {
            prop_assert!(g.code.len() <= length as usize);
            prop_assert!(g.code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{}", g.code);
            prop_assert!(g.code.starts_with(&prefix));
            let digits = n.to_string();
            prop_assert!(g.code.ends_with(&digits));
            if counter_length == 0 {
                prop_assert_eq!(g.code.len(), length as usize);
            } else {
                // The number zero-padded to its length, as `format!` pads it.
                let padded = format!("{n:0>w$}", w = counter_length as usize);
                prop_assert!(g.code.ends_with(&padded), "{} for {}", g.code, padded);
                prop_assert!(g.explain.ends_with(&format!(" + {padded} (counter)")) || g.explain == format!("{padded} (counter)"), "{}", g.explain);
            }
            if let Ok(other) = generate(&cfg, &c, n + 1, "counter") {
                prop_assert_ne!(g.code, other.code);
            }
        } else {
            // Refused only when the number cannot fit: never cut.
            let fixed = prefix.len() + cfg.suffix.len() + passerelle::text::code_chars(&c.lastname).chars().take(part_len as usize).count();
            let room = if counter_length > 0 { counter_length as usize } else { (length as usize).saturating_sub(fixed) };
            prop_assert!(n.to_string().len() > room || fixed + room > length as usize);
        }
    }
}
