//! Format Sage values: the typed `Value` a record holds until it is written, and the text
//! forms it is written in (decimal comma, `JJMMAA` dates, `HH:MM:SS` times).

use jiff::civil::{Date, Time};
use rust_decimal::{Decimal, RoundingStrategy};

use serde::Deserialize;

/// The kind of a field, as the layout declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Text,
    Int,
    Dec,
    Date,
    Time,
}

/// The value of one field of a record. Numbers, dates and times stay typed until a writer
/// encodes them, each in its own form (Format Sage: decimal comma and the layout's scale;
/// import paramétrable: the template's decimals, separator and date pattern), so that no
/// writer parses back a text another part of the program formatted.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// Never set: the layout's default is written (an empty line where it has none).
    #[default]
    Unset,
    /// Text as the code, the profile or the client list gives it: trimmed, uppercased,
    /// transliterated and cut to the field's length when written. In a number or date
    /// field (a value of `[customers.fields]` or the template client), written as it is.
    Text(String),
    /// Read from an export and not changed since: written back byte for byte, so an update
    /// never alters a field it does not mean to change.
    Verbatim(String),
    /// Rounded to the field's scale when set (`Record::set`), as Sage's own export writes it.
    Dec(Decimal),
    Int(i64),
    Date(Date),
    Time(Time),
}

impl Value {
    /// The empty text: an explicitly empty field.
    pub const EMPTY: Value = Value::Text(String::new());

    /// May a field of `kind` hold this value? Text fits any field (see `Text`).
    pub fn fits(&self, kind: Kind) -> bool {
        self.borrowed().fits(kind)
    }

    /// A layout default (checked to be of its field's kind) as a typed value.
    pub fn parse_default(kind: Kind, text: &str) -> Value {
        let typed = match kind {
            Kind::Text => None,
            Kind::Dec => parse_dec(text).map(Value::Dec),
            Kind::Int => text.parse().ok().map(Value::Int),
            Kind::Date => parse_date(text).map(Value::Date),
            Kind::Time => parse_time(text).map(Value::Time),
        };
        typed.unwrap_or_else(|| Value::Text(text.to_string()))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_string())
    }
}

impl From<Decimal> for Value {
    fn from(d: Decimal) -> Value {
        Value::Dec(d)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(n)
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Value {
        Value::Int(n.into())
    }
}

impl From<bool> for Value {
    /// Sage's flags: 1 or 0.
    fn from(b: bool) -> Value {
        Value::Int(b.into())
    }
}

impl From<Date> for Value {
    fn from(d: Date) -> Value {
        Value::Date(d)
    }
}

impl From<Time> for Value {
    fn from(t: Time) -> Value {
        Value::Time(t)
    }
}

/// A `Value` whose text is borrowed: what a record written straight from the texts at hand
/// holds (a document's #CHEN: the client's code, its delivery address, the piece), so that
/// none is copied to be written.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum ValueRef<'a> {
    #[default]
    Unset,
    Text(&'a str),
    Verbatim(&'a str),
    Dec(Decimal),
    Int(i64),
    Date(Date),
    Time(Time),
}

impl Value {
    /// This value, its text borrowed.
    #[inline(always)]
    pub fn borrowed(&self) -> ValueRef<'_> {
        match self {
            Value::Unset => ValueRef::Unset,
            Value::Text(s) => ValueRef::Text(s),
            Value::Verbatim(s) => ValueRef::Verbatim(s),
            Value::Dec(d) => ValueRef::Dec(*d),
            Value::Int(n) => ValueRef::Int(*n),
            Value::Date(d) => ValueRef::Date(*d),
            Value::Time(t) => ValueRef::Time(*t),
        }
    }
}

impl ValueRef<'_> {
    /// `Value::fits`.
    pub fn fits(&self, kind: Kind) -> bool {
        match self {
            ValueRef::Unset | ValueRef::Text(_) | ValueRef::Verbatim(_) => true,
            ValueRef::Dec(_) => kind == Kind::Dec,
            ValueRef::Int(_) => kind == Kind::Int,
            ValueRef::Date(_) => kind == Kind::Date,
            ValueRef::Time(_) => kind == Kind::Time,
        }
    }
}

impl From<ValueRef<'_>> for Value {
    fn from(v: ValueRef<'_>) -> Value {
        match v {
            ValueRef::Unset => Value::Unset,
            ValueRef::Text(s) => Value::Text(s.to_string()),
            ValueRef::Verbatim(s) => Value::Verbatim(s.to_string()),
            ValueRef::Dec(d) => Value::Dec(d),
            ValueRef::Int(n) => Value::Int(n),
            ValueRef::Date(d) => Value::Date(d),
            ValueRef::Time(t) => Value::Time(t),
        }
    }
}

impl<'a> From<&'a str> for ValueRef<'a> {
    fn from(s: &'a str) -> ValueRef<'a> {
        ValueRef::Text(s)
    }
}

impl From<i64> for ValueRef<'_> {
    fn from(n: i64) -> Self {
        ValueRef::Int(n)
    }
}

impl From<u32> for ValueRef<'_> {
    fn from(n: u32) -> Self {
        ValueRef::Int(n.into())
    }
}

impl From<Decimal> for ValueRef<'_> {
    fn from(d: Decimal) -> Self {
        ValueRef::Dec(d)
    }
}

impl From<bool> for ValueRef<'_> {
    /// Sage's flags: 1 or 0, as `Value`'s.
    fn from(b: bool) -> Self {
        ValueRef::Int(b.into())
    }
}

impl From<Date> for ValueRef<'_> {
    fn from(d: Date) -> Self {
        ValueRef::Date(d)
    }
}

impl From<Time> for ValueRef<'_> {
    fn from(t: Time) -> Self {
        ValueRef::Time(t)
    }
}

/// `d` rounded to `scale` decimals as `fmt_dec` rounds it.
#[inline]
pub fn round_dec(d: Decimal, scale: u32) -> Decimal {
    // Most values have their scale already (rounded when set, written after): what the
    // library answers too, without its call (a million times at 250,000 rows).
    if d.scale() <= scale {
        return d;
    }
    d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero)
}

/// `186,0000`: rounded once, half away from zero (commercial rounding), decimal comma.
pub fn fmt_dec(d: Decimal, scale: u32) -> String {
    let mut out = String::with_capacity(24);
    push_dec(&mut out, d, scale);
    out
}

/// Where the digits of a value go, as ASCII: a String, or the bytes of a record being
/// written (no UTF-8 to check, no character to encode).
pub trait Ascii {
    fn put(&mut self, b: u8);
    fn put_all(&mut self, b: &[u8]);
}

impl Ascii for String {
    fn put(&mut self, b: u8) {
        debug_assert!(b.is_ascii());
        self.push(char::from(b));
    }
    fn put_all(&mut self, b: &[u8]) {
        debug_assert!(b.is_ascii());
        self.extend(b.iter().map(|&b| char::from(b)));
    }
}

impl Ascii for Vec<u8> {
    fn put(&mut self, b: u8) {
        self.push(b);
    }
    fn put_all(&mut self, b: &[u8]) {
        self.extend_from_slice(b);
    }
}

/// `fmt_dec` appended to `out`, without allocating.
pub fn push_dec(out: &mut impl Ascii, d: Decimal, scale: u32) {
    let r = round_dec(d, scale);
    let m = r.mantissa();
    // Rounding leaves a number with fewer decimals than asked as it is (no rescale: a 96-bit
    // product per number): the comma goes where the mantissa says, the missing decimals are
    // zeros.
    let (actual, scale) = (r.scale() as usize, scale as usize);
    // Nearly every amount: a mantissa of 64 bits and a few decimals, laid out right to left
    // in one buffer (sign, 20 digits, comma, 8 decimals) and appended at once.
    if let Ok(mut n) = u64::try_from(m.unsigned_abs())
        && scale <= 8
    {
        let mut buf = [0u8; 32];
        // The decimals the mantissa lacks are zeros, at most 8: the last 8 bytes are zeros
        // first, the digits written over them from the right.
        buf[24..].copy_from_slice(b"00000000");
        let mut at = buf.len() - (scale - actual);
        for _ in 0..actual {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
        }
        if scale > 0 {
            at -= 1;
            buf[at] = b',';
        }
        at = digits_before(n, &mut buf, at);
        if m < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        out.put_all(&buf[at..]);
        return;
    }
    // The digits of the mantissa (at most 29 for 96 bits), most significant first.
    let mut buf = [0u8; 40];
    let mut n = m.unsigned_abs();
    let mut start = buf.len();
    // Amounts fit in 64 bits, whose division is several times cheaper than 128 bits'.
    while n > u128::from(u64::MAX) {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    start = digits_before(n as u64, &mut buf, start);
    // 0,05: at least one digit before the comma.
    while buf.len() - start <= actual {
        start -= 1;
        buf[start] = b'0';
    }
    let digits = &buf[start..];
    let (int, frac) = digits.split_at(digits.len() - actual);
    if m < 0 {
        out.put(b'-');
    }
    out.put_all(int);
    if scale > 0 {
        out.put(b',');
        out.put_all(frac);
        for _ in actual..scale {
            out.put(b'0');
        }
    }
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
    let mut out = String::with_capacity(6);
    push_date(&mut out, d);
    out
}

/// `fmt_date` appended to `out`.
pub fn push_date(out: &mut impl Ascii, d: Date) {
    // The six digits appended at once (two lines of every document are dated).
    let ([d1, d2], [m1, m2], [y1, y2]) = (two(d.day().into()), two(d.month().into()), two(d.year().rem_euclid(100)));
    out.put_all(&[d1, d2, m1, m2, y1, y2]);
}

/// The two digits of `n` (0..=99).
#[inline]
fn two(n: i16) -> [u8; 2] {
    [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]
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
    let mut out = String::with_capacity(8);
    push_time(&mut out, t);
    out
}

/// `HH:MM:SS` appended to `out`.
pub fn push_time(out: &mut impl Ascii, t: Time) {
    let ([h1, h2], [m1, m2], [s1, s2]) = (two(t.hour().into()), two(t.minute().into()), two(t.second().into()));
    out.put_all(&[h1, h2, b':', m1, m2, b':', s1, s2]);
}

/// The decimal digits of `n` written into `buf` so that they end before `end`; where they
/// start (one digit at least).
fn digits_before(mut n: u64, buf: &mut [u8], end: usize) -> usize {
    let mut start = end;
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return start;
        }
    }
}

/// `n` in decimal appended to `out`, as `n.to_string()` writes it, without the formatting
/// machinery (an integer field on every document record).
pub fn push_int(out: &mut impl Ascii, n: i64) {
    if n < 0 {
        out.put(b'-');
    }
    push_uint(out, n.unsigned_abs());
}

/// `n` in decimal appended to `out`, as `n.to_string()` writes it.
pub fn push_uint(out: &mut impl Ascii, n: u64) {
    let mut buf = [0u8; 20];
    let start = digits_before(n, &mut buf, 20);
    out.put_all(&buf[start..]);
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

    proptest::proptest! {
        #[test]
        fn an_integer_is_written_as_to_string_writes_it(n in proptest::num::i64::ANY) {
            let mut out = String::from("x");
            push_int(&mut out, n);
            proptest::prop_assert_eq!(out, format!("x{n}"));
        }

        #[test]
        fn an_unsigned_integer_is_written_as_to_string_writes_it(n in proptest::num::u64::ANY) {
            let mut out = String::from("x");
            push_uint(&mut out, n);
            proptest::prop_assert_eq!(out, format!("x{n}"));
        }

        /// `JJMMAA` and `HH:MM:SS` as jiff formats them, as text and as bytes.
        #[test]
        fn dates_and_times_are_written_as_jiff_writes_them(
            (y, m, d) in (1900i16..2200, 1i8..=12, 1i8..=28),
            (h, mi, s) in (0i8..24, 0i8..60, 0i8..60),
        ) {
            let (date, time) = (Date::new(y, m, d).unwrap(), Time::new(h, mi, s, 0).unwrap());
            proptest::prop_assert_eq!(fmt_date(date), date.strftime("%d%m%y").to_string());
            proptest::prop_assert_eq!(fmt_time(time), time.strftime("%H:%M:%S").to_string());
            let mut bytes = b"x".to_vec();
            push_date(&mut bytes, date);
            push_time(&mut bytes, time);
            proptest::prop_assert_eq!(bytes, format!("x{}{}", fmt_date(date), fmt_time(time)).into_bytes());
        }
    }

    #[test]
    fn integers_at_the_edges() {
        for n in [0, -1, 9, 10, -10, i64::MAX, i64::MIN] {
            let mut out = String::new();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

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
        // Mantissas past 64 bits go through the 128-bit digits first.
        assert_eq!(fmt_dec(d("79228162514264337593543950335"), 2), "79228162514264337593543950335,00");
        assert_eq!(fmt_dec(d("-18446744073709551616"), 1), "-18446744073709551616,0");
        assert_eq!(fmt_dec(d("18446744073709551615"), 0), "18446744073709551615");
    }

    /// `d` rounded to `scale` decimals as rust_decimal writes it, comma for point, the
    /// missing decimals as zeros: what `fmt_dec` must give.
    fn rust_decimal_text(d: Decimal, scale: u32) -> String {
        let r = round_dec(d, scale);
        let mut want = if r.is_zero() { Decimal::ZERO.to_string() } else { r.to_string() };
        let have_decimals = want.split_once('.').map_or(0, |(_, f)| f.len());
        if scale > 0 && have_decimals == 0 {
            want.push('.');
        }
        want.extend(std::iter::repeat_n('0', scale as usize - have_decimals));
        want.replace('.', ",")
    }

    proptest::proptest! {
        /// The shortcut for a value with few decimals answers as the library does, its
        /// scale (the digits written) included.
        #[test]
        fn rounding_is_the_librarys(lo: u32, mid: u32, hi: u32, neg: bool, from in 0u32..=28, scale in 0u32..=10) {
            let d = Decimal::from_parts(lo, mid, hi, neg, from);
            let lib = d.round_dp_with_strategy(scale, RoundingStrategy::MidpointAwayFromZero);
            let ours = round_dec(d, scale);
            proptest::prop_assert_eq!((ours, ours.scale(), ours.is_sign_negative()), (lib, lib.scale(), lib.is_sign_negative()));
        }

        /// The digits written by hand are rust_decimal's own, comma for point.
        #[test]
        fn decimals_are_rust_decimals_text(lo: u32, mid: u32, hi: u32, neg: bool, from in 0u32..=28, scale in 0u32..=6) {
            let d = Decimal::from_parts(lo, mid, hi, neg, from);
            proptest::prop_assert_eq!(fmt_dec(d, scale), rust_decimal_text(d, scale));
        }

        /// Amounts as the shops give them (a mantissa of 64 bits or less, up to 8 decimals
        /// asked): the digits laid out in one buffer are rust_decimal's own too.
        #[test]
        fn small_decimals_are_rust_decimals_text(m: i64, from in 0u32..=12, scale in 0u32..=9) {
            let d = Decimal::new(m, from);
            proptest::prop_assert_eq!(fmt_dec(d, scale), rust_decimal_text(d, scale));
        }

        /// Written into bytes, every value is the bytes of its text.
        #[test]
        fn values_written_as_bytes_are_their_text(lo: u32, mid: u32, hi: u32, neg: bool, from in 0u32..=28, scale in 0u32..=6, n: i64, day in 0i64..40_000, secs in 0i32..86_400) {
            let d = Decimal::from_parts(lo, mid, hi, neg, from);
            let date = jiff::civil::date(2000, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap();
            let time = jiff::civil::Time::MIN.checked_add(jiff::Span::new().seconds(secs)).unwrap();
            let (mut text, mut bytes) = (String::new(), Vec::new());
            push_dec(&mut text, d, scale);
            push_dec(&mut bytes, d, scale);
            push_int(&mut text, n);
            push_int(&mut bytes, n);
            push_date(&mut text, date);
            push_date(&mut bytes, date);
            push_time(&mut text, time);
            push_time(&mut bytes, time);
            proptest::prop_assert_eq!(text.as_bytes(), &bytes[..]);
        }
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
