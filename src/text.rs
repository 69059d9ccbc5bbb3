//! Text helpers every stage may use: accents removed, French uppercase, the characters of a
//! client code. A leaf: it depends on no other module of the crate.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// `s.trim()`, answered at once for the common text that starts and ends with a printable
/// ASCII character (no such byte is white space): trimming looks at the characters at both
/// ends, decoding them, and every cell read goes through it.
#[inline]
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if (0x21..0x7F).contains(a) && (0x21..0x7F).contains(z) => s,
        // Empty cells are many (an order's second row leaves the order's columns empty).
        (None, _) => s,
        _ => s.trim(),
    }
}

/// `trim` as a method, for the hot paths that trim what they read (`text.quick_trim()` is
/// `text.trim()`, sooner for the common text).
pub trait QuickTrim {
    fn quick_trim(&self) -> &str;
}

impl QuickTrim for str {
    #[inline]
    fn quick_trim(&self) -> &str {
        trim(self)
    }
}

/// How many bytes `b` starts with that are printable ASCII (space to `~`): the text every
/// code page writes as it is. Eight bytes at a time: a byte below 0x20 or above 0x7E sets
/// its high bit in `outside`, exactly for the first such byte (a carry only runs up from
/// one), which is all that is needed.
#[inline]
pub fn printable_ascii_len(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let outside = |w: u64| (w.wrapping_sub(ONES * 0x20) & !w | (w.wrapping_add(ONES) | w)) & HIGH;
    let mut words = b.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let bad = outside(u64::from_le_bytes(word.try_into().expect("eight bytes")));
        if bad != 0 {
            return at + bad.trailing_zeros() as usize / 8;
        }
        at += 8;
    }
    let rest = words.remainder();
    at + rest.iter().position(|c| !(0x20..0x7F).contains(c)).unwrap_or(rest.len())
}

/// "Lefèvre Œuvres Ærø" → "Lefevre OEuvres AEro": letters lose their marks, ligatures are
/// spelt out, everything else is kept.
pub fn remove_accents(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        unaccented(c, |u| out.push(u));
    }
    out
}

/// `remove_accents` of one character: the characters it becomes, given to `each` (none
/// allocated, for the hot paths that fold a text as they go).
#[inline]
pub fn unaccented(c: char, mut each: impl FnMut(char)) {
    let two = |a, b, each: &mut dyn FnMut(char)| {
        each(a);
        each(b);
    };
    match c {
        c if c.is_ascii() => each(c),
        'œ' => two('o', 'e', &mut each),
        'Œ' => two('O', 'E', &mut each),
        'æ' => two('a', 'e', &mut each),
        'Æ' => two('A', 'E', &mut each),
        'ß' => two('s', 's', &mut each),
        'ø' => each('o'),
        'Ø' => each('O'),
        'đ' => each('d'),
        'Đ' => each('D'),
        'ł' => each('l'),
        'Ł' => each('L'),
        c if (LATIN_FROM..LATIN_FROM + LATIN_LEN).contains(&u32::from(c)) => {
            match latin()[(u32::from(c) - LATIN_FROM) as usize] {
                '\0' => decomposed(c, each),
                one => each(one),
            }
        }
        c => decomposed(c, each),
    }
}

/// The character's canonical decomposition, without its combining marks.
fn decomposed(c: char, each: impl FnMut(char)) {
    std::iter::once(c).nfd().filter(|m| !is_combining_mark(*m)).for_each(each);
}

/// U+00C0 to U+017F: the accented Latin letters of French and its neighbours.
const LATIN_FROM: u32 = 0xC0;
const LATIN_LEN: u32 = 0xC0;

/// `decomposed` of each character from `LATIN_FROM` on, worked out once from the
/// decomposition itself: the one character it becomes, or `'\0'` where it is not exactly one
/// (that character is decomposed each time). Names and addresses go through `unaccented` a
/// character at a time; a decomposition costs hundreds of instructions, a look-up a few.
fn latin() -> &'static [char; LATIN_LEN as usize] {
    static TABLE: std::sync::OnceLock<[char; LATIN_LEN as usize]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = ['\0'; LATIN_LEN as usize];
        for (i, slot) in t.iter_mut().enumerate() {
            let Some(c) = char::from_u32(LATIN_FROM + i as u32) else { continue };
            let (mut n, mut first) = (0, '\0');
            decomposed(c, |u| {
                n += 1;
                first = u;
            });
            if n == 1 {
                *slot = first;
            }
        }
        t
    })
}

/// Uppercase, French style: `é` → `É` (accents are kept unless removed separately). ASCII
/// text, most of it, byte by byte (`str::to_uppercase` looks each character up).
pub fn upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_upper(&mut out, s);
    out
}

/// `upper` of `s` appended to `out`: character by character, as `str::to_uppercase` maps
/// them, ASCII without a table look-up.
pub fn push_upper(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_uppercase();
        return;
    }
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_uppercase());
        } else {
            out.extend(c.to_uppercase());
        }
    }
}

/// A piece of a client code: accents removed, uppercase, only A–Z and 0–9.
pub fn code_chars(s: &str) -> String {
    remove_accents(s).chars().filter(char::is_ascii_alphanumeric).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The shortcut never answers other than `str::trim`, with ASCII, Unicode spaces
        /// (no-break, thin, ideographic) and controls at either end.
        #[test]
        fn trim_is_str_trim(s in "[ \t\r\n\u{0B}\u{0C}\u{1C}\u{1F}\u{85}\u{A0}\u{2009}\u{3000}a-z0-9'~!é]{0,12}") {
            proptest::prop_assert_eq!(trim(&s), s.trim());
            proptest::prop_assert_eq!(s.as_str().quick_trim(), s.trim());
        }

        /// The run of printable ASCII found a word at a time is the one a byte-by-byte look
        /// finds, with every byte value around its edges (0x1F, 0x20, 0x7E, 0x7F, 0x80, 0xFF).
        #[test]
        fn printable_runs_are_found_byte_for_byte(
            b in proptest::collection::vec(proptest::prop_oneof![
                4 => 0x20u8..0x7F,
                1 => proptest::sample::select(vec![0u8, 0x1F, 0x7F, 0x80, 0xC3, 0xFE, 0xFF]),
                1 => proptest::num::u8::ANY,
            ], 0..40)
        ) {
            let expected = b.iter().position(|c| !(0x20..0x7F).contains(c)).unwrap_or(b.len());
            proptest::prop_assert_eq!(printable_ascii_len(&b), expected);
        }

        /// ASCII text uppercased byte by byte reads as `str::to_uppercase` gives it.
        #[test]
        fn upper_is_to_uppercase(s in "[ -~]{0,20}|[ -~éèçœß’ǅŉΐ\u{345}]{0,20}") {
            proptest::prop_assert_eq!(upper(&s), s.to_uppercase());
            let mut out = String::from("déjà ");
            push_upper(&mut out, &s);
            proptest::prop_assert_eq!(out, format!("déjà {}", s.to_uppercase()));
        }
    }

    /// Every character, inside the table's range or not, becomes what its decomposition
    /// without marks gives (the ligatures and barred letters aside, spelt out on purpose).
    #[test]
    fn the_latin_table_is_the_decomposition() {
        let spelt = "œŒæÆßøØđĐłŁ";
        for c in (0x80..0x250).filter_map(char::from_u32).filter(|c| !spelt.contains(*c)) {
            let (mut got, mut want) = (String::new(), String::new());
            unaccented(c, |u| got.push(u));
            decomposed(c, |u| want.push(u));
            assert_eq!(got, want, "{c:?}");
        }
        assert_eq!(latin()[('é' as u32 - LATIN_FROM) as usize], 'e');
    }

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
