//! Client lists exported from Gestion Commerciale in Format Sage (CP850, #CCLI records with
//! their #CCDL, #MCTT... children), read through the same layout data as the writer. A full
//! dossier export holds a hundred other tags: they are counted and skipped.
//!
//! Only what matching needs is kept in memory (code, intitulé, SIRET, e-mails, VAT number,
//! address and delivery-address keys) plus where each client's block sits in the file: an
//! update re-reads the block and re-emits it whole, so memory does not grow with the export.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::index::{ClientIndex, ClientRef, Delivery, ExportInfo, NewClient, Source, norm_code, push_key_part};
use crate::error::InputError;
use crate::sage::layout::is_known_tag;
use crate::sage::parse::{LineReader, tag_of};
use crate::sage::{Ccdl, Ccli, Layout, Mctt, Record, RecordKind, RecordLayout};

/// Does this file start like a Format Sage file?
pub fn looks_like_format_sage(sample: &[u8]) -> bool {
    let s = sample.strip_prefix(&[0xEF, 0xBB, 0xBF][..]).unwrap_or(sample);
    s.starts_with(b"#FLG")
}

/// One record of a client's block, read back for an update.
#[derive(Debug, Clone)]
pub enum BlockRecord {
    /// A record passerelle has a layout for (#CCLI, #CCDL, #MCTT): fields by name, verbatim.
    Known(Record),
    /// Any other child (#CIVA, #CBQT, #CRLT, #MCIC): its lines, copied as they are.
    Raw { tag: String, lines: Vec<String> },
}

impl BlockRecord {
    pub fn tag(&self) -> &str {
        match self {
            BlockRecord::Known(r) => r.tag(),
            BlockRecord::Raw { tag, .. } => tag,
        }
    }
}

/// The lines of a file as slices of one reused buffer, handed to a callback: nothing is copied
/// or decoded until a field is needed. An export of 200,000 clients is 28 million lines, of
/// which matching needs a dozen per client; most lines are a few bytes, so the work per line
/// (finding its end, looking at its first byte) is all that counts.
struct ByteLines<R> {
    inner: R,
    buf: Vec<u8>,
    /// Unread bytes are `buf[pos..filled]`, from file offset `base + pos`.
    pos: usize,
    filled: usize,
    base: u64,
    eof: bool,
    number: u64,
    /// The bytes of the lines handed out are checked for UTF-8 up to `buf[..checked]`.
    checked: usize,
    /// Lines handed out had bytes above 0x7F; some were not UTF-8; line 1 began with a BOM.
    high: bool,
    invalid: bool,
    bom: bool,
    /// Longest line read, its ending included: a longer one is an error (`fsguard::TooLong`),
    /// and the buffer never grows past it.
    max_line: usize,
}

/// What the receiver of a line wants next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Next,
    /// Only the number of the next lines matters, at most this many and up to the next one
    /// that starts with `#`: count them (`LineSink::skipped`) without handing them out.
    Skip(u64),
    Stop,
}

/// Receives the lines of `ByteLines::each`.
trait LineSink {
    /// `text` is the line without its ending (CRLF or LF; a UTF-8 BOM left out on line 1),
    /// `number` 1-based (`#FLG 000` is line 1), `offset` and `len` its place in the file,
    /// ending included.
    fn line(&mut self, text: &[u8], number: u64, offset: u64, len: u64) -> Flow;

    /// `lines` lines were passed over after a `Flow::Skip`, and not handed out.
    fn skipped(&mut self, lines: u64) {
        let _ = lines;
    }
}

/// The high bit of each byte of `word` equal to `byte`, and no other bit: eight bytes looked
/// at in a few operations (the classic exact zero-byte test on `word ^ byte × 0x0101...`).
#[inline(always)]
fn bytes_equal(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = word ^ (byte as u64 * 0x0101_0101_0101_0101);
    // A byte's high bit ends up set when the byte is not zero; no carry crosses bytes.
    !(((x & LOW7) + LOW7) | x) & !LOW7
}

#[inline(always)]
fn line_feeds(word: u64) -> u64 {
    bytes_equal(word, b'\n')
}

/// From `start`, a line start, passes over at most `max` lines, and none that starts with `#`,
/// eight bytes at a time: how many, and where the line to hand out next starts (after the
/// lines passed over, or the last line start before the buffer's last eight bytes).
#[inline(always)]
fn skip_lines(buf: &[u8], start: usize, max: u64) -> (u64, usize) {
    let (mut at, mut lines, mut last_start) = (start, 0u64, start);
    // The high bit of byte 0 when the word starts a line.
    let mut carry = 0x80u64;
    while let Some(w) = buf.get(at..at + 8) {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        let ends = line_feeds(w);
        let hashes = (ends << 8 | carry) & bytes_equal(w, b'#');
        let count = ends.count_ones() as u64;
        if hashes != 0 || lines + count >= max {
            // The stop is in this word: before a line that starts with `#` (byte `first`, the
            // line end before it being counted), or after the `max`-th line.
            let first = if hashes != 0 { hashes.trailing_zeros() as usize / 8 } else { 8 };
            let mut ends = ends;
            while ends != 0 && lines < max {
                let end = ends.trailing_zeros() as usize / 8;
                if end >= first {
                    break;
                }
                lines += 1;
                ends &= ends - 1;
                last_start = at + end + 1;
            }
            return (lines, if lines == max { last_start } else { at + first });
        }
        if ends != 0 {
            lines += count;
            last_start = at + (63 - ends.leading_zeros() as usize) / 8 + 1;
        }
        carry = (ends >> 63) << 7;
        at += 8;
    }
    (lines, last_start)
}

impl<R: Read> ByteLines<R> {
    fn new(inner: R) -> Self {
        Self::with_limits(inner, 256 * 1024, crate::fsguard::MAX_RECORD_BYTES as usize)
    }

    #[cfg(test)]
    fn with_capacity(inner: R, capacity: usize) -> Self {
        Self::with_limits(inner, capacity, crate::fsguard::MAX_RECORD_BYTES as usize)
    }

    fn with_limits(inner: R, capacity: usize, max_line: usize) -> Self {
        ByteLines {
            inner,
            max_line: max_line.max(1),
            buf: vec![0; capacity.clamp(1, max_line.max(1))],
            pos: 0,
            filled: 0,
            base: 0,
            eof: false,
            number: 0,
            checked: 0,
            high: false,
            invalid: false,
            bom: false,
        }
    }

    /// Hands each line to `sink` until it says `Stop` or the file ends. A later call goes on
    /// after the line it stopped at.
    fn each(&mut self, sink: &mut impl LineSink) -> std::io::Result<()> {
        loop {
            let stopped = self.lines_in_buffer(sink);
            if !stopped && self.eof && self.pos < self.filled {
                // The last line, without a line end: nothing is stripped.
                let start = self.pos;
                self.pos = self.filled;
                self.number += 1;
                self.check_utf8();
                let mut text = &self.buf[start..self.filled];
                if self.number == 1 {
                    (text, self.bom) = strip_bom(text);
                }
                sink.line(text, self.number, self.base + start as u64, (self.filled - start) as u64);
                return Ok(());
            }
            self.check_utf8();
            if stopped || self.eof {
                return Ok(());
            }
            self.refill()?;
        }
    }

    /// The complete lines of the buffer, found eight bytes at a time. True if `sink` said
    /// `Stop`.
    #[inline(always)]
    fn lines_in_buffer(&mut self, sink: &mut impl LineSink) -> bool {
        let buf = &self.buf[..self.filled];
        let (mut start, mut number) = (self.pos, self.number);
        let mut at = self.pos;
        let mut stopped = false;
        'words: while at < buf.len() {
            let (mut ends, width) = match buf.get(at..at + 8) {
                Some(w) => (line_feeds(u64::from_le_bytes(w.try_into().expect("8 bytes"))), 8),
                // The last bytes of the buffer, one by one.
                None => ((buf[at] == b'\n') as u64 * 0x80, 1),
            };
            while ends != 0 {
                let end = at + (ends.trailing_zeros() / 8) as usize + 1;
                ends &= ends - 1;
                let mut text = &buf[start..end - 1];
                if let [rest @ .., b'\r'] = text {
                    text = rest;
                }
                number += 1;
                if number == 1 {
                    (text, self.bom) = strip_bom(text);
                }
                let flow = sink.line(text, number, self.base + start as u64, (end - start) as u64);
                start = end;
                match flow {
                    Flow::Next => {}
                    Flow::Skip(max) => {
                        let (lines, next) = skip_lines(buf, start, max);
                        if lines > 0 {
                            number += lines;
                            sink.skipped(lines);
                        }
                        start = next;
                        at = next;
                        continue 'words;
                    }
                    Flow::Stop => {
                        stopped = true;
                        break 'words;
                    }
                }
            }
            at += width;
        }
        self.pos = start;
        self.number = number;
        stopped
    }

    /// Where the next line starts in the file (its length once every line is read).
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Checks the lines handed out since the last check, at once: a UTF-8 sequence never holds
    /// a line end, so the lines are UTF-8 one by one exactly when their bytes are together.
    fn check_utf8(&mut self) {
        if !self.invalid && self.checked < self.pos {
            let bytes = &self.buf[self.checked..self.pos];
            if !bytes.is_ascii() {
                match std::str::from_utf8(bytes) {
                    Ok(_) => self.high = true,
                    Err(_) => self.invalid = true,
                }
            }
        }
        self.checked = self.pos;
    }

    /// Keeps the unfinished line, makes room after it and reads on.
    fn refill(&mut self) -> std::io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.filled, 0);
            self.base += self.pos as u64;
            self.filled -= self.pos;
            self.pos = 0;
            self.checked = 0;
        }
        if self.filled == self.buf.len() {
            // One line fills the buffer.
            if self.buf.len() >= self.max_line {
                // As long as a line may be: one byte more, its end included, is too much.
                if read_retrying(&mut self.inner, &mut [0u8; 1])? > 0 {
                    let t = crate::fsguard::TooLong { line: self.number + 1, limit: self.max_line as u64 };
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, t));
                }
                self.eof = true;
                return Ok(());
            }
            self.buf.resize((self.buf.len() * 2).min(self.max_line), 0);
        }
        let n = read_retrying(&mut self.inner, &mut self.buf[self.filled..])?;
        self.filled += n;
        self.eof = n == 0;
        Ok(())
    }
}

/// `read`, again when interrupted by a signal.
fn read_retrying(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match r.read(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// Line 1 without its UTF-8 BOM, and whether it had one.
fn strip_bom(text: &[u8]) -> (&[u8], bool) {
    match text.strip_prefix(&[0xEF, 0xBB, 0xBF][..]) {
        Some(rest) => (rest, true),
        None => (text, false),
    }
}

/// A line's text: CP850, the bytes themselves when ASCII.
fn decode_to(bytes: &[u8], out: &mut String) {
    out.clear();
    match std::str::from_utf8(bytes) {
        Ok(s) if s.is_ascii() => out.push_str(s),
        _ => crate::codepage::cp850::decode_into(bytes, out),
    }
}

fn decode(bytes: &[u8]) -> String {
    let mut s = String::new();
    decode_to(bytes, &mut s);
    s
}

/// The known tag a line starts, as `tag_of` finds it in the decoded text (tags are ASCII,
/// and no CP850 byte above 0x7F decodes to a space).
fn tag_of_bytes(bytes: &[u8]) -> Option<&str> {
    let rest = bytes.strip_prefix(b"#")?;
    let name = rest.split(|&b| b == b' ').next().unwrap_or(b"");
    std::str::from_utf8(name).ok().filter(|n| n.is_ascii() && is_known_tag(n))
}

/// The #CCLI fields matching needs, each in its slot of `Current::slots` (slot 0 is the code,
/// the first line).
const CCLI_NEEDED: [(Ccli, usize); 11] = [
    (Ccli::Intitule, INTITULE),
    (Ccli::Siret, SIRET),
    (Ccli::EMail, EMAIL),
    (Ccli::Identifiant, VAT),
    (Ccli::Adresse, STREET),
    (Ccli::Complement, COMPLEMENT),
    (Ccli::CodePostal, ZIP),
    (Ccli::Ville, CITY),
    (Ccli::Pays, COUNTRY),
    (Ccli::NCatCompta, CAT),
    (Ccli::CgNumPrinc, COLLECTIVE),
];
/// The #CCDL fields kept, each in the slot of its rank here: its intitulé, then the address.
const DELIVERY_NEEDED: [Ccdl; 6] =
    [Ccdl::Intitule, Ccdl::Adresse, Ccdl::Complement, Ccdl::CodePostal, Ccdl::Ville, Ccdl::Pays];
const CODE: usize = 0;
const INTITULE: usize = 1;
const SIRET: usize = 2;
const EMAIL: usize = 3;
const VAT: usize = 4;
const STREET: usize = 5;
const COMPLEMENT: usize = 6;
const ZIP: usize = 7;
const CITY: usize = 8;
const COUNTRY: usize = 9;
const CAT: usize = 10;
const COLLECTIVE: usize = 11;
const SLOTS: usize = 12;

/// What the record being read is, for what is kept of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ccli,
    /// #CCDL: intitulé and address (`DELIVERY_NEEDED`).
    Delivery,
    /// #MCTT: the contact's e-mail.
    Contact,
    /// Another child of #CCLI: only its place in the block.
    OtherChild,
    /// Any other record: only counted.
    Other,
}

/// The record being read: where it starts, how many lines it has, and the lines kept.
struct Current {
    active: bool,
    kind: Kind,
    tag: String,
    line: u64,
    offset: u64,
    n: usize,
    /// Lines whose text is needed; the lines after them are only counted.
    needed: usize,
    /// #CCLI: the needed fields; a child: its kept lines (slot = line index).
    slots: [String; SLOTS],
    /// #CCLI of a client whose every field is kept (template, single account).
    keeping: bool,
    all: Vec<String>,
}

/// The export past its frame lines: records are read line by line into the index.
struct Export<'a> {
    path: &'a Path,
    ccli: &'a RecordLayout,
    ccli_children: &'a [String],
    /// Line index of a #CCLI record → the slots it fills (a bit each).
    wanted: Vec<u16>,
    /// Line index → the first index from there on that fills a slot (`wanted.len()` if none).
    next_wanted: Vec<usize>,
    /// Line index of each field of `DELIVERY_NEEDED` in a #CCDL.
    delivery_at: [usize; 6],
    /// Line index of the e-mail in a #MCTT.
    contact_at: usize,
    keep: Vec<String>,
    ix: ClientIndex,
    info: ExportInfo,
    notes: Vec<String>,
    /// The client being read, until its last child.
    client: Pending,
    skipped_short: usize,
    cur: Current,
    /// What stopped the reading, if not `#FIN` or the end of the file.
    error: Option<InputError>,
}

impl LineSink for Export<'_> {
    #[inline(always)]
    fn line(&mut self, b: &[u8], number: u64, offset: u64, _: u64) -> Flow {
        if b.first() == Some(&b'#') {
            if b == b"#DEV" || b.starts_with(b"#DEV ") {
                self.error = Some(InputError::Malformed {
                    path: self.path.to_path_buf(),
                    line: number,
                    message: "#DEV: this is a Comptabilité file, not a Gestion Commerciale export".into(),
                });
                return Flow::Stop;
            }
            if b == b"#FIN" {
                if self.cur.active {
                    self.finish(offset);
                    self.cur.active = false;
                }
                return Flow::Stop;
            }
            if let Some(tag) = tag_of_bytes(b) {
                if self.cur.active {
                    self.finish(offset);
                }
                let kind = match tag {
                    "CCLI" => Kind::Ccli,
                    _ if !self.ccli_children.iter().any(|t| t == tag) => Kind::Other,
                    "CCDL" => Kind::Delivery,
                    "MCTT" => Kind::Contact,
                    _ => Kind::OtherChild,
                };
                let cur = &mut self.cur;
                cur.active = true;
                cur.tag.clear();
                cur.tag.push_str(tag);
                cur.line = number;
                cur.offset = offset;
                cur.n = 0;
                cur.keeping = false;
                cur.all.clear();
                cur.kind = kind;
                for s in &mut cur.slots {
                    s.clear();
                }
                cur.needed = match kind {
                    Kind::Ccli => self.wanted.len(),
                    Kind::Delivery => self.delivery_at.iter().max().map_or(0, |i| i + 1),
                    Kind::Contact => self.contact_at + 1,
                    Kind::OtherChild | Kind::Other => 0,
                };
                return self.next_needed();
            }
        }
        let cur = &mut self.cur;
        if !cur.active {
            self.notes.push(format!("line {number}: '{}' is outside any record", decode(b)));
            return Flow::Next;
        }
        let k = cur.n;
        cur.n += 1;
        match cur.kind {
            Kind::Ccli => {
                let mask = self.wanted.get(k).copied().unwrap_or(0);
                if mask != 0 {
                    let first = mask.trailing_zeros() as usize;
                    decode_to(b, &mut cur.slots[first]);
                    for s in first + 1..SLOTS {
                        if mask & (1 << s) != 0 {
                            cur.slots[s] = cur.slots[first].clone();
                        }
                    }
                    if k == 0 {
                        cur.keeping = !self.keep.is_empty() && self.keep.contains(&norm_code(&cur.slots[CODE]));
                        if cur.keeping {
                            cur.needed = cur.needed.max(self.ccli.fixed);
                        }
                    }
                }
                if cur.keeping && k < self.ccli.fixed {
                    cur.all.push(decode(b));
                }
            }
            Kind::Delivery => {
                if let Some(slot) = self.delivery_at.iter().position(|&i| i == k) {
                    decode_to(b, &mut cur.slots[slot]);
                }
            }
            Kind::Contact if k == self.contact_at => decode_to(b, &mut cur.slots[0]),
            _ => {}
        }
        self.next_needed()
    }

    fn skipped(&mut self, lines: u64) {
        self.cur.n += lines as usize;
    }
}

impl Export<'_> {
    /// What the lines after `cur.n` lines of the record are for: the lines up to the next one
    /// whose text is needed are only counted.
    #[inline(always)]
    fn next_needed(&self) -> Flow {
        let cur = &self.cur;
        let n = cur.n;
        if n >= cur.needed {
            return Flow::Skip(u64::MAX);
        }
        let next = match cur.kind {
            Kind::Ccli if !cur.keeping => self.next_wanted[n],
            Kind::Contact => self.contact_at,
            _ => n,
        };
        if next > n { Flow::Skip((next - n) as u64) } else { Flow::Next }
    }

    /// The record being read ends at `end` (the offset of the line after it).
    fn finish(&mut self, end: u64) {
        let p = &mut self.cur;
        let count = p.n;
        match self.info.histogram.get_mut(p.tag.as_str()) {
            Some(e) => {
                e.0 += 1;
                e.1 = e.1.min(count);
                e.2 = e.2.max(count);
            }
            None => {
                self.info.histogram.insert(p.tag.clone(), (1, count, count));
            }
        }
        match p.kind {
            Kind::Ccli => {
                self.client.flush(&mut self.ix);
                let fixed = self.ccli.fixed;
                if count < fixed {
                    self.skipped_short += 1;
                    self.notes.push(format!(
                        "line {}: #CCLI of {count} lines, {fixed} expected: its fields cannot be located, the client is left out",
                        p.line
                    ));
                    return;
                }
                let c = &mut self.client;
                // The fields move to the client; its former buffers come back for the next record.
                std::mem::swap(&mut c.texts, &mut p.slots);
                c.address.clear();
                for (n, slot) in [STREET, COMPLEMENT, ZIP, CITY, COUNTRY].into_iter().enumerate() {
                    push_key_part(&mut c.address, n, &c.texts[slot]);
                }
                c.active = true;
                c.line = p.line;
                c.block = (p.offset, end - p.offset);
                (c.deliveries, c.contacts) = (0, 0);
                if p.keeping {
                    c.fields = p.all.drain(..).take(fixed).enumerate().map(|(i, v)| (i as u16 + 1, v)).collect();
                }
            }
            Kind::Delivery | Kind::Contact | Kind::OtherChild => {
                let c = &mut self.client;
                if !c.active {
                    self.notes.push(format!("line {}: #{} without a #CCLI before it", p.line, p.tag));
                    return;
                }
                c.block.1 = end - c.block.0;
                let l = &mut p.slots;
                match p.kind {
                    Kind::Delivery if count >= p.needed => {
                        if c.deliveries == c.delivery.len() {
                            c.delivery.push(Delivery::default());
                        }
                        let d = &mut c.delivery[c.deliveries];
                        c.deliveries += 1;
                        std::mem::swap(&mut d.intitule, &mut l[0]);
                        d.key.clear();
                        for (n, part) in l[1..DELIVERY_NEEDED.len()].iter().enumerate() {
                            push_key_part(&mut d.key, n, part);
                        }
                    }
                    Kind::Contact if count >= p.needed && !l[0].is_empty() => {
                        if c.contacts == c.contact.len() {
                            c.contact.push(String::new());
                        }
                        std::mem::swap(&mut c.contact[c.contacts], &mut l[0]);
                        c.contacts += 1;
                    }
                    _ => {}
                }
            }
            Kind::Other => self.client.flush(&mut self.ix),
        }
    }
}

/// The client being read: its #CCLI's fields, then what its children add. The buffers are
/// reused from one client to the next.
#[derive(Default)]
struct Pending {
    active: bool,
    /// The fields of `CCLI_NEEDED`, by slot.
    texts: [String; SLOTS],
    /// `address_key` of its address.
    address: String,
    line: u64,
    /// Offset and length of its block (#CCLI and children).
    block: (u64, u64),
    /// Its delivery addresses and contacts' e-mails: the first `deliveries` and `contacts`.
    delivery: Vec<Delivery>,
    deliveries: usize,
    contact: Vec<String>,
    contacts: usize,
    /// Every #CCLI field, for a kept client.
    fields: Vec<(u16, String)>,
}

impl Pending {
    /// The client read so far goes to the index.
    fn flush(&mut self, ix: &mut ClientIndex) {
        if !self.active {
            return;
        }
        self.active = false;
        let t = &self.texts;
        let present = |i: usize| Some(t[i].as_str()).filter(|s| !s.is_empty());
        ix.add(
            &NewClient {
                code: &t[CODE],
                intitule: &t[INTITULE],
                siret: &t[SIRET],
                email: &t[EMAIL],
                vat: &t[VAT],
                contact_emails: &self.contact[..self.contacts],
                address_key: Some(&self.address),
                deliveries: &self.delivery[..self.deliveries],
                cat_compta: present(CAT),
                collective: present(COLLECTIVE),
                line: self.line,
                block: Some(self.block),
            },
            std::mem::take(&mut self.fields),
        );
    }
}

/// The first two lines of an export, decoded.
struct Frame(Vec<String>);

impl LineSink for Frame {
    fn line(&mut self, text: &[u8], _: u64, _: u64, _: u64) -> Flow {
        self.0.push(decode(text));
        if self.0.len() == 2 { Flow::Stop } else { Flow::Next }
    }
}

/// Reads a Format Sage export. `layout` is the layout passerelle writes: the export is read
/// with its own #VER's layout when one is known, and every difference is noted.
pub fn load_export(path: &Path, layout: &'static Layout, keep: &[String]) -> Result<ClientIndex, InputError> {
    let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    load_export_from(path, file, layout, keep)
}

/// `load_export` of a file already opened (and checked) from `path`: the frame, then the
/// records into the index, then each record type compared with the layout written.
pub fn load_export_from(
    path: &Path,
    file: File,
    layout: &'static Layout,
    keep: &[String],
) -> Result<ClientIndex, InputError> {
    let io = |source| crate::sage::parse::line_error(path, source);
    let mut r = ByteLines::new(file);
    let version = read_frame(&mut r, path)?;
    let mut ex = Export::new(path, version, layout, keep);
    r.each(&mut ex).map_err(io)?;
    if let Some(e) = ex.error {
        return Err(e);
    }
    if ex.cur.active {
        ex.finish(r.offset());
    }
    ex.client.flush(&mut ex.ix);
    let Export { mut ix, mut info, mut notes, skipped_short, .. } = ex;
    if r.bom || r.high && !r.invalid {
        notes.push(
            "the export is UTF-8, not CP850: it was re-encoded after Sage wrote it; accented letters may be wrong"
                .into(),
        );
    }
    compare_with_layout(&mut info, layout);
    info.updatable = info.mismatches.is_empty() && skipped_short == 0;
    for m in &info.mismatches {
        notes.push(m.clone());
    }
    ix.notes.splice(0..0, notes);
    ix.export = Some(info);
    Ok(ix)
}

/// The frame: `#FLG 000`, then `#VER nn`; the version.
fn read_frame<R: Read>(r: &mut ByteLines<R>, path: &Path) -> Result<u32, InputError> {
    let io = |source| crate::sage::parse::line_error(path, source);
    let bad = |line: u64, message: String| InputError::Malformed { path: path.to_path_buf(), line, message };
    let mut frame = Frame(Vec::new());
    r.each(&mut frame).map_err(io)?;
    let frame = frame.0;
    let first = frame.first().ok_or(InputError::Empty { path: path.to_path_buf() })?;
    // The file is one the profile names: say what was expected, never quote what is there.
    if first != "#FLG 000" {
        return Err(bad(1, "a Format Sage file starts with the line '#FLG 000'".into()));
    }
    let second = frame.get(1).ok_or_else(|| bad(2, "no #VER line".into()))?;
    second
        .strip_prefix("#VER ")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .ok_or_else(|| bad(2, "line 2 of a Format Sage file is '#VER nn' (the version number)".into()))
}

/// Each record type of the export (`info.histogram`: count, fewest and most lines) against
/// the layout passerelle writes: a difference is a mismatch (no update is written then).
fn compare_with_layout(info: &mut ExportInfo, layout: &Layout) {
    for (tag, &(n, min, max)) in &info.histogram {
        let Some(rl) = layout.record(tag) else { continue };
        let fits = |k: usize| {
            if rl.tail > 0 { k >= rl.fixed && (k - rl.fixed).is_multiple_of(rl.tail) } else { k == rl.fixed }
        };
        if !fits(min) || !fits(max) {
            let expected = if rl.tail > 0 {
                format!("{} (+ {} per {})", rl.fixed, rl.tail, rl.tail_label.as_deref().unwrap_or("extra"))
            } else {
                rl.fixed.to_string()
            };
            let got = if min == max { min.to_string() } else { format!("{min} to {max}") };
            info.mismatches.push(format!(
                "#{tag} has {got} lines in your export ({n} records), {expected} in passerelle's layout"
            ));
        }
    }
}

impl<'a> Export<'a> {
    /// Ready to read the records of an export of `#VER version`: with its own layout when
    /// one is known, else with `layout` (said in the notes).
    fn new(path: &'a Path, version: u32, layout: &'static Layout, keep: &[String]) -> Export<'a> {
        let own = Layout::builtin(version);
        let read_with = own.unwrap_or(layout);
        let ccli = read_with.of(RecordKind::Ccli);
        // The code is the record's first line (it decides early whether every field is kept).
        let mut wanted: Vec<u16> = vec![1 << CODE];
        for (field, slot) in CCLI_NEEDED {
            let i = ccli.index(field);
            if wanted.len() <= i {
                wanted.resize(i + 1, 0);
            }
            wanted[i] |= 1 << slot;
        }
        let ccdl = read_with.of(RecordKind::Ccdl);
        let delivery_at = DELIVERY_NEEDED.map(|f| ccdl.index(f));
        let contact_at = read_with.of(RecordKind::Mctt).index(Mctt::EMail);

        let mut info = ExportInfo { version, ..Default::default() };
        let mut notes = Vec::new();
        if version != layout.version {
            info.mismatches
                .push(format!("your dossier exports #VER {version}; passerelle writes #VER {}", layout.version));
        }
        if own.is_none() {
            notes.push(format!(
                "no layout is known for #VER {version}: the export is read with the #VER {} layout, which only holds if its records have the same fields",
                layout.version
            ));
        }
        let mut ix = ClientIndex::new(Source {
            path: path.display().to_string(),
            file: path.to_path_buf(),
            format: "format sage".into(),
            encoding: "cp850".into(),
            delimiter: String::new(),
            ..Default::default()
        });
        ix.carried = (1..=ccli.fixed as u16).collect();
        let mut next_wanted = vec![wanted.len(); wanted.len() + 1];
        for i in (0..wanted.len()).rev() {
            next_wanted[i] = if wanted[i] != 0 { i } else { next_wanted[i + 1] };
        }
        Export {
            path,
            ccli,
            ccli_children: &ccli.children,
            wanted,
            next_wanted,
            delivery_at,
            contact_at,
            keep: keep.iter().map(|k| norm_code(k)).filter(|k| !k.is_empty()).collect(),
            ix,
            info,
            notes,
            client: Pending::default(),
            skipped_short: 0,
            cur: Current {
                active: false,
                kind: Kind::Other,
                tag: String::new(),
                line: 0,
                offset: 0,
                n: 0,
                needed: 0,
                slots: Default::default(),
                keeping: false,
                all: Vec::new(),
            },
            error: None,
        }
    }
}

/// Reads a client's block (#CCLI and its children) back from the export.
pub fn read_block(
    ix: &ClientIndex,
    client: ClientRef,
    layout: &'static Layout,
) -> Result<Vec<BlockRecord>, InputError> {
    let path = &ix.source.file;
    let (offset, len) = client.block().ok_or_else(|| InputError::Other {
        path: path.clone(),
        message: format!("client {} has no record block (not a Format Sage export)", client.code()),
    })?;
    let io = |source| InputError::Io { path: path.clone(), source };
    let mut f = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES).map_err(io)?;
    f.seek(SeekFrom::Start(offset)).map_err(io)?;
    let mut bytes = vec![0u8; len as usize];
    f.read_exact(&mut bytes).map_err(io)?;
    let out = parse_block(&bytes, layout);
    match out.first() {
        Some(BlockRecord::Known(r))
            if r.layout.kind() == Some(RecordKind::Ccli) && norm_code(&r.get(Ccli::Num)) == client.code() =>
        {
            Ok(out)
        }
        _ => Err(InputError::Other {
            path: path.clone(),
            message: format!(
                "the block of client {} is not where it was when the export was read: was the file changed during the run?",
                client.code()
            ),
        }),
    }
}

/// The records of a block of CP850 text (#CCLI and its children), by layout when known.
/// Read with the same line reader as the whole export, so a file with bare LF line ends
/// (edited on another system) gives the same records here as when it was indexed.
pub fn parse_block(bytes: &[u8], layout: &'static Layout) -> Vec<BlockRecord> {
    let mut reader = LineReader::new(bytes);
    let mut out: Vec<BlockRecord> = Vec::new();
    let mut cur: Option<(String, Vec<String>)> = None;
    let push = |cur: Option<(String, Vec<String>)>, out: &mut Vec<BlockRecord>| {
        if let Some((tag, lines)) = cur {
            match layout.record(&tag) {
                Some(rl) => out.push(BlockRecord::Known(Record::from_lines(rl, lines))),
                None => out.push(BlockRecord::Raw { tag, lines }),
            }
        }
    };
    // Reading from memory cannot fail.
    while let Ok(Some(line)) = reader.next_line() {
        let l = line.text.as_str();
        match tag_of(l) {
            Some(tag) => {
                push(cur.take(), &mut out);
                cur = Some((tag.to_string(), Vec::new()));
            }
            None => {
                if let Some((_, v)) = cur.as_mut() {
                    v.push(l.to_string());
                }
            }
        }
    }
    push(cur.take(), &mut out);
    out
}

/// Tag → count, for `clients inspect`.
pub fn histogram_lines(info: &ExportInfo) -> Vec<String> {
    let mut v: Vec<(&String, &(usize, usize, usize))> = info.histogram.iter().collect();
    v.sort();
    v.into_iter()
        .map(|(t, (n, min, max))| {
            if min == max {
                format!("#{t}: {n} records, {min} lines")
            } else {
                format!("#{t}: {n} records, {min}–{max} lines")
            }
        })
        .collect::<Vec<_>>()
}

#[cfg(test)]
#[path = "export_reference.rs"]
mod reference;

#[cfg(test)]
#[path = "../../benches/support/datagen.rs"]
mod datagen_for_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use datagen_for_tests as datagen;

    const FIXTURE: &[u8] = include_bytes!("../../tests/fixtures/gescom/export_ver33.txt");

    /// Reads `bytes` as an export with both readers; they must agree on everything.
    fn same_as_reference(name: &str, bytes: &[u8], keep: &[&str]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.txt");
        std::fs::write(&path, bytes).unwrap();
        let layout = Layout::builtin(33).unwrap();
        let keep: Vec<String> = keep.iter().map(|k| k.to_string()).collect();
        let new = load_export(&path, layout, &keep);
        let old = reference::load_export(&path, layout, &keep);
        match (new, old) {
            (Ok(new), Ok(old)) => {
                assert_eq!(new.len(), old.len(), "{name}: clients");
                assert_eq!(new.notes, old.notes, "{name}: notes");
                assert_eq!(format!("{:?}", new.export), format!("{:?}", old.export), "{name}: export");
                let view = |c: ClientRef| {
                    let texts = [c.code(), c.intitule(), c.siret(), c.email(), c.vat()].map(str::to_string);
                    let kept: Vec<Option<&str>> = (1..=130).map(|p| c.field(p)).collect();
                    let d: Vec<(&str, u64)> = c.deliveries().collect();
                    format!(
                        "{texts:?} {:?} {:?} {} {:?} {:?} {d:?} {kept:?}",
                        c.cat_compta(),
                        c.collective(),
                        c.line(),
                        c.block(),
                        c.address_hash()
                    )
                };
                for (a, b) in new.clients().zip(old.clients()) {
                    assert_eq!(view(a), view(b), "{name}: client {}", b.code());
                }
                // Everything, to the last byte of the arenas and the key maps.
                assert!(format!("{new:?}") == format!("{old:?}"), "{name}: the indexes differ");
            }
            (Err(new), Err(old)) => assert_eq!(new.to_string(), old.to_string(), "{name}: error"),
            (new, old) => panic!("{name}: {:?} where the reference gives {:?}", new.err(), old.err()),
        }
    }

    fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while let Some(i) = rest.windows(from.len()).position(|w| w == from) {
            out.extend_from_slice(&rest[..i]);
            out.extend_from_slice(to);
            rest = &rest[i + from.len()..];
        }
        out.extend_from_slice(rest);
        assert_ne!(out, bytes, "{} is in the fixture", String::from_utf8_lossy(from));
        out
    }

    #[test]
    fn the_fixture_and_its_variants_read_as_the_reference_reads_them() {
        let utf8: String = crate::codepage::cp850::decode(FIXTURE);
        let short_ccli = {
            // The second #CCLI loses its last 30 lines (the next record starts earlier).
            let lines: Vec<&[u8]> = FIXTURE.split_inclusive(|&b| b == b'\n').collect();
            let second = lines.iter().enumerate().filter(|(_, l)| l.starts_with(b"#CCLI")).nth(1).unwrap().0;
            let next = lines.iter().enumerate().skip(second + 1).find(|(_, l)| l.starts_with(b"#")).unwrap().0;
            let mut v: Vec<&[u8]> = lines[..next - 30].to_vec();
            v.extend_from_slice(&lines[next..]);
            v.concat()
        };
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("fixture", FIXTURE.to_vec()),
            ("LF line ends", replace(FIXTURE, b"\r\n", b"\n")),
            (
                "no #FIN, no last line end",
                FIXTURE.strip_suffix(b"#FIN\r\n").unwrap().strip_suffix(b"\r\n").unwrap().to_vec(),
            ),
            ("re-encoded in UTF-8", utf8.as_bytes().to_vec()),
            ("UTF-8 with a BOM", [&[0xEF, 0xBB, 0xBF][..], utf8.as_bytes()].concat()),
            ("CP850 with a BOM", [&[0xEF, 0xBB, 0xBF][..], FIXTURE].concat()),
            ("#VER 31", replace(FIXTURE, b"#VER 33", b"#VER 31")),
            ("#VER 99", replace(FIXTURE, b"#VER 33", b"#VER 99")),
            ("#VER with a no-break space", replace(FIXTURE, b"#VER 33", b"#VER 33\xFF")),
            ("a short #CCLI", short_ccli),
            ("a child first", replace(FIXTURE, b"#CPAI\r\n", b"#CCDL\r\nA\r\nB\r\n")),
            ("lines outside any record", replace(FIXTURE, b"#VER 33\r\n", b"#VER 33\r\nD\x82p\x93t\r\n\r\n")),
            ("an unknown tag is a value", replace(FIXTURE, b"#CIVA\r\n", b"#CIVA\r\n#ZZZZ\r\n#CCLI2\r\n")),
            ("a bare CR inside a line", replace(FIXTURE, b"Lyon\r\n", b"Ly\ron\r\n")),
            ("a duplicate code", replace(FIXTURE, b"VIDALLYON\r\n", b"BOULDUPONT\r\n")),
            ("#DEV", replace(FIXTURE, b"#CHEN\r\n", b"#DEV\r\n")),
            ("#DEV 1", replace(FIXTURE, b"#CHEN\r\n", b"#DEV 1\r\n")),
            ("not #FLG", replace(FIXTURE, b"#FLG 000", b"#FLG 001")),
            ("no #VER", b"#FLG 000\r\n".to_vec()),
            ("#VER without a number", replace(FIXTURE, b"#VER 33", b"#VER x")),
            ("empty", Vec::new()),
            ("only the frame", b"#FLG 000\r\n#VER 33\r\n#FIN\r\n".to_vec()),
        ];
        for (name, bytes) in &cases {
            for keep in [&[][..], &["MODELE"][..], &[" modele ", "VIDALLYON"][..]] {
                same_as_reference(name, bytes, keep);
            }
        }
    }

    #[test]
    fn the_bench_generator_s_export_reads_as_the_reference_reads_it() {
        let mut bytes = Vec::new();
        datagen::clients_format_sage(&mut bytes, 3000, 42).unwrap();
        same_as_reference("generated", &bytes, &["CL0000007"]);
    }

    /// Hands out its bytes a few at a time, as a pipe or a network share may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            self.1 = (self.1 * 7 + 3) % 11;
            let n = (1 + self.1).min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    struct Collect(Vec<(String, u64, u64, u64)>);

    impl LineSink for Collect {
        fn line(&mut self, text: &[u8], number: u64, offset: u64, len: u64) -> Flow {
            self.0.push((decode(text), number, offset, len));
            Flow::Next
        }
    }

    #[test]
    fn byte_lines_cut_lines_as_the_line_reader_does() {
        let utf8: String = crate::codepage::cp850::decode(FIXTURE);
        for bytes in [
            FIXTURE.to_vec(),
            replace(FIXTURE, b"\r\n", b"\n"),
            [&[0xEF, 0xBB, 0xBF][..], utf8.as_bytes(), b"\r\nlast\r"].concat(),
            b"a\r\r\n\n\rb\nc".to_vec(),
            b"\n".to_vec(),
            Vec::new(),
        ] {
            let mut reference = LineReader::new(&bytes[..]);
            let mut expected = Vec::new();
            while let Some(l) = reference.next_line().unwrap() {
                expected.push((l.text.clone(), l.number as u64, l.offset, l.len));
            }
            for capacity in [1, 5, 64, 4096] {
                let mut r = ByteLines::with_capacity(Trickle(&bytes, 0), capacity);
                let mut got = Collect(Vec::new());
                r.each(&mut got).unwrap();
                assert_eq!(got.0, expected, "capacity {capacity}");
                let utf8_note = |bom: bool, high: bool, invalid: bool| bom || high && !invalid;
                assert_eq!(
                    utf8_note(r.bom, r.high, r.invalid),
                    utf8_note(reference.bom, reference.utf8_high, reference.any_invalid_utf8)
                );
            }
        }
    }

    /// Skips up to `.2` lines after every line: sees at least the lines that start with `#`
    /// and one line in `.2 + 1`, and counts the others.
    struct SkipAll(Vec<(String, u64, u64, u64)>, u64, u64);

    impl LineSink for SkipAll {
        fn line(&mut self, text: &[u8], number: u64, offset: u64, len: u64) -> Flow {
            self.0.push((decode(text), number, offset, len));
            Flow::Skip(self.2)
        }
        fn skipped(&mut self, lines: u64) {
            self.1 += lines;
        }
    }

    #[test]
    fn skipped_lines_are_counted_and_every_line_starting_with_a_hash_is_seen() {
        let mut generated = Vec::new();
        datagen::clients_format_sage(&mut generated, 40, 7).unwrap();
        for bytes in [
            FIXTURE.to_vec(),
            replace(FIXTURE, b"\r\n", b"\n"),
            replace(FIXTURE, b"0\r\n", b"#0\r\n\r\n"),
            generated,
            b"#A\n#\n\n#\n##\nx#\n#".to_vec(),
        ] {
            let mut reference = LineReader::new(&bytes[..]);
            let mut all = Vec::new();
            while let Some(l) = reference.next_line().unwrap() {
                all.push((l.text.clone(), l.number as u64, l.offset, l.len));
            }
            let readers = [(1, true), (9, true), (100, true), (9, false), (100, false), (1 << 20, false)];
            for ((capacity, trickle), max) in readers.into_iter().flat_map(|r| [(r, u64::MAX), (r, 1), (r, 3), (r, 21)])
            {
                let case = format!("capacity {capacity}, trickle {trickle}, at most {max}");
                let mut sink = SkipAll(Vec::new(), 0, max);
                if trickle {
                    ByteLines::with_capacity(Trickle(&bytes, 0), capacity).each(&mut sink).unwrap();
                } else {
                    ByteLines::with_capacity(&bytes[..], capacity).each(&mut sink).unwrap();
                }
                assert_eq!(sink.0.len() as u64 + sink.1, all.len() as u64, "{case}: every line counted");
                for seen in &sink.0 {
                    assert_eq!(seen, &all[seen.1 as usize - 1], "{case}");
                }
                for pair in sink.0.windows(2) {
                    assert!(
                        pair[1].1 - pair[0].1 - 1 <= max,
                        "{case}: lines {} to {} passed over",
                        pair[0].1,
                        pair[1].1
                    );
                }
                let hashes: Vec<_> = all.iter().filter(|l| l.0.starts_with('#')).collect();
                let seen: Vec<_> = sink.0.iter().filter(|l| l.0.starts_with('#')).collect();
                assert_eq!(seen, hashes, "{case}");
            }
        }
    }

    #[test]
    fn a_line_longer_than_the_limit_is_an_error_naming_it() {
        let lines = |bytes: &[u8], capacity: usize| {
            let mut got = Collect(Vec::new());
            let r = ByteLines::with_limits(Trickle(bytes, 0), capacity, 10).each(&mut got);
            (
                got.0.into_iter().map(|l| l.0).collect::<Vec<_>>(),
                r.map_err(|e| crate::fsguard::TooLong::in_io(&e).cloned()),
            )
        };
        for capacity in [1, 4, 10, 64] {
            // Ten bytes, the line end included, is the most.
            assert_eq!(
                lines(b"123456789\n12345678\r\n1234567890", capacity),
                (vec!["123456789".into(), "12345678".into(), "1234567890".into()], Ok(()))
            );
            let (got, r) = lines(b"123456789\n1234567890\nx\n", capacity);
            assert_eq!(got, vec!["123456789".to_string()]);
            assert_eq!(r, Err(Some(crate::fsguard::TooLong { line: 2, limit: 10 })));
            assert_eq!(lines(b"12345678901", capacity).1, Err(Some(crate::fsguard::TooLong { line: 1, limit: 10 })));
        }
    }

    #[test]
    fn an_endless_line_stops_the_export_as_it_stopped_the_reference() {
        let limit = crate::fsguard::MAX_RECORD_BYTES as usize;
        for (name, len) in [("a line as long as allowed", limit - 2), ("a line a byte too long", limit - 1)] {
            let long = "x".repeat(len);
            let bytes = replace(FIXTURE, b"\r\nLyon\r\n", format!("\r\n{long}\r\n").as_bytes());
            same_as_reference(name, &bytes, &["MODELE"]);
        }
    }

    #[test]
    fn lines_longer_than_the_buffer_are_read_whole() {
        let long = "x".repeat(700 * 1024);
        let bytes = replace(FIXTURE, "Lyon\r\n".as_bytes(), format!("{long}\r\n").as_bytes());
        same_as_reference("a long line", &bytes, &["MODELE"]);
    }
}
