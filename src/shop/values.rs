//! Values as shops write them: amounts (plain or locale-formatted), dates in the platforms'
//! formats, booleans, tax rates hidden in labels.

use crate::text::QuickTrim;
use std::str::FromStr;

use jiff::civil::{Date, DateTime, Time};
use rust_decimal::Decimal;

/// An amount: `12.50`, `1 234,56 €`, `€1,234.56`, `-5.0000`, ` -5.00` (Magento's guard).
/// When only one separator occurs followed by exactly three digits the value is ambiguous;
/// `decimal_comma` decides (French locale: `1.234` is a thousand, `1,234`... is 1.234).
pub fn parse_amount(s: &str, decimal_comma: bool) -> Option<Decimal> {
    match plain_amount(s, decimal_comma) {
        Some(read) => read,
        None => parse_amount_general(s, decimal_comma),
    }
}

/// A plain amount (`12.50`, `-3`, `1200`: `-`, digits, at most one dot with digits on both
/// sides, not three after it with `decimal_comma`, which is ambiguous), read in one pass:
/// up to 19 digits gathered in a `u64` and bounded there, no parser (every amount of every
/// row comes here, six or more a row); longer, by `Decimal::from_str`. Bit for bit what
/// `from_str` gives, within `MAX_AMOUNT` (a test compares them). `None`: not plain, read the
/// general way, with its clean-up copies.
fn plain_amount(s: &str, decimal_comma: bool) -> Option<Option<Decimal>> {
    let (negative, digits) = match s.as_bytes() {
        [b'-', rest @ ..] => (true, rest),
        all => (false, all),
    };
    // The digits before the dot, then those after it: two tight loops, no state to test per
    // byte (every amount of every row comes here).
    // The digits from `i` on, gathered into `m`; where they stop.
    let gather = |m: &mut u64, mut i: usize| {
        while let Some(&c) = digits.get(i)
            && c.is_ascii_digit()
        {
            *m = m.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            i += 1;
        }
        i
    };
    let mut m = 0u64;
    let int = gather(&mut m, 0);
    let mut i = int;
    if int == 0 {
        return None;
    }
    let scale = if i == digits.len() {
        0
    } else {
        if digits[i] != b'.' {
            return None;
        }
        i = gather(&mut m, i + 1);
        let after = i - int - 1;
        // Anything after the decimals (a second dot, a letter), none, or three with a decimal
        // comma (ambiguous): not plain.
        if i != digits.len() || after == 0 || (after == 3 && decimal_comma) {
            return None;
        }
        after
    };
    let n = int + scale;
    // 19 digits fit a u64 (20 may not).
    if n > 19 {
        return Some(Decimal::from_str(s).ok().filter(|d| d.abs() < MAX_AMOUNT));
    }
    // |value| < MAX_AMOUNT (10^12) ⇔ mantissa < 10^(12 + scale): at 8 decimals or more every
    // mantissa of 19 digits is below it.
    const BELOW: [u64; 8] = [
        1_000_000_000_000,
        10_000_000_000_000,
        100_000_000_000_000,
        1_000_000_000_000_000,
        10_000_000_000_000_000,
        100_000_000_000_000_000,
        1_000_000_000_000_000_000,
        10_000_000_000_000_000_000,
    ];
    let within = BELOW.get(scale).is_none_or(|&max| m < max);
    Some(within.then(|| Decimal::from_parts(m as u32, (m >> 32) as u32, 0, negative, scale as u32)))
}

fn parse_amount_general(s: &str, decimal_comma: bool) -> Option<Decimal> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{00A0}' | '\u{202F}' | '€' | '$' | '£' | '\''))
        .collect();
    // A currency code before or after the number (`EUR 12.50`, `12,50EUR`) is dropped; any
    // other letter makes the value not a number (`47,2B` is a typo, not 47.2).
    let letters = |x: &str| x.len() - x.trim_end_matches(|c: char| c.is_ascii_alphabetic()).len();
    let t = if letters(&t) == 3 { &t[..t.len() - 3] } else { t.as_str() };
    let leading = t.len() - t.trim_start_matches(|c: char| c.is_ascii_alphabetic()).len();
    let t = if leading == 3 { &t[3..] } else { t };
    if t.is_empty() || t.chars().any(char::is_alphabetic) {
        return None;
    }
    let t = t.to_string();
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
    Decimal::from_str(&normal).ok().filter(|d| d.abs() < MAX_AMOUNT)
}

/// No shop amount or quantity reaches a trillion: a larger value is a broken cell, and
/// keeping values below it keeps every product and sum of them far from `Decimal`'s limits.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

/// A plain decimal as the webservices write it (`1234.560000`), within `MAX_AMOUNT`.
pub fn parse_plain(s: &str) -> Option<Decimal> {
    Decimal::from_str(s.quick_trim()).ok().filter(|d| d.abs() < MAX_AMOUNT)
}

/// A date and time in one of the shops' formats (docs/shop-exports.md). An offset is dropped:
/// the shop's local time is what the accountant expects on the document. Zero dates are `None`.
/// Dates with '/' read day first unless the second number cannot be a month (`3/25/2024`).
pub fn parse_datetime(s: &str) -> Option<DateTime> {
    parse_datetime_as(s, SlashDates::DayFirst).map(|(d, _)| d)
}

/// How a date written with '/' reads when both numbers could be the month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlashDates {
    /// `05/03/2024` = 5 March (French).
    DayFirst,
    /// `3/5/2024` = 5 March (English, WooCommerce plugin samples).
    MonthFirst,
}

/// `parse_datetime` with the order of '/' dates given; the flag is true when the date was
/// ambiguous (both numbers ≤ 12) and `order` decided.
pub fn parse_datetime_as(s: &str, order: SlashDates) -> Option<(DateTime, bool)> {
    let s = s.quick_trim();
    if let Some(d) = iso_datetime(s) {
        return Some((d, false));
    }
    parse_datetime_any(s, order)
}

/// `YYYY-MM-DD HH:MM:SS` (or with `T`), then nothing, or an offset or zone made of digits,
/// signs, colons, spaces and `Z` (Shopify's `2026-11-20 10:42:00 +0100`, two an order): read
/// in place. None for anything else, or a date or time that does not exist; the general
/// reading (`parse_datetime_any`) then decides, and gives the same for this form.
fn iso_datetime(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b' ' | b'T')
        || b[13] != b':'
        || b[16] != b':'
        || !matches!(b.get(19), None | Some(b' ' | b'+' | b'-' | b'Z'))
        || !b[19..].iter().all(|c| matches!(c, b' ' | b'+' | b'-' | b':' | b'Z' | b'0'..=b'9'))
    {
        return None;
    }
    let num = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0i16, |n, &c| c.is_ascii_digit().then(|| n * 10 + i16::from(c - b'0')))
    };
    let small = |from: usize| num(from, from + 2).map(|n| n as i8);
    let date = Date::new(num(0, 4)?, small(5)?, small(8)?).ok()?;
    Some(date.to_datetime(Time::new(small(11)?, small(14)?, small(17)?, 0).ok()?))
}

/// `parse_datetime_as` for any form it reads (`s` trimmed).
fn parse_datetime_any(s: &str, order: SlashDates) -> Option<(DateTime, bool)> {
    if s.is_empty() || s.starts_with("0000-00-00") {
        return None;
    }
    let (date_part, rest) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], s[i + 1..].quick_trim()),
        None => (s, ""),
    };
    let (date, ambiguous) = parse_date(date_part, order)?;
    let mut words = rest.split([' ', '+', 'Z']);
    let time_text = words.next().unwrap_or("");
    // "-0500" offsets after a space were split off above; "14:07:09-05:00" keeps its time.
    let time_text = time_text.split('-').next().unwrap_or("");
    let pm = words.find(|w| !w.is_empty());
    // A time that is there but unreadable makes the whole value unreadable (reported by the
    // caller), rather than a silent midnight.
    let time = if time_text.is_empty() { Time::midnight() } else { parse_time(time_text)? };
    let is = |w: &str| pm.is_some_and(|p| p.eq_ignore_ascii_case(w));
    let time = if is("PM") && time.hour() < 12 {
        time.with().hour(time.hour() + 12).build().ok()?
    } else if is("AM") && time.hour() == 12 {
        time.with().hour(0).build().ok()?
    } else {
        time
    };
    Some((date.to_datetime(time), ambiguous))
}

/// The first `N` pieces of `s` split at `sep`, and how many pieces there are (at most N + 1):
/// `split` without a Vec (two dates an order).
fn pieces<'s, const N: usize>(s: &'s str, sep: &[char]) -> ([&'s str; N], usize) {
    let mut out = [""; N];
    let mut n = 0;
    for p in s.split(sep) {
        if n < N {
            out[n] = p;
        }
        n += 1;
        if n > N {
            break;
        }
    }
    (out, n)
}

fn parse_date(s: &str, order: SlashDates) -> Option<(Date, bool)> {
    let (parts, n) = pieces::<3>(s, &['-', '/', '.']);
    if n != 3 {
        return None;
    }
    let n = |p: &str| p.parse::<i16>().ok();
    let (a, b, c) = (n(parts[0])?, n(parts[1])?, n(parts[2])?);
    let year = |y: i16| if parts[2].len() <= 2 { 2000 + y } else { y };
    let mut ambiguous = false;
    let (y, m, d) = if parts[0].len() == 4 {
        (a, b, c)
    } else if s.contains('/') {
        let month_first = match order {
            SlashDates::MonthFirst => a <= 12 || b > 12,
            SlashDates::DayFirst => b > 12 && a <= 12,
        };
        ambiguous = a <= 12 && b <= 12 && a != b;
        if month_first { (year(c), a, b) } else { (year(c), b, a) }
    } else {
        // dd-mm-YYYY, dd.mm.YYYY (French, WebToffee samples)
        (year(c), b, a)
    };
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok().map(|date| (date, ambiguous))
}

fn parse_time(s: &str) -> Option<Time> {
    let (p, n) = pieces::<3>(s, &[':']);
    if n < 2 {
        return None;
    }
    let h = p[0].parse::<i8>().ok()?;
    let m = p[1].parse::<i8>().ok()?;
    let sec = if n > 2 { p[2].split('.').next().and_then(|x| x.parse::<i8>().ok()).unwrap_or(0) } else { 0 };
    Time::new(h, m, sec, 0).ok()
}

/// `yes`/`true`/`1`/`oui` → true.
pub fn parse_bool(s: &str) -> Option<bool> {
    // Read on every line of an order: compared in place, no lowercase copy.
    let s = s.quick_trim();
    let any = |words: &[&str]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
    if any(&["yes", "true", "1", "oui", "vrai"]) {
        Some(true)
    } else if any(&["no", "false", "0", "non", "faux"]) {
        Some(false)
    } else {
        None
    }
}

/// The rate in a tax label: `FR TVA 20%` → 20, `TVA 5,5 %` → 5.5, `GST 10%` → 10.
pub fn rate_in_label(label: &str) -> Option<Decimal> {
    let before = label[..label.rfind('%')?].trim_end();
    // The number just before the `%`: a slice of the label (ASCII, so any byte is a boundary).
    let start =
        before.len() - before.bytes().rev().take_while(|b| b.is_ascii_digit() || *b == b'.' || *b == b',').count();
    let digits = &before[start..];
    if digits.contains(',') {
        Decimal::from_str(&digits.replace(',', ".")).ok()
    } else {
        Decimal::from_str(digits).ok()
    }
}

/// VAT rates of France (mainland, Corsica, overseas departments) a computed rate is snapped
/// to, besides the rates the order itself names.
pub const KNOWN_RATES: &[Decimal] = &[
    Decimal::from_parts(20, 0, 0, false, 0),
    Decimal::from_parts(10, 0, 0, false, 0),
    Decimal::from_parts(55, 0, 0, false, 1),
    Decimal::from_parts(21, 0, 0, false, 1),
    Decimal::from_parts(85, 0, 0, false, 1),
    Decimal::from_parts(0, 0, 0, false, 0),
];

/// The rate (percent) among `candidates` and `KNOWN_RATES` that turns `base` into `tax` to
/// the half cent, the closest one winning; `Err(raw rate)` when none fits (rounded to 2
/// decimals), `Ok(None)` when `base` is zero (nothing to tell).
pub fn snap_rate(base: Decimal, tax: Decimal, candidates: &[Decimal]) -> Result<Option<Decimal>, Decimal> {
    if base.is_zero() {
        return Ok(None);
    }
    let half_cent = Decimal::new(5, 3);
    let mut best: Option<(Decimal, Decimal)> = None;
    for c in candidates.iter().chain(KNOWN_RATES) {
        let diff = (base * c / Decimal::ONE_HUNDRED - tax).abs();
        if diff <= half_cent && best.is_none_or(|(_, d)| diff < d) {
            best = Some((c.normalize(), diff));
        }
    }
    match best {
        Some((rate, _)) => Ok(Some(rate)),
        None => Err(tax
            .checked_div(base)
            .and_then(|r| r.checked_mul(Decimal::ONE_HUNDRED))
            .map(|r| r.round_dp(2).normalize())
            .unwrap_or_default()),
    }
}

/// HTML as shops leave it in names and notes (WooCommerce): entities decoded, tags removed
/// (`<br>` becomes a newline). The flag says whether tags were removed.
pub fn decode_html(s: &str) -> (String, bool) {
    if !s.contains(['&', '<']) {
        return (s.to_string(), false);
    }
    let mut out = String::with_capacity(s.len());
    let mut tags = false;
    let mut rest = s;
    while let Some(i) = rest.find(['&', '<']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let tag_like = rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/' || c == '!');
            match rest.find('>').filter(|_| tag_like) {
                Some(end) => {
                    let tag = rest[1..end].quick_trim().trim_end_matches('/').quick_trim().to_ascii_lowercase();
                    if tag == "br" || tag == "br /" || tag == "/p" {
                        out.push('\n');
                    }
                    tags = true;
                    rest = &rest[end + 1..];
                }
                None => {
                    out.push('<');
                    rest = &rest[1..];
                }
            }
            continue;
        }
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| entity(&rest[1..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push_str(c.as_str());
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    (out, tags)
}

fn entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    let c = match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => "\u{a0}",
        "ndash" => "–",
        "mdash" => "—",
        "lsquo" => "‘",
        "rsquo" => "’",
        "ldquo" => "“",
        "rdquo" => "”",
        "laquo" => "«",
        "raquo" => "»",
        "hellip" => "…",
        "euro" => "€",
        "eacute" => "é",
        "egrave" => "è",
        "ecirc" => "ê",
        "agrave" => "à",
        "acirc" => "â",
        "ccedil" => "ç",
        "ocirc" => "ô",
        "ucirc" => "û",
        "ugrave" => "ù",
        "icirc" => "î",
        "iuml" => "ï",
        "euml" => "ë",
        "oelig" => "œ",
        "OElig" => "Œ",
        "Eacute" => "É",
        "times" => "×",
        "deg" => "°",
        _ => return None,
    };
    Some(c.to_string())
}

/// Splits "Marie Dupont" into ("Marie", "Dupont") and "Jean-Marc de La Tour" into
/// ("Jean-Marc", "de La Tour"): the first word is the first name (French usage). A guess:
/// callers report it.
pub fn split_name(full: &str) -> (String, String) {
    let (mut first, mut last) = (String::new(), String::new());
    split_name_into(full, &mut first, &mut last);
    (first, last)
}

/// `split_name` into two texts a reader reuses (emptied first).
pub fn split_name_into(full: &str, first: &mut String, last: &mut String) {
    let full = full.quick_trim();
    let (f, l) = match full.split_once(char::is_whitespace) {
        Some((f, l)) => (f, l.quick_trim()),
        None => ("", full),
    };
    first.clear();
    first.push_str(f);
    last.clear();
    last.push_str(l);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The readings before they were made without allocating: the reference they must match.
    mod before {
        use super::*;

        pub fn parse_bool(s: &str) -> Option<bool> {
            match s.quick_trim().to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" | "oui" | "vrai" => Some(true),
                "no" | "false" | "0" | "non" | "faux" => Some(false),
                _ => None,
            }
        }

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

        pub fn parts(s: &str, sep: &[char]) -> Vec<String> {
            s.split(sep).map(str::to_string).collect()
        }
    }

    #[test]
    fn plain_amounts_at_the_edges_are_the_parsers() {
        let edges = [
            "0",
            "-0",
            "-0.00",
            "0.0",
            "007.50",
            "-12.340",
            "18446744073709551615",
            "9999999999999999999.9",
            "999999999999.99",
            "1000000000000",
            "-1000000000000.0",
            "-999999999999",
        ];
        for s in edges {
            let parsed = Decimal::from_str(s).ok().filter(|d| d.abs() < MAX_AMOUNT);
            assert_eq!(parse_amount(s, false).map(|d| d.serialize()), parsed.map(|d| d.serialize()), "{s}");
        }
    }

    proptest::proptest! {
        /// A plain amount is what the parser and the bound give, to the bit; only an
        /// ambiguous one (three decimals, decimal comma) goes the general way.
        #[test]
        fn a_plain_amount_is_the_parsers(neg in proptest::bool::ANY, int in "[0-9]{1,21}", frac in proptest::option::of("[0-9]{1,21}"), comma in proptest::bool::ANY) {
            let s = format!("{}{int}{}", if neg { "-" } else { "" }, frac.as_ref().map(|f| format!(".{f}")).unwrap_or_default());
            let parsed = Decimal::from_str(&s).ok().filter(|d| d.abs() < MAX_AMOUNT);
            match plain_amount(&s, comma) {
                Some(d) => proptest::prop_assert_eq!(d.map(|d| d.serialize()), parsed.map(|p| p.serialize()), "{}", s),
                // Only three decimals with a decimal comma go the general way.
                None => proptest::prop_assert!(comma && frac.as_ref().is_some_and(|f| f.len() == 3), "{}", s),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn a_boolean_reads_as_before(s in "(?i)( ?(yes|true|1|oui|vrai|no|false|0|non|faux|né|x) ?){1,2}") {
            proptest::prop_assert_eq!(parse_bool(&s), before::parse_bool(&s));
        }

        #[test]
        fn a_rate_in_a_label_reads_as_before(s in "[A-Zé ]{0,6}[0-9.,]{0,5} ?%?[ %0-9A-Z]{0,4}") {
            proptest::prop_assert_eq!(rate_in_label(&s), before::rate_in_label(&s));
        }

        /// The ISO form read in place reads as the general reading reads it, whatever
        /// follows the time (offsets, zones, AM/PM, fractions, stray text), and a date or
        /// time that does not exist is none.
        #[test]
        fn an_iso_datetime_reads_as_any_form(
            (y, m, d) in (0u16..2100, 0u8..14, 0u8..33),
            (h, mi, sec) in (0u8..26, 0u8..61, 0u8..61),
            sep in "[ T/]",
            after in "( ?[+-][0-9]{2}:?[0-9]{2}|Z| UTC| PM| am|[.][0-9]{3}|:00|[0-9]| - |)",
            order: bool,
        ) {
            let s = format!("{y:04}-{m:02}-{d:02}{sep}{h:02}:{mi:02}:{sec:02}{after}");
            let order = if order { SlashDates::DayFirst } else { SlashDates::MonthFirst };
            proptest::prop_assert_eq!(parse_datetime_as(&s, order), parse_datetime_any(&s, order), "{}", s);
        }

        /// Pieces as `split` gives them, up to N, and their count up to N + 1.
        #[test]
        fn pieces_are_those_of_split(s in "[0-9:./-]{0,12}") {
            let all = before::parts(&s, &['-', '/', '.', ':']);
            let (got, n) = pieces::<3>(&s, &['-', '/', '.', ':']);
            proptest::prop_assert_eq!(n, all.len().min(4));
            for (i, p) in all.iter().take(3).enumerate() {
                proptest::prop_assert_eq!(got[i], p.as_str());
            }
        }

        /// Dates and times read as before, AM/PM in any case.
        #[test]
        fn a_datetime_reads_whole(d in 1u8..29, m in 1u8..13, y in 2000u16..2040, h in 0u8..24, mi in 0u8..60, pm in "( (am|PM|Pm|aM))?") {
            let text = format!("{d:02}/{m:02}/{y} {h}:{mi:02}:07{pm}");
            let got = parse_datetime_as(&text, SlashDates::DayFirst).map(|(dt, _)| dt);
            let hour = match pm.quick_trim().to_ascii_uppercase().as_str() {
                "PM" if h < 12 => h + 12,
                "AM" if h == 12 => 0,
                _ => h,
            };
            let want = Date::new(y as i16, m as i8, d as i8).unwrap().at(hour as i8, mi as i8, 7, 0);
            proptest::prop_assert_eq!(got, Some(want));
        }

        /// The fast path for plain numbers answers exactly what the general parser does.
        #[test]
        fn plain_amounts_read_as_the_general_parser_reads_them(
            s in "-?[0-9]{0,13}(\\.[0-9]{0,7})?|[-0-9.]{1,9}",
            comma in proptest::bool::ANY,
        ) {
            proptest::prop_assert_eq!(parse_amount(&s, comma), parse_amount_general(&s, comma), "{}", s);
        }
    }

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
        assert_eq!(parse_amount("EUR 12.50", false), Some(d("12.50")));
        assert_eq!(parse_amount("12,50 EUR", true), Some(d("12.50")));
        assert_eq!(parse_amount("47,2B", true), None);
        assert_eq!(parse_amount("12.5x", false), None);
        assert_eq!(parse_amount("1O.00", false), None);
        assert_eq!(parse_amount("999999999999.99", false), Some(d("999999999999.99")));
        assert_eq!(parse_amount("1000000000000", false), None);
        assert_eq!(MAX_AMOUNT, d("1000000000000"));
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
        let mdy = |s: &str| parse_datetime_as(s, SlashDates::MonthFirst).map(|(x, a)| (x.to_string(), a));
        assert_eq!(mdy("3/5/2024 9:05"), Some(("2024-03-05T09:05:00".into(), true)));
        assert_eq!(mdy("25/3/2024 9:05"), Some(("2024-03-25T09:05:00".into(), false)));
        assert_eq!(mdy("3/5/24 9:05"), Some(("2024-03-05T09:05:00".into(), true)));
        assert_eq!(dt("05/03/2024").as_deref(), Some("2024-03-05T00:00:00"));
        assert_eq!(mdy("2024-03-05T14:07:09+01:00").map(|x| x.0).as_deref(), Some("2024-03-05T14:07:09"));
        assert_eq!(mdy("3/25/2024 9:05 PM").map(|x| x.0).as_deref(), Some("2024-03-25T21:05:00"));
        assert_eq!(mdy("3/25/2024 12:30 am").map(|x| x.0).as_deref(), Some("2024-03-25T00:30:00"));
        assert_eq!(dt("2024-03-05 25:99"), None, "an unreadable time is not midnight");
        assert_eq!(dt("2024-257-05"), None, "a month that does not fit is not wrapped");
        assert_eq!(dt("05/259/2024"), None);
    }

    #[test]
    fn rates_snap_to_known_ones() {
        assert_eq!(snap_rate(d("1.23"), d("0.25"), &[]), Ok(Some(d("20"))));
        assert_eq!(snap_rate(d("28.80"), d("1.58"), &[]), Ok(Some(d("5.5"))));
        assert_eq!(snap_rate(d("29.166667"), d("5.833333"), &[]), Ok(Some(d("20"))));
        assert_eq!(snap_rate(d("10"), d("0"), &[]), Ok(Some(d("0"))));
        assert_eq!(snap_rate(d("100"), d("19"), &[d("19")]), Ok(Some(d("19"))));
        assert_eq!(snap_rate(d("100"), d("19"), &[]), Err(d("19")));
        assert_eq!(snap_rate(d("0"), d("0"), &[]), Ok(None));
    }

    #[test]
    fn html_in_names() {
        assert_eq!(
            decode_html("Th&eacute; &amp; caf&#233; &#8211; 1&nbsp;kg"),
            ("Thé & café – 1\u{a0}kg".into(), false)
        );
        assert_eq!(decode_html("Ligne 1<br />Ligne 2"), ("Ligne 1\nLigne 2".into(), true));
        assert_eq!(decode_html("R&D <b>bio</b>"), ("R&D bio".into(), true));
        assert_eq!(decode_html("a < b & c"), ("a < b & c".into(), false));
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
