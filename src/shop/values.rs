//! Values as shops write them: amounts (plain or locale-formatted), dates in the platforms'
//! formats, booleans, tax rates hidden in labels.

use std::str::FromStr;

use jiff::civil::{Date, DateTime, Time};
use rust_decimal::Decimal;

/// An amount: `12.50`, `1 234,56 €`, `€1,234.56`, `-5.0000`, ` -5.00` (Magento's guard).
/// When only one separator occurs followed by exactly three digits the value is ambiguous;
/// `decimal_comma` decides (French locale: `1.234` is a thousand, `1,234`... is 1.234).
pub fn parse_amount(s: &str, decimal_comma: bool) -> Option<Decimal> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{202F}' | '€' | '$' | '£' | '\''))
        .filter(|c| !c.is_alphabetic())
        .collect();
    if t.is_empty() {
        return None;
    }
    let (comma, dot) = (t.rfind(','), t.rfind('.'));
    let normal = match (comma, dot) {
        (Some(c), Some(d)) if c > d => t.replace('.', "").replacen(',', ".", 1),
        (Some(_), Some(_)) => t.replace(',', ""),
        (Some(c), None) => {
            let after = t.len() - c - 1;
            if t.matches(',').count() > 1 || (after == 3 && !decimal_comma) {
                t.replace(',', "")
            } else {
                t.replacen(',', ".", 1)
            }
        }
        (None, Some(d)) => {
            let after = t.len() - d - 1;
            if t.matches('.').count() > 1
                || (after == 3 && decimal_comma && !t.starts_with("0.") && !t.starts_with("-0."))
            {
                t.replace('.', "")
            } else {
                t
            }
        }
        (None, None) => t,
    };
    Decimal::from_str(&normal).ok()
}

/// A date and time in one of the shops' formats (SHOP-EXPORTS.md §8.12). An offset is dropped:
/// the shop's local time is what the accountant expects on the document. Zero dates are `None`.
pub fn parse_datetime(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if s.is_empty() || s.starts_with("0000-00-00") {
        return None;
    }
    let (date_part, rest) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].trim()),
        None => (s, ""),
    };
    let date = parse_date(date_part)?;
    let time_text = rest.split([' ', '+', 'Z']).next().unwrap_or("");
    // "-0500" offsets after a space were split off above; "14:07:09-05:00" keeps its time.
    let time_text = time_text.split('-').next().unwrap_or("");
    let time = parse_time(time_text).unwrap_or(Time::midnight());
    Some(date.to_datetime(time))
}

fn parse_date(s: &str) -> Option<Date> {
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if parts.len() != 3 {
        return None;
    }
    let n = |p: &str| p.parse::<i16>().ok();
    let (a, b, c) = (n(parts[0])?, n(parts[1])?, n(parts[2])?);
    let (y, m, d) = if parts[0].len() == 4 {
        (a, b, c)
    } else if s.contains('/') && parts[2].len() == 4 && b > 12 {
        // m/d/YYYY (Excel in English, WooCommerce samples)
        (c, a, b)
    } else {
        // dd-mm-YYYY, dd/mm/YYYY (French)
        (if c < 100 { 2000 + c } else { c }, b, a)
    };
    Date::new(y, m as i8, d as i8).ok()
}

fn parse_time(s: &str) -> Option<Time> {
    let p: Vec<&str> = s.split(':').collect();
    if p.len() < 2 {
        return None;
    }
    let h = p[0].parse::<i8>().ok()?;
    let m = p[1].parse::<i8>().ok()?;
    let sec = p.get(2).and_then(|x| x.split('.').next()).and_then(|x| x.parse::<i8>().ok()).unwrap_or(0);
    Time::new(h, m, sec, 0).ok()
}

/// `yes`/`true`/`1`/`oui` → true.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" | "oui" | "vrai" => Some(true),
        "no" | "false" | "0" | "non" | "faux" => Some(false),
        _ => None,
    }
}

/// The rate in a tax label: `FR TVA 20%` → 20, `TVA 5,5 %` → 5.5, `GST 10%` → 10.
pub fn rate_in_label(label: &str) -> Option<Decimal> {
    let before = &label[..label.rfind('%')?];
    let digits: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ',')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Decimal::from_str(&digits.replace(',', ".")).ok()
}

/// Splits "Marie Dupont" into ("Marie", "Dupont") and "Jean-Marc de La Tour" into
/// ("Jean-Marc", "de La Tour"): the first word is the first name (French usage).
pub fn split_name(full: &str) -> (String, String) {
    let full = full.trim();
    match full.split_once(char::is_whitespace) {
        Some((f, l)) => (f.to_string(), l.trim().to_string()),
        None => (String::new(), full.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("12.50", false), Some(d("12.50")));
        assert_eq!(parse_amount("1 234,56 €", true), Some(d("1234.56")));
        assert_eq!(parse_amount("1\u{202F}234,56\u{A0}€", true), Some(d("1234.56")));
        assert_eq!(parse_amount("€1,234.56", false), Some(d("1234.56")));
        assert_eq!(parse_amount("1.234,56", true), Some(d("1234.56")));
        assert_eq!(parse_amount(" -5.0000", false), Some(d("-5")));
        assert_eq!(parse_amount("1.234", true), Some(d("1234")));
        assert_eq!(parse_amount("1.234", false), Some(d("1.234")));
        assert_eq!(parse_amount("0.125", true), Some(d("0.125")));
        assert_eq!(parse_amount("", false), None);
        assert_eq!(parse_amount("abc", false), None);
    }

    #[test]
    fn dates() {
        let dt = |s: &str| parse_datetime(s).map(|x| x.to_string());
        assert_eq!(dt("2024-03-05 14:07:09 +0100").as_deref(), Some("2024-03-05T14:07:09"));
        assert_eq!(dt("2024-03-05T14:07:09-05:00").as_deref(), Some("2024-03-05T14:07:09"));
        assert_eq!(dt("05-03-2024 14:07:09").as_deref(), Some("2024-03-05T14:07:09"));
        assert_eq!(dt("3/25/2024 9:05").as_deref(), Some("2024-03-25T09:05:00"));
        assert_eq!(dt("2024-03-05").as_deref(), Some("2024-03-05T00:00:00"));
        assert_eq!(dt("0000-00-00 00:00:00"), None);
        assert_eq!(dt("demain"), None);
    }

    #[test]
    fn tax_labels() {
        assert_eq!(rate_in_label("FR TVA 20%"), Some(d("20")));
        assert_eq!(rate_in_label("TVA 5,5 %"), Some(d("5.5")));
        assert_eq!(rate_in_label("IT IVA 22%"), Some(d("22")));
        assert_eq!(rate_in_label("Shipping"), None);
    }

    #[test]
    fn names() {
        assert_eq!(split_name("Marie Dupont"), ("Marie".into(), "Dupont".into()));
        assert_eq!(split_name("Jean-Marc de La Tour"), ("Jean-Marc".into(), "de La Tour".into()));
        assert_eq!(split_name("Dupont"), ("".into(), "Dupont".into()));
    }
}
