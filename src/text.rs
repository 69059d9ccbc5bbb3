//! Text helpers every stage may use: accents removed, French uppercase, the characters of a
//! client code. A leaf: it depends on no other module of the crate.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// "Lefèvre Œuvres Ærø" → "Lefevre OEuvres AEro": letters lose their marks, ligatures are
/// spelt out, everything else is kept.
pub fn remove_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'œ' => out.push_str("oe"),
            'Œ' => out.push_str("OE"),
            'æ' => out.push_str("ae"),
            'Æ' => out.push_str("AE"),
            'ß' => out.push_str("ss"),
            'ø' => out.push('o'),
            'Ø' => out.push('O'),
            'đ' => out.push('d'),
            'Đ' => out.push('D'),
            'ł' => out.push('l'),
            'Ł' => out.push('L'),
            c if c.is_ascii() => out.push(c),
            c => out.extend(std::iter::once(c).nfd().filter(|m| !is_combining_mark(*m))),
        }
    }
    out
}

/// Uppercase, French style: `é` → `É` (accents are kept unless removed separately).
pub fn upper(s: &str) -> String {
    s.to_uppercase()
}

/// A piece of a client code: accents removed, uppercase, only A–Z and 0–9.
pub fn code_chars(s: &str) -> String {
    remove_accents(s).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_ligatures() {
        assert_eq!(remove_accents("Lefèvre Œuvres Ærø"), "Lefevre OEuvres AEro");
        assert_eq!(remove_accents("Hélène Ça Noël"), "Helene Ca Noel");
        assert_eq!(remove_accents("cœur"), "coeur");
        assert_eq!(remove_accents("Straße"), "Strasse");
        assert_eq!(remove_accents("12 rue de l’Église"), "12 rue de l’Eglise");
    }

    #[test]
    fn uppercase_keeps_accents() {
        assert_eq!(upper("élodie"), "ÉLODIE");
    }

    #[test]
    fn code_characters() {
        assert_eq!(code_chars("d'Artagnan-Lefèvre"), "DARTAGNANLEFEVRE");
        assert_eq!(code_chars("69 003"), "69003");
    }
}
