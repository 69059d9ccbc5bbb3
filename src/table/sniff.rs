//! Encoding and delimiter sniffing for CSV files that Excel, a shop or Sage may have written.
//!
//! Encoding: a BOM decides; else the sample is valid UTF-8 (the shops' default) or it is not,
//! and then Windows-1252 (Excel "CSV (séparateur : point-virgule)") or MacRoman (Excel for
//! Mac), told apart by where the accented letters sit (docs/shop-exports.md).

use std::io::{self, Read};

use encoding_rs::{Encoding, MACINTOSH, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// Bytes read to sniff; also the first chunk handed to the parser.
pub const SAMPLE: usize = 64 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    pub encoding: &'static Encoding,
    /// Length of the BOM to skip.
    pub bom: usize,
    /// True when the encoding came from a guess (no BOM, not UTF-8).
    pub guessed: bool,
}

impl Sniffed {
    pub fn label(&self) -> String {
        let base = match self.encoding.name() {
            "UTF-8" => "utf-8",
            "windows-1252" => "windows-1252",
            "macintosh" => "macintosh",
            "UTF-16LE" => "utf-16le",
            "UTF-16BE" => "utf-16be",
            other => other,
        };
        if self.bom > 0 { format!("{base} (BOM)") } else { base.to_string() }
    }
}

/// The encoding named by a profile ("utf-8", "windows-1252", "latin1", "ansi", "macroman"...).
pub fn encoding_by_label(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().to_ascii_lowercase();
    match l.as_str() {
        "ansi" | "cp1252" | "win1252" => Some(WINDOWS_1252),
        "macroman" | "mac" | "mac-roman" => Some(MACINTOSH),
        "utf8" => Some(UTF_8),
        _ => Encoding::for_label(l.as_bytes()),
    }
}

pub fn delimiter_by_label(label: &str) -> Option<u8> {
    match label {
        "tab" | "\\t" | "\t" => Some(b'\t'),
        s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => Some(s.as_bytes()[0]),
        _ => None,
    }
}

pub fn delimiter_label(d: u8) -> String {
    if d == b'\t' { "tab".into() } else { (d as char).to_string() }
}

/// Decides the encoding of a file from its first bytes.
pub fn sniff_encoding(sample: &[u8], forced: Option<&'static Encoding>) -> Sniffed {
    if let Some((enc, bom)) = Encoding::for_bom(sample) {
        return Sniffed { encoding: enc, bom, guessed: false };
    }
    if let Some(enc) = forced {
        return Sniffed { encoding: enc, bom: 0, guessed: false };
    }
    if utf8_prefix_valid(sample) {
        return Sniffed { encoding: UTF_8, bom: 0, guessed: false };
    }
    Sniffed { encoding: single_byte_guess(sample), bom: 0, guessed: true }
}

/// Valid UTF-8, allowing the sample to end in the middle of a character.
fn utf8_prefix_valid(sample: &[u8]) -> bool {
    match std::str::from_utf8(sample) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && sample.len() - e.valid_up_to() < 4,
    }
}

/// Windows-1252 or MacRoman. MacRoman puts accented letters in 0x80–0x9F, where Windows-1252
/// has punctuation (or nothing: 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined there).
fn single_byte_guess(sample: &[u8]) -> &'static Encoding {
    let mut low = 0usize; // 0x80..=0x9F that are letters in MacRoman and not common cp1252 punctuation
    let mut high = 0usize; // 0xC0..=0xFF: letters in cp1252
    for &b in sample {
        match b {
            0x81 | 0x8D | 0x8F | 0x90 | 0x9D => return MACINTOSH,
            // € ‚ „ … ‘ ’ “ ” • – — ™ œ Œ: frequent in cp1252 text
            0x80 | 0x82 | 0x84 | 0x85 | 0x91..=0x97 | 0x99 | 0x9C | 0x8C => {}
            0x80..=0x9F => low += 1,
            0xC0..=0xFF => high += 1,
            _ => {}
        }
    }
    if low > high { MACINTOSH } else { WINDOWS_1252 }
}

/// Counts `,` `;` and tab outside quotes in the first record and picks the most frequent
/// (comma on a tie, as the shops write it).
pub fn sniff_delimiter(sample: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in sample {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t'];
    let mut best = 0;
    for i in 1..3 {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    cands[best]
}

/// A reader that turns any encoding into UTF-8 as it goes (UTF-16 and single-byte files), so
/// the CSV parser always sees UTF-8. UTF-8 input is not wrapped.
pub struct DecodeReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    inbuf: Vec<u8>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    /// The decoder was told the input ended: it must not be called again.
    finished: bool,
    out: Vec<u8>,
    out_start: usize,
    out_end: usize,
}

impl<R: Read> DecodeReader<R> {
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodeReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            inbuf: vec![0; 32 * 1024],
            in_start: 0,
            in_end: 0,
            eof: false,
            finished: false,
            out: vec![0; 3 * 32 * 1024 + 16],
            out_start: 0,
            out_end: 0,
        }
    }
}

impl<R: Read> Read for DecodeReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.out[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.eof && self.in_start == self.in_end {
                if self.finished {
                    return Ok(0);
                }
                // Flush what the decoder holds (e.g. a lone half of a UTF-16 pair), once.
                self.finished = true;
                let (_, _, written, _) = self.decoder.decode_to_utf8(&[], &mut self.out, true);
                if written == 0 {
                    return Ok(0);
                }
                self.out_start = 0;
                self.out_end = written;
                continue;
            }
            if self.in_start == self.in_end && !self.eof {
                let n = self.inner.read(&mut self.inbuf)?;
                self.in_start = 0;
                self.in_end = n;
                if n == 0 {
                    self.eof = true;
                    continue;
                }
            }
            let (_, read, written, _) =
                self.decoder.decode_to_utf8(&self.inbuf[self.in_start..self.in_end], &mut self.out, false);
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
        }
    }
}

pub fn is_utf16(e: &'static Encoding) -> bool {
    e == UTF_16LE || e == UTF_16BE
}

/// Does `body` (the bytes after a UTF-16 byte order mark) read as UTF-16 text? An export
/// has line breaks or delimiters; 8-bit text behind a UTF-16 mark reads as random
/// characters, none of which is one of those (each would need a NUL byte). Decided on the
/// sample alone, so a damaged file fails at once instead of being decoded as one endless
/// line.
pub fn plausible_utf16(body: &[u8], encoding: &'static Encoding) -> bool {
    let (text, _) = encoding.decode_without_bom_handling(body);
    text.chars().any(|c| matches!(c, '\n' | '\r' | ',' | ';' | '\t'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_utf8() {
        assert_eq!(sniff_encoding(b"\xEF\xBB\xBFa,b", None).bom, 3);
        assert_eq!(sniff_encoding("Prénom,Nom".as_bytes(), None).encoding, UTF_8);
        // Sample cut inside "é": still UTF-8.
        assert_eq!(sniff_encoding(&"Prénom".as_bytes()[..3], None).encoding, UTF_8);
        assert_eq!(sniff_encoding(b"\xFF\xFEa\x00", None).encoding, UTF_16LE);
    }

    #[test]
    fn windows_1252_and_macroman() {
        assert_eq!(sniff_encoding(b"Pr\xE9nom;Soci\xE9t\xE9;L\x92\x9Cuf", None).encoding, WINDOWS_1252);
        // MacRoman: é = 0x8E, è = 0x8F
        assert_eq!(sniff_encoding(b"Pr\x8Enom;Lef\x8Fvre", None).encoding, MACINTOSH);
        assert_eq!(sniff_encoding(b"Pr\x8Enom;Dup\x8Ant", None).encoding, MACINTOSH);
    }

    #[test]
    fn eight_bit_text_behind_a_utf16_mark_is_not_utf16() {
        let mut real = Vec::new();
        for u in "Prénom;Nom\r\nÉlise;Dubœuf\r\n".encode_utf16() {
            real.extend_from_slice(&u.to_le_bytes());
        }
        assert!(plausible_utf16(&real, UTF_16LE));
        assert!(!plausible_utf16("Prénom,Nom\nÉlise,Dubœuf\n".as_bytes(), UTF_16LE));
        assert!(!plausible_utf16(b"Pr\xe9nom;Nom\r\n\xc9lise;Dub\x9cuf\r\n", UTF_16LE));
    }

    #[test]
    fn delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1;2"), b',');
        assert_eq!(sniff_delimiter(b"\"a,1\";b;c\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc;d\n"), b'\t');
    }

    #[test]
    fn decode_reader_flushes_once_and_stays_at_the_end() {
        // A UTF-16 file cut inside a character leaves the decoder something to flush.
        let mut r = DecodeReader::new(&b"a\x00b"[..], UTF_16LE);
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, "a\u{FFFD}".as_bytes());
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf).unwrap(), 0);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn decode_reader_transcodes_utf16() {
        let mut src = Vec::new();
        for u in "Prénom;Œuf\r\n".encode_utf16() {
            src.extend_from_slice(&u.to_le_bytes());
        }
        let mut out = String::new();
        DecodeReader::new(&src[..], UTF_16LE).read_to_string(&mut out).unwrap();
        assert_eq!(out, "Prénom;Œuf\r\n");
    }
}
