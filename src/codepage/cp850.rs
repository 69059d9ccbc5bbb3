//! IBM code page 850 (DOS Latin-1), the code page of Format Sage files.
//!
//! `encoding_rs` implements the WHATWG encodings only, which leave CP850 out, so the upper half
//! is a 128-entry table; the reverse lookup is an array made from it when compiling for the
//! Latin-1 letters (every accented letter of French), a scan of it for the rest.

/// Characters of bytes 0x80..=0xFF, in byte order.
pub const UPPER: [char; 128] = [
    '\u{00C7}', '\u{00FC}', '\u{00E9}', '\u{00E2}', '\u{00E4}', '\u{00E0}', '\u{00E5}', '\u{00E7}', '\u{00EA}',
    '\u{00EB}', '\u{00E8}', '\u{00EF}', '\u{00EE}', '\u{00EC}', '\u{00C4}', '\u{00C5}', '\u{00C9}', '\u{00E6}',
    '\u{00C6}', '\u{00F4}', '\u{00F6}', '\u{00F2}', '\u{00FB}', '\u{00F9}', '\u{00FF}', '\u{00D6}', '\u{00DC}',
    '\u{00F8}', '\u{00A3}', '\u{00D8}', '\u{00D7}', '\u{0192}', '\u{00E1}', '\u{00ED}', '\u{00F3}', '\u{00FA}',
    '\u{00F1}', '\u{00D1}', '\u{00AA}', '\u{00BA}', '\u{00BF}', '\u{00AE}', '\u{00AC}', '\u{00BD}', '\u{00BC}',
    '\u{00A1}', '\u{00AB}', '\u{00BB}', '\u{2591}', '\u{2592}', '\u{2593}', '\u{2502}', '\u{2524}', '\u{00C1}',
    '\u{00C2}', '\u{00C0}', '\u{00A9}', '\u{2563}', '\u{2551}', '\u{2557}', '\u{255D}', '\u{00A2}', '\u{00A5}',
    '\u{2510}', '\u{2514}', '\u{2534}', '\u{252C}', '\u{251C}', '\u{2500}', '\u{253C}', '\u{00E3}', '\u{00C3}',
    '\u{255A}', '\u{2554}', '\u{2569}', '\u{2566}', '\u{2560}', '\u{2550}', '\u{256C}', '\u{00A4}', '\u{00F0}',
    '\u{00D0}', '\u{00CA}', '\u{00CB}', '\u{00C8}', '\u{0131}', '\u{00CD}', '\u{00CE}', '\u{00CF}', '\u{2518}',
    '\u{250C}', '\u{2588}', '\u{2584}', '\u{00A6}', '\u{00CC}', '\u{2580}', '\u{00D3}', '\u{00DF}', '\u{00D4}',
    '\u{00D2}', '\u{00F5}', '\u{00D5}', '\u{00B5}', '\u{00FE}', '\u{00DE}', '\u{00DA}', '\u{00DB}', '\u{00D9}',
    '\u{00FD}', '\u{00DD}', '\u{00AF}', '\u{00B4}', '\u{00AD}', '\u{00B1}', '\u{2017}', '\u{00BE}', '\u{00B6}',
    '\u{00A7}', '\u{00F7}', '\u{00B8}', '\u{00B0}', '\u{00A8}', '\u{00B7}', '\u{00B9}', '\u{00B3}', '\u{00B2}',
    '\u{25A0}', '\u{00A0}',
];

/// Decodes one byte. Never fails: every byte has a character.
#[inline]
pub fn decode_byte(b: u8) -> char {
    if b < 0x80 { b as char } else { UPPER[(b - 0x80) as usize] }
}

/// Decodes CP850 bytes into `out` (appending).
pub fn decode_into(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len());
    for &b in bytes {
        out.push(decode_byte(b));
    }
}

pub fn decode(bytes: &[u8]) -> String {
    let mut s = String::new();
    decode_into(bytes, &mut s);
    s
}

/// The byte of `c`, if CP850 has it.
#[inline]
pub fn encode_char(c: char) -> Option<u8> {
    let u = c as u32;
    if u < 0x80 {
        return Some(u as u8);
    }
    if u < 0x100 {
        return Some(LATIN1[(u - 0x80) as usize]).filter(|&b| b != 0);
    }
    // Past Latin-1 the code page only has ı, ƒ, ‗ and box drawing: anything else (’, œ, €)
    // is known absent without a scan.
    if !matches!(u, 0x131 | 0x192 | 0x2017 | 0x2500..=0x25A0) {
        return None;
    }
    UPPER.iter().position(|&t| t == c).map(|i| 0x80 + i as u8)
}

/// The byte of each character U+0080..=U+00FF (0: not in CP850), made from `UPPER`.
const LATIN1: [u8; 128] = {
    let mut t = [0u8; 128];
    let mut i = 0;
    while i < 128 {
        let u = UPPER[i] as u32;
        if u >= 0x80 && u < 0x100 {
            t[(u - 0x80) as usize] = 0x80 + i as u8;
        }
        i += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_letters_have_the_spec_bytes() {
        assert_eq!(encode_char('é'), Some(0x82));
        assert_eq!(encode_char('à'), Some(0x85));
        assert_eq!(encode_char('è'), Some(0x8A));
        assert_eq!(encode_char('ç'), Some(0x87));
        assert_eq!(encode_char('ê'), Some(0x88));
        assert_eq!(encode_char('â'), Some(0x83));
        assert_eq!(encode_char('ô'), Some(0x93));
        assert_eq!(encode_char('ù'), Some(0x97));
        assert_eq!(encode_char('É'), Some(0x90));
        assert_eq!(encode_char('À'), Some(0xB7));
        assert_eq!(encode_char('Ç'), Some(0x80));
        assert_eq!(encode_char('°'), Some(0xF8));
    }

    #[test]
    fn every_upper_byte_round_trips() {
        for b in 0x80u8..=0xFF {
            assert_eq!(encode_char(decode_byte(b)), Some(b), "byte {b:#04x}");
        }
        for b in 0u8..0x80 {
            assert_eq!(encode_char(decode_byte(b)), Some(b));
        }
    }

    #[test]
    fn table_has_no_duplicate_and_no_ascii() {
        let mut seen = std::collections::HashSet::new();
        for c in UPPER {
            assert!(c as u32 >= 0x80);
            assert!(seen.insert(c), "{c} twice");
        }
    }

    /// The array and the prefilter answer as a scan of the table would, for every character
    /// of the Basic Multilingual Plane.
    #[test]
    fn the_reverse_lookup_is_a_scan_of_the_table() {
        for u in 0x80u32..=0xFFFF {
            let Some(c) = char::from_u32(u) else { continue };
            let scan = UPPER.iter().position(|&t| t == c).map(|i| 0x80 + i as u8);
            assert_eq!(encode_char(c), scan, "U+{u:04X}");
        }
    }

    #[test]
    fn euro_and_typographic_quote_are_not_cp850() {
        assert_eq!(encode_char('€'), None);
        assert_eq!(encode_char('’'), None);
        assert_eq!(encode_char('œ'), None);
    }
}
