//! Text forms of Format Sage values: decimal comma, `JJMMAA` dates, `HH:MM:SS` times.

use jiff::civil::{Date, Time};
use rust_decimal::{Decimal, RoundingStrategy};

/// `186,0000`: rounded once, half away from zero (commercial rounding), decimal comma.
pub fn fmt_dec(d: Decimal, scale: u32) -> String {
    let mut r = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(scale);
    let m = r.mantissa();
    // `rescale` keeps fewer decimals when the number is too large for the scale asked: the
    // comma goes where the mantissa says, the missing decimals are zeros.
    let (actual, scale) = (r.scale() as usize, scale as usize);
    let mut digits = m.unsigned_abs().to_string();
    if digits.len() <= actual {
        // 0,05: at least one digit before the comma.
        digits.insert_str(0, &"0".repeat(actual + 1 - digits.len()));
    }
    let (int, frac) = digits.split_at(digits.len() - actual);
    let mut out = String::with_capacity(digits.len() + 2);
    if m < 0 {
        out.push('-');
    }
    out.push_str(int);
    if scale > 0 {
        out.push(',');
        out.push_str(frac);
        out.extend(std::iter::repeat_n('0', scale - actual));
    }
    out
}

/// Parses a Format Sage number: comma decimal, optional sign. A `.` is refused (the validator
/// flags it), as are thousands separators.
pub fn parse_dec(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.contains('.') || text.contains(' ') {
        return None;
    }
    let t = text.replacen(',', ".", 1);
    if t.contains(',') {
        return None;
    }
    t.parse::<Decimal>().ok()
}

/// Number of decimals written in `text` (`186,0000` → 4).
pub fn decimals_of(text: &str) -> usize {
    text.find(',').map(|p| text.len() - p - 1).unwrap_or(0)
}

/// `JJMMAA`.
pub fn fmt_date(d: Date) -> String {
    format!("{:02}{:02}{:02}", d.day(), d.month(), d.year().rem_euclid(100))
}

/// `JJMMAA` read as 2000–2099 (the file has two-digit years only).
pub fn parse_date(text: &str) -> Option<Date> {
    if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i16>().ok();
    let (d, m, y) = (n(0..2)?, n(2..4)?, n(4..6)?);
    Date::new(2000 + y, m as i8, d as i8).ok()
}

pub fn fmt_time(t: Time) -> String {
    format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

pub fn parse_time(text: &str) -> Option<Time> {
    let b = text.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text[r].parse::<i8>().ok();
    Time::new(n(0..2)?, n(3..5)?, n(6..8)?, 0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_use_a_comma_and_round_half_away_from_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(fmt_dec(d("186"), 4), "186,0000");
        assert_eq!(fmt_dec(d("0"), 2), "0,00");
        assert_eq!(fmt_dec(d("2.345"), 2), "2,35");
        assert_eq!(fmt_dec(d("-2.345"), 2), "-2,35");
        assert_eq!(fmt_dec(d("-0.001"), 2), "0,00");
        // Too large for 10 decimals in 96 bits: the comma stays in its place.
        assert_eq!(fmt_dec(d("12345678901234567890123"), 10), "12345678901234567890123,0000000000");
        assert_eq!(fmt_dec(d("0"), 6), "0,000000");
        assert_eq!(fmt_dec(d("0.05"), 2), "0,05");
        assert_eq!(fmt_dec(d("-0.05"), 2), "-0,05");
        assert_eq!(fmt_dec(d("7"), 0), "7");
        assert_eq!(fmt_dec(d("1234567.891"), 2), "1234567,89");
    }

    #[test]
    fn numbers_parse_back() {
        assert_eq!(parse_dec("152,52"), Some(Decimal::from_str("152.52").unwrap()));
        assert_eq!(parse_dec("-5"), Some(Decimal::from(-5)));
        assert_eq!(parse_dec("152.52"), None);
        assert_eq!(parse_dec("1 234,00"), None);
        assert_eq!(decimals_of("20,0000"), 4);
    }

    #[test]
    fn dates_are_jjmmaa() {
        let d = Date::new(2022, 1, 2).unwrap();
        assert_eq!(fmt_date(d), "020122");
        assert_eq!(parse_date("020122"), Some(d));
        assert_eq!(parse_date("310222"), None);
        assert_eq!(parse_date("000000"), None);
        assert_eq!(fmt_time(Time::new(17, 51, 11, 0).unwrap()), "17:51:11");
        assert!(parse_time("17:51:11").is_some());
        assert!(parse_time("25:00:00").is_none());
    }
}
