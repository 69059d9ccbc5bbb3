//! Matching keys: normalisation (the same on the ERP side and the shop side) and validity.
//! An invalid SIRET or VAT number is reported and never used to match: a typo must not
//! attach an order to someone else's account.

use crate::text::QuickTrim;

// Lists of 200,000 clients go through these several times each: the results are built at
// their final size, and ASCII (nearly every code and e-mail) skips the Unicode case tables,
// which give the same result on it.

/// SIRET: digits only.
pub fn norm_siret(s: &str) -> String {
    let mut out = String::new();
    norm_siret_into(s, &mut out);
    out
}

/// `norm_siret` into `out` (cleared first).
pub fn norm_siret_into(s: &str, out: &mut String) {
    out.clear();
    out.extend(s.bytes().filter(u8::is_ascii_digit).map(char::from));
}

/// E-mail: trimmed, case-folded.
pub fn norm_email(s: &str) -> String {
    let mut out = String::new();
    norm_email_into(s, &mut out);
    out
}

/// `norm_email` into `out` (cleared first).
pub fn norm_email_into(s: &str, out: &mut String) {
    out.clear();
    let s = s.quick_trim();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// VAT number: uppercase, without spaces, dots or dashes.
pub fn norm_vat(s: &str) -> String {
    let mut out = String::new();
    norm_vat_into(s, &mut out);
    out
}

/// `norm_vat` into `out` (cleared first).
pub fn norm_vat_into(s: &str, out: &mut String) {
    out.clear();
    out.extend(s.bytes().filter(u8::is_ascii_alphanumeric).map(|b| char::from(b.to_ascii_uppercase())));
}

/// Client code as Sage stores it: trimmed, uppercase.
pub fn norm_code(s: &str) -> String {
    let mut out = String::new();
    norm_code_into(s, &mut out);
    out
}

/// `norm_code` without a copy when `s` is already in that form (trimmed, no lowercase ASCII,
/// no other script): how codes come back from the list, the state and the run.
pub fn norm_code_cow(s: &str) -> std::borrow::Cow<'_, str> {
    let t = s.quick_trim();
    if t.bytes().all(|b| b.is_ascii() && !b.is_ascii_lowercase()) { t.into() } else { norm_code(s).into() }
}

/// `norm_code` into `out` (cleared first).
pub fn norm_code_into(s: &str, out: &mut String) {
    out.clear();
    crate::text::push_upper(out, s.quick_trim());
}

/// Luhn checksum over ASCII digits.
fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = (b - b'0') as u32;
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// La Poste's establishments (SIREN 356 000 000) break the Luhn rule: their SIRET digits
/// add up to a multiple of 5 instead.
const LA_POSTE: &str = "356000000";

/// Why a SIRET is not valid, or `None` when it is (14 digits, Luhn key).
pub fn siret_problem(s: &str) -> Option<String> {
    siret_problem_of(s, &norm_siret(s))
}

/// `siret_problem` of `s` whose `norm_siret` is `d`.
pub fn siret_problem_of(s: &str, d: &str) -> Option<String> {
    if d.len() != 14 || d.len() != s.chars().filter(|c| !c.is_whitespace()).count() {
        return Some(format!("'{s}' is not 14 digits"));
    }
    let ok = if d.starts_with(LA_POSTE) { d.bytes().map(|b| (b - b'0') as u32).sum::<u32>() % 5 == 0 } else { luhn(d) };
    (!ok).then(|| format!("'{s}' fails the SIRET check digit (Luhn): a typo?"))
}

/// Why a VAT number is not valid, or `None`. French numbers (FR + 2-digit key + SIREN) are
/// checked against their SIREN: key = (12 + 3 × (SIREN mod 97)) mod 97. Other countries:
/// two letters and 2 to 13 letters or digits.
pub fn vat_problem(s: &str) -> Option<String> {
    vat_problem_of(s, &norm_vat(s))
}

/// `vat_problem` of `s` whose `norm_vat` is `v`.
pub fn vat_problem_of(s: &str, v: &str) -> Option<String> {
    if v.len() < 4 || !v.as_bytes()[..2].iter().all(u8::is_ascii_alphabetic) {
        return Some(format!("'{s}' is not a VAT number (two letters and digits, e.g. FR90628194821)"));
    }
    if let Some(rest) = v.strip_prefix("FR") {
        if rest.len() != 11 {
            return Some(format!("'{s}': a French VAT number has 11 characters after FR"));
        }
        let (key, siren) = rest.split_at(2);
        if !siren.bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!("'{s}': the last 9 characters must be the SIREN"));
        }
        // Keys with letters exist (old numbering of some entities): not checkable here.
        if let Ok(k) = key.parse::<u64>() {
            let n: u64 = siren.parse().expect("digits");
            if (12 + 3 * (n % 97)) % 97 != k {
                return Some(format!("'{s}': key {key} does not match SIREN {siren}: a typo?"));
            }
        }
        return None;
    }
    if v.len() > 15 {
        return Some(format!("'{s}' is too long for a VAT number"));
    }
    None
}

/// Why a client code would be refused by Sage, or `None`.
pub fn code_problem(code: &str) -> Option<String> {
    if code.is_empty() {
        return Some("empty code".into());
    }
    if code.chars().count() > 17 {
        return Some(format!("'{code}' is longer than 17 characters"));
    }
    if code.chars().any(|c| c.is_lowercase()) {
        return Some(format!("'{code}' has lowercase letters (Sage codes are uppercase)"));
    }
    if code.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some(format!("'{code}' has spaces"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_already_in_its_form_is_not_copied() {
        for code in ["WEB000530", " web000530 ", "Bouléd", "ÉCOLE1", "", "  ", "A-B_C"] {
            assert_eq!(norm_code_cow(code), norm_code(code), "{code:?}");
        }
        assert!(matches!(norm_code_cow(" WEB000530 "), std::borrow::Cow::Borrowed("WEB000530")));
        assert!(matches!(norm_code_cow("web1"), std::borrow::Cow::Owned(_)));
    }

    #[test]
    fn siret() {
        assert_eq!(siret_problem("628 194 821 00037"), None);
        assert_eq!(siret_problem("73282932000074"), None);
        assert!(siret_problem("62819482100038").unwrap().contains("check digit"));
        assert!(siret_problem("6281948210003").unwrap().contains("14 digits"));
        assert!(siret_problem("6281948210003A").is_some());
        // La Poste: digit sum multiple of 5.
        assert_eq!(siret_problem("35600000000001"), None);
    }

    #[test]
    fn vat() {
        assert_eq!(vat_problem("FR 90 628 194 821"), None);
        assert_eq!(vat_problem("fr28760189555"), None);
        assert!(vat_problem("FR91628194821").unwrap().contains("does not match"));
        assert!(vat_problem("FR9062819482").is_some());
        assert_eq!(vat_problem("BE0123456749"), None);
        assert!(vat_problem("123456").is_some());
    }

    #[test]
    fn codes() {
        assert_eq!(code_problem("WEB000530"), None);
        assert!(code_problem("web000530").is_some());
        assert!(code_problem("ABCDEFGHIJKLMNOPQR").is_some());
        assert!(code_problem("AB CD").is_some());
    }
}
