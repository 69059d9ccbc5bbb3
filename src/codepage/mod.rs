//! Single-byte code pages of Sage files and the transliteration policy for characters they lack.
//!
//! Format Sage is CP850; the "import paramétrable" files are Windows-1252. Both share one
//! policy (docs/format-sage.md, CP850): control characters become spaces, exotic spaces become plain
//! spaces, typographic punctuation and ligatures get ASCII stand-ins, other letters go through
//! `deunicode`, and what is left (emoji, symbols) is dropped. Every change is returned so the
//! caller can report it: nothing is replaced silently.

pub mod cp850;

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodePage {
    /// IBM 850, Format Sage.
    Cp850,
    /// Windows-1252 ("ANSI"), the import paramétrable.
    Windows1252,
}

impl CodePage {
    pub fn name(self) -> &'static str {
        match self {
            CodePage::Cp850 => "cp850",
            CodePage::Windows1252 => "windows-1252",
        }
    }

    /// The byte of `c` in this code page, if it has one. Control characters are excluded on
    /// purpose: they never belong in a field.
    #[inline]
    pub fn encode_char(self, c: char) -> Option<u8> {
        if c.is_control() {
            return None;
        }
        match self {
            CodePage::Cp850 => cp850::encode_char(c),
            CodePage::Windows1252 => cp1252_encode_char(c),
        }
    }

    pub fn decode(self, bytes: &[u8]) -> String {
        match self {
            CodePage::Cp850 => cp850::decode(bytes),
            CodePage::Windows1252 => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned(),
        }
    }
}

impl fmt::Display for CodePage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Strict Windows-1252: encoding_rs without replacement, so an unmappable character is seen
/// and goes through the transliteration policy instead of becoming `&#...;` or `?`.
fn cp1252_encode_char(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 {
        return Some(u as u8);
    }
    let mut src = [0u8; 4];
    let s = c.encode_utf8(&mut src);
    let mut enc = encoding_rs::WINDOWS_1252.new_encoder();
    let mut dst = [0u8; 4];
    let (res, _read, written) = enc.encode_from_utf8_without_replacement(s, &mut dst, true);
    match res {
        encoding_rs::EncoderResult::InputEmpty if written == 1 => Some(dst[0]),
        _ => None,
    }
}

/// One character that could not be written as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replacement {
    pub from: char,
    /// What was written instead; empty when the character was dropped.
    pub to: &'static str,
}

impl fmt::Display for Replacement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = match self.from {
            c if c.is_control() || c.is_whitespace() => format!("U+{:04X}", c as u32),
            c => format!("{c} (U+{:04X})", c as u32),
        };
        if self.to.is_empty() {
            write!(f, "{from} dropped")
        } else if self.to == " " {
            write!(f, "{from} → space")
        } else {
            write!(f, "{from} → {}", self.to)
        }
    }
}

/// Encodes `text` into `out`, transliterating what `cp` lacks; every change goes to `changes`.
pub fn encode_into(text: &str, cp: CodePage, out: &mut Vec<u8>, changes: &mut Vec<Replacement>) {
    each_char(text, out, |c, out| {
        let sub = match (forced_substitute(c), cp.encode_char(c)) {
            (Some(sub), _) => sub,
            (None, Some(b)) => {
                out.push(b);
                return true;
            }
            (None, None) => substitute(c, cp),
        };
        push_sub(sub, cp, out);
        changes.push(Replacement { from: c, to: sub });
        true
    });
}

/// `encode_into` for a text it would not change: every character has its own byte in `cp`
/// and none is replaced anyway (controls, look-alike spaces). Then appended to `out`, and
/// true; otherwise `out` is left as it was, and false.
pub fn encode_unchanged(text: &str, cp: CodePage, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    let whole = each_char(text, out, |c, out| match cp.encode_char(c).filter(|_| forced_substitute(c).is_none()) {
        Some(b) => {
            out.push(b);
            true
        }
        None => false,
    });
    if !whole {
        out.truncate(start);
    }
    whole
}

/// Printable ASCII copied to `out` a run at a time (the same byte in every code page), every
/// other character given to `each`, until it says false (then false).
#[inline]
fn each_char(text: &str, out: &mut Vec<u8>, mut each: impl FnMut(char, &mut Vec<u8>) -> bool) -> bool {
    out.reserve(text.len());
    let mut rest = text;
    loop {
        let run = crate::text::printable_ascii_len(rest.as_bytes());
        out.extend_from_slice(&rest.as_bytes()[..run]);
        let mut chars = rest[run..].chars();
        let Some(c) = chars.next() else { return true };
        rest = chars.as_str();
        if !each(c, out) {
            return false;
        }
    }
}

/// Bytes `c` takes once written in `cp` by `encode_into` (0 for a character dropped, 2 for
/// `Œ` → `OE`...), without writing it: what cutting a text to a width counts.
#[inline]
pub fn char_len(c: char, cp: CodePage) -> usize {
    // Printable ASCII here, in the caller's loop; anything else out of line.
    if (c as u32) >= 0x20 && (c as u32) < 0x7F { 1 } else { other_char_len(c, cp) }
}

#[inline(never)]
fn other_char_len(c: char, cp: CodePage) -> usize {
    let sub_len = |sub: &str| sub.chars().filter(|&s| cp.encode_char(s).is_some()).count();
    if let Some(sub) = forced_substitute(c) {
        return sub_len(sub);
    }
    if cp.encode_char(c).is_some() {
        return 1;
    }
    sub_len(substitute(c, cp))
}

fn push_sub(sub: &str, cp: CodePage, out: &mut Vec<u8>) {
    for s in sub.chars() {
        // Substitutes are ASCII by construction; keep the guard so a table edit cannot emit a
        // byte outside the code page.
        if let Some(b) = cp.encode_char(s) {
            out.push(b);
        }
    }
}

/// Characters replaced even when the code page has them: controls and look-alike spaces would
/// make names differ invisibly, and Sage looks names up exactly.
fn forced_substitute(c: char) -> Option<&'static str> {
    match c {
        '\t' | '\n' | '\r' => Some(" "),
        c if c.is_control() => Some(" "),
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(" "),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}' | '\u{00AD}' => Some(""),
        _ => None,
    }
}

/// The stand-in for a character the code page lacks.
fn substitute(c: char, cp: CodePage) -> &'static str {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{02BC}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => "\"",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2026}' => "...",
        '\u{20AC}' => "EUR",
        '\u{0153}' => "oe",
        '\u{0152}' => "OE",
        '\u{0178}' => "Y",
        '\u{2022}' | '\u{00B7}' => ".",
        _ if is_pictograph(c) => "",
        _ => match deunicode::deunicode_char(c) {
            Some(s) if !s.is_empty() && s.chars().all(|x| cp.encode_char(x).is_some()) => s,
            _ => "",
        },
    }
}

/// Emoji and pictographs carry no meaning in a name or an address: dropped, not spelled out.
fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0x2190..=0x21FF | 0x2300..=0x23FF | 0x2460..=0x24FF | 0x25A0..=0x27BF | 0x2900..=0x2BFF
        | 0x1F000..=0x1FAFF | 0xE000..=0xF8FF | 0xF0000..=0x10FFFF)
}

/// The text as it will read once written in `cp` (for measuring lengths before writing).
pub fn transliterate(text: &str, cp: CodePage) -> String {
    let mut bytes = Vec::with_capacity(text.len());
    let mut changes = Vec::new();
    encode_into(text, cp, &mut bytes, &mut changes);
    cp.decode(&bytes)
}

/// Length in bytes (= characters, single-byte code pages) once written in `cp`.
pub fn encoded_len(text: &str, cp: CodePage) -> usize {
    if text.is_ascii() && !text.bytes().any(|b| b < 0x20 || b == 0x7F) {
        return text.len();
    }
    // Each character's bytes counted, none written (a new client's address line is measured).
    text.chars().map(|c| char_len(c, cp)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str, cp: CodePage) -> (Vec<u8>, Vec<Replacement>) {
        let mut out = Vec::new();
        let mut ch = Vec::new();
        encode_into(s, cp, &mut out, &mut ch);
        (out, ch)
    }

    proptest::proptest! {
        /// `char_len` counts what `encode_into` writes, character by character.
        #[test]
        fn char_len_is_what_encoding_writes(c in proptest::char::any(), latin in proptest::char::range('\u{80}', '\u{2100}')) {
            for c in [c, latin] {
                for cp in [CodePage::Cp850, CodePage::Windows1252] {
                    let (bytes, _) = enc(c.encode_utf8(&mut [0u8; 4]), cp);
                    proptest::prop_assert_eq!(char_len(c, cp), bytes.len(), "{:?} in {:?}", c, cp);
                }
            }
        }

        /// `encoded_len` is the length of the text once written.
        #[test]
        fn encoded_len_is_the_written_length(s in "[ -~\t\u{7f}éÉœŒ’€\u{a0}\u{200b}😀ĳ]{0,40}") {
            for cp in [CodePage::Cp850, CodePage::Windows1252] {
                proptest::prop_assert_eq!(encoded_len(&s, cp), transliterate(&s, cp).chars().count(), "{:?}", cp);
                proptest::prop_assert_eq!(encoded_len(&s, cp), enc(&s, cp).0.len());
            }
        }

        /// A text encodes as its characters one by one (ASCII runs are copied whole): the
        /// same bytes and the same changes, in order.
        #[test]
        fn a_text_encodes_as_its_characters(s in "[ -~\t\u{7f}éÉœŒ’€\u{a0}\u{200b}😀ĳ]{0,40}") {
            for cp in [CodePage::Cp850, CodePage::Windows1252] {
                let (mut bytes, mut changes) = (Vec::new(), Vec::new());
                for c in s.chars() {
                    let (b, ch) = enc(c.encode_utf8(&mut [0u8; 4]), cp);
                    bytes.extend(b);
                    changes.extend(ch);
                }
                proptest::prop_assert_eq!(enc(&s, cp), (bytes, changes), "{:?} in {:?}", s, cp);
            }
        }
    }

    #[test]
    fn char_len_counts_drops_and_substitutes() {
        let cp = CodePage::Cp850;
        let lens: Vec<usize> =
            ['é', '\u{AD}', '\u{A0}', 'Œ', '’', '\t', '\u{200B}', '€'].map(|c| char_len(c, cp)).into();
        // Soft hyphen dropped although CP850 has it; Œ written OE; € written EUR.
        assert_eq!(lens, [1, 0, 1, 2, 1, 1, 0, 3]);
    }

    #[test]
    fn accents_are_kept_in_cp850() {
        let (b, ch) = enc("Dépôt", CodePage::Cp850);
        assert_eq!(b, [0x44, 0x82, 0x70, 0x93, 0x74]);
        assert!(ch.is_empty());
    }

    #[test]
    fn typographic_characters_are_transliterated_and_reported() {
        let (b, ch) = enc("L’Œuf – 5 € …", CodePage::Cp850);
        assert_eq!(b, b"L'OEuf - 5 EUR ...");
        assert_eq!(ch.len(), 5);
        assert_eq!(ch[0].to_string(), "’ (U+2019) → '");
    }

    #[test]
    fn windows_1252_keeps_what_it_has() {
        let (b, ch) = enc("L’œuf 5 €", CodePage::Windows1252);
        assert_eq!(b, [b'L', 0x92, 0x9C, b'u', b'f', b' ', b'5', b' ', 0x80]);
        assert!(ch.is_empty());
    }

    #[test]
    fn emoji_are_dropped_and_reported() {
        let (b, ch) = enc("Merci 😀!", CodePage::Cp850);
        assert_eq!(b, b"Merci !");
        assert_eq!(ch.len(), 1);
        assert_eq!(ch[0].to, "");
    }

    #[test]
    fn controls_and_nbsp_become_spaces() {
        let (b, ch) = enc("a\tb\u{00A0}c\u{202F}d", CodePage::Cp850);
        assert_eq!(b, b"a b c d");
        assert_eq!(ch.len(), 3);
    }

    #[test]
    fn other_scripts_use_deunicode() {
        // ó is in CP850 and stays; Ł and ź are not and lose their marks.
        let (b, ch) = enc("Łódź", CodePage::Cp850);
        assert_eq!(b, [b'L', 0xA2, b'd', b'z']);
        assert_eq!(ch.len(), 2);
        let (b, _) = enc("Ελλάδα", CodePage::Cp850);
        assert!(b.iter().all(|x| x.is_ascii_alphabetic()), "{:?}", String::from_utf8_lossy(&b));
    }

    #[test]
    fn lengths_are_measured_after_transliteration() {
        assert_eq!(encoded_len("5 €", CodePage::Cp850), 5);
        assert_eq!(encoded_len("5 €", CodePage::Windows1252), 3);
        assert_eq!(encoded_len("Hélène", CodePage::Cp850), 6);
    }
}
