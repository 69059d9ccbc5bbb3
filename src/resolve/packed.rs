//! The blocks of existing clients rewritten in this run, kept packed. An update rewrites a
//! client's whole block (its #CCLI and every child), and a later order of the same client
//! must start from that block, not the export's. As records, a block read from an export
//! takes some 7 KB (each of its ~120 fields a `Value` and a `String`); packed, its bytes in
//! one allocation, some 1.2 KB. A run that updates 42,000 clients of a Format Sage list
//! peaked at 415 MiB with the records kept as they were.
//!
//! The packing is private to this module and read back exactly: the same records, values of
//! the same kind (a `Verbatim` field stays verbatim, a decimal keeps its scale), the same
//! tail.

use rustc_hash::FxHashMap as HashMap;

use jiff::civil::{Date, Time};
use rust_decimal::Decimal;

use crate::gescom::export::BlockRecord;
use crate::sage::value::Value;
use crate::sage::{Layout, Record};

/// Blocks by client code.
#[derive(Debug, Default)]
pub struct UpdatedBlocks {
    blocks: HashMap<String, Box<[u8]>>,
}

/// A block as it was before a change, to put back when an input fails.
#[derive(Debug)]
pub struct Before(Option<Box<[u8]>>);

impl UpdatedBlocks {
    /// The block of `code` as rewritten in this run, if it was.
    pub fn get(&self, code: &str, layout: &'static Layout) -> Option<Vec<BlockRecord>> {
        self.blocks.get(code).map(|b| unpack(b, layout))
    }

    /// Keeps `block` for `code`; returns what it replaces.
    pub fn insert(&mut self, code: String, block: &[BlockRecord]) -> Before {
        Before(self.blocks.insert(code, pack(block)))
    }

    /// Puts back what `insert` replaced.
    pub fn restore(&mut self, code: String, before: Before) {
        match before.0 {
            Some(b) => self.blocks.insert(code, b),
            None => self.blocks.remove(&code),
        };
    }
}

const KNOWN: u8 = 1;
const RAW: u8 = 2;

fn pack(block: &[BlockRecord]) -> Box<[u8]> {
    let mut out = Vec::with_capacity(1024);
    put_len(&mut out, block.len());
    for r in block {
        match r {
            BlockRecord::Known(rec) => {
                out.push(KNOWN);
                put_str(&mut out, rec.tag());
                let set: Vec<(usize, &Value)> = rec.set_fields().collect();
                put_len(&mut out, set.len());
                for (i, v) in set {
                    put_len(&mut out, i);
                    put_value(&mut out, v);
                }
                out.push(rec.tail_verbatim() as u8);
                put_len(&mut out, rec.tail.len());
                for line in &rec.tail {
                    put_str(&mut out, line);
                }
            }
            BlockRecord::Raw { tag, lines } => {
                out.push(RAW);
                put_str(&mut out, tag);
                put_len(&mut out, lines.len());
                for line in lines {
                    put_str(&mut out, line);
                }
            }
        }
    }
    out.into_boxed_slice()
}

/// Reads back what `pack` wrote, with the same layout (a run has one).
fn unpack(bytes: &[u8], layout: &'static Layout) -> Vec<BlockRecord> {
    let mut r = Reader { bytes, at: 0 };
    let n = r.len();
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let kind = r.byte();
        let tag = r.string();
        if kind == KNOWN {
            let rl = layout.record(&tag).expect("a packed record's layout is the run's");
            let fields = r.len();
            let set = (0..fields).map(|_| (r.len() as u32, r.value())).collect();
            let tail_verbatim = r.byte() != 0;
            let tail = (0..r.len()).map(|_| r.string()).collect();
            out.push(BlockRecord::Known(Record::from_parts(rl, set, tail, tail_verbatim)));
        } else {
            let lines = (0..r.len()).map(|_| r.string()).collect();
            out.push(BlockRecord::Raw { tag, lines });
        }
    }
    out
}

/// A length or index: 7 bits a byte (most take one).
fn put_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Unset => out.push(0),
        Value::Text(s) => {
            out.push(1);
            put_str(out, s);
        }
        Value::Verbatim(s) => {
            out.push(2);
            put_str(out, s);
        }
        Value::Dec(d) => {
            out.push(3);
            out.extend_from_slice(&d.serialize());
        }
        Value::Int(n) => {
            out.push(4);
            out.extend_from_slice(&n.to_le_bytes());
        }
        Value::Date(d) => {
            out.push(5);
            out.extend_from_slice(&d.year().to_le_bytes());
            out.extend_from_slice(&[d.month() as u8, d.day() as u8]);
        }
        Value::Time(t) => {
            out.push(6);
            out.extend_from_slice(&[t.hour() as u8, t.minute() as u8, t.second() as u8]);
            out.extend_from_slice(&t.subsec_nanosecond().to_le_bytes());
        }
    }
}

/// Reads what this module wrote: the bytes are ours, so a short read is a defect.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        s
    }

    fn byte(&mut self) -> u8 {
        self.take(1)[0]
    }

    fn len(&mut self) -> usize {
        let (mut n, mut shift) = (0usize, 0);
        loop {
            let b = self.byte();
            n |= ((b & 0x7F) as usize) << shift;
            if b < 0x80 {
                return n;
            }
            shift += 7;
        }
    }

    fn string(&mut self) -> String {
        let n = self.len();
        String::from_utf8(self.take(n).to_vec()).expect("packed from a String")
    }

    fn value(&mut self) -> Value {
        match self.byte() {
            0 => Value::Unset,
            1 => Value::Text(self.string()),
            2 => Value::Verbatim(self.string()),
            3 => Value::Dec(Decimal::deserialize(self.take(16).try_into().expect("16 bytes"))),
            4 => Value::Int(i64::from_le_bytes(self.take(8).try_into().expect("8 bytes"))),
            5 => {
                let year = i16::from_le_bytes(self.take(2).try_into().expect("2 bytes"));
                let (month, day) = (self.byte() as i8, self.byte() as i8);
                Value::Date(Date::new(year, month, day).expect("a date packed from a Date"))
            }
            _ => {
                let (h, m, s) = (self.byte() as i8, self.byte() as i8, self.byte() as i8);
                let ns = i32::from_le_bytes(self.take(4).try_into().expect("4 bytes"));
                Value::Time(Time::new(h, m, s, ns).expect("a time packed from a Time"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sage::{Ccli, Kind};

    fn text(block: &[BlockRecord]) -> String {
        format!("{block:?}")
    }

    #[test]
    fn a_block_comes_back_as_it_was_packed() {
        let layout = Layout::builtin(33).unwrap();
        // The export fixture's client blocks (verbatim fields, tails, #CCDL, #MCTT, #CIVA),
        // then a #CCLI changed as an update changes one (text, decimals, dates, times).
        let bytes = std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gescom/export_ver33.txt"),
        )
        .unwrap();
        let start = bytes.windows(5).position(|w| w == b"#CCLI").unwrap();
        let end = bytes.windows(5).position(|w| w == b"#CHEN").unwrap();
        let mut block = crate::gescom::export::parse_block(&bytes[start..end], layout);
        let tags: Vec<&str> = block.iter().map(BlockRecord::tag).collect();
        assert!(["CCLI", "CCDL", "MCTT", "CIVA"].iter().all(|t| tags.contains(t)), "{tags:?}");
        let mut ccli = Record::new(layout.expect("CCLI"));
        ccli.set(Ccli::Intitule, "Boulangerie Lefèvre – Œuvres");
        ccli.set(Ccli::Adresse, Value::Verbatim("12 rue de l’Église  ".into()));
        ccli.set_tail(vec!["4110000".into(), String::new()]);
        let spec = |kind: Kind| ccli.layout.fields.iter().position(|f| f.kind == kind);
        for (kind, v) in [
            (Kind::Dec, Value::Dec(Decimal::new(-123_456, 3))),
            (Kind::Int, Value::Int(-42)),
            (Kind::Date, Value::Date(Date::new(2026, 12, 5).unwrap())),
            (Kind::Time, Value::Time(Time::new(23, 59, 7, 0).unwrap())),
        ] {
            if let Some(i) = spec(kind) {
                ccli.set_index(i, v);
            }
        }
        block.insert(0, BlockRecord::Known(ccli));
        block.push(BlockRecord::Raw {
            tag: "CBQT".into(),
            lines: vec!["FR76 3000".into(), String::new(), "é".repeat(200)],
        });
        let mut kept = UpdatedBlocks::default();
        assert!(kept.insert("BOULLEF".into(), &block).0.is_none());
        assert_eq!(text(&kept.get("BOULLEF", layout).unwrap()), text(&block));
        // Replaced, then put back.
        let before = kept.insert("BOULLEF".into(), &block[..1]);
        assert_eq!(kept.get("BOULLEF", layout).unwrap().len(), 1);
        kept.restore("BOULLEF".into(), before);
        assert_eq!(text(&kept.get("BOULLEF", layout).unwrap()), text(&block));
        let first = kept.insert("AUTRE".into(), &block);
        kept.restore("AUTRE".into(), first);
        assert!(kept.get("AUTRE", layout).is_none());
    }

    #[test]
    fn lengths_take_as_many_bytes_as_they_need() {
        for n in [0usize, 1, 127, 128, 300, 16_383, 16_384, 1 << 28] {
            let mut out = Vec::new();
            put_len(&mut out, n);
            assert_eq!(Reader { bytes: &out, at: 0 }.len(), n);
            assert_eq!(out.len(), 1 + (usize::BITS - n.leading_zeros()).saturating_sub(1) as usize / 7);
        }
    }
}
