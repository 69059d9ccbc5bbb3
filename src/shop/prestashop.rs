//! PrestaShop webservice XML → canonical orders (docs/shop-exports.md), with quick-xml.
//!
//! The orders (`/api/orders?display=full`) come with the customers and addresses they
//! reference by id, either in the same file (lists under one `<prestashop>` root, or several
//! API documents one after the other) or in other files of the same run, one resource per
//! file as the webservice gives them (see `companions`); currencies, carriers, countries,
//! order states, order details and order slips (refunds) are used when present. A first pass keeps the customers,
//! addresses and those small lists (they are needed to build any order); a second pass
//! streams the orders, one in memory at a time.
//!
//! PrestaShop gives every amount both excluding and including tax (6 decimals). Both sides
//! are filled; `prices` says which one the merchant typed (see `basis`), so that the builder
//! takes the side that adds up to the shop's total.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use quick_xml::Reader;
use quick_xml::events::Event;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::companions::{Companion, Entry, Fields, Joined, Survey};
use super::customers::country_iso;
use super::orders::{OrderProblem, OrderResult};
use super::values::{parse_datetime, parse_plain, snap_rate};
use crate::error::InputError;
use crate::model::{
    Address, Customer, Line, LineKind, LineRefund, Order, OrderStatus, Origin, Platform, PriceBasis, TaxLine,
};
use crate::report::Warnings;
use crate::text::remove_accents;
use crate::warning_kind::WarningKind;

const DATA: &str = include_str!("../../templates/shops/prestashop_webservice.toml");

/// The dialect of the webservice XML (templates/shops/prestashop_webservice.toml).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XmlDialect {
    pub platform: Platform,
    pub kind: String,
    pub label: String,
    pub wrapping_label: String,
    states: BTreeMap<String, StateInfo>,
    names: StateNames,
    countries: Countries,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateInfo {
    name: String,
    #[serde(default)]
    cancelled: bool,
    #[serde(default)]
    refunded: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateNames {
    cancelled: Vec<String>,
    refunded: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Countries {
    default: Vec<String>,
}

pub fn dialect() -> &'static XmlDialect {
    static D: OnceLock<XmlDialect> = OnceLock::new();
    D.get_or_init(|| toml::from_str(DATA).unwrap_or_else(|e| panic!("templates/shops/prestashop_webservice.toml: {e}")))
}

/// Where canonical fields come from, for `inspect`.
pub const FIELDS: &[(&str, &str)] = &[
    ("order_number", "order/reference"),
    ("order_id", "order/id"),
    ("date", "order/date_add"),
    ("invoice_date", "order/invoice_date"),
    ("financial_status", "order/current_state → order_state/name"),
    ("currency", "order/id_currency → currency/iso_code"),
    ("payment_method", "order/payment"),
    ("shipping_method", "order/id_carrier → carrier/name"),
    ("total", "order/total_paid_tax_incl"),
    ("total_ht", "order/total_paid_tax_excl"),
    ("subtotal", "order/total_products"),
    ("shipping", "order/total_shipping_tax_excl, total_shipping_tax_incl, carrier_tax_rate"),
    ("discount_amount", "order/total_discounts_tax_excl, total_discounts_tax_incl"),
    ("wrapping", "order/total_wrapping_tax_excl, total_wrapping_tax_incl"),
    ("line_sku", "order_row/product_reference"),
    ("line_name", "order_row/product_name"),
    ("line_quantity", "order_row/product_quantity"),
    ("line_price_ht", "order_row/unit_price_tax_excl"),
    ("line_price_ttc", "order_row/unit_price_tax_incl"),
    ("refunded_amount", "order_slip/total_products_tax_incl + total_shipping_tax_incl (by id_order)"),
    ("refund_items", "order_slip/associations/order_slip_details (by id_order_detail)"),
    ("customer_id", "order/id_customer → customer/id"),
    ("email", "customer/email"),
    ("company", "customer/company, else address/company"),
    ("siret", "customer/siret"),
    ("ape", "customer/ape"),
    ("vat_number", "address/vat_number (invoice address)"),
    ("billing_*", "order/id_address_invoice → address"),
    ("shipping_*", "order/id_address_delivery → address"),
    ("country", "address/id_country → country/iso_code"),
];

/// An element and what it holds; resources (an order, a customer) are read whole.
#[derive(Debug, Default, Clone)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
    line: u64,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The text of a child; a multilingual field (`<name><language id="1">…`) gives its first
    /// language.
    fn get(&self, name: &str) -> String {
        self.child(name).map(Node::value).unwrap_or_default()
    }

    fn value(&self) -> String {
        let t = self.text.trim();
        if t.is_empty()
            && let Some(lang) = self.children.iter().find(|c| c.name == "language")
        {
            return lang.text.trim().to_string();
        }
        t.to_string()
    }

    fn line_of(&self, name: &str) -> u64 {
        self.child(name).map(|c| c.line).unwrap_or(self.line)
    }
}

/// A buffered file that counts the lines it has handed over, for messages, and the bytes
/// since the last `>`: a tag or a text longer than `fsguard::MAX_RECORD_BYTES` (a tag never
/// closed, an endless text) stops the reader instead of growing its buffer without end.
struct Lines {
    inner: BufReader<File>,
    line: u64,
    since_gt: u64,
    /// Line where the overlong run started, once detected.
    too_long: Option<u64>,
    run_start: u64,
}

impl Lines {
    fn count(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' => self.line += 1,
                b'>' => {
                    self.since_gt = 0;
                    self.run_start = self.line;
                    continue;
                }
                _ => {}
            }
            self.since_gt += 1;
        }
        if self.since_gt > crate::fsguard::MAX_RECORD_BYTES && self.too_long.is_none() {
            self.too_long = Some(self.run_start);
        }
    }

    fn check(&self) -> std::io::Result<()> {
        match self.too_long {
            Some(line) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                crate::fsguard::TooLong { line, limit: crate::fsguard::MAX_RECORD_BYTES },
            )),
            None => Ok(()),
        }
    }
}

impl Read for Lines {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.check()?;
        let n = self.inner.read(buf)?;
        self.count(&buf[..n]);
        Ok(n)
    }
}

impl BufRead for Lines {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.check()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        let buf = self.inner.buffer();
        let used = buf[..amt.min(buf.len())].to_vec();
        self.count(&used);
        self.inner.consume(amt);
    }
}

/// The plural list element a resource sits in (`/api/orders` → `<orders><order>`).
fn list_of(resource: &str) -> &'static str {
    match resource {
        "order" => "orders",
        "customer" => "customers",
        "address" => "addresses",
        "country" => "countries",
        "currency" => "currencies",
        "carrier" => "carriers",
        "order_state" => "order_states",
        "order_detail" => "order_details",
        "order_slip" => "order_slips",
        _ => "",
    }
}

/// Is an element named `name` inside `stack` a resource (under the root or its plural list)?
fn at_resource(stack: &[String], name: &str) -> bool {
    let list = list_of(name);
    match stack.last().map(String::as_str) {
        Some("prestashop") => !list.is_empty(),
        Some(parent) => !list.is_empty() && parent == list,
        None => false,
    }
}

/// A streaming XML reader of the file, with the path of open elements.
struct Xml {
    path: PathBuf,
    reader: Reader<Lines>,
    buf: Vec<u8>,
    stack: Vec<String>,
    /// Entity references XML does not define (`&xxe;`), kept as text: (name, line), each
    /// name once.
    entities: Vec<(String, u64)>,
}

enum Item {
    /// A resource element, read whole.
    Resource(Node),
    /// A resource given as a link only (`<order id="5" xlink:href="…"/>`).
    Stub(String),
    End,
}

impl Xml {
    /// Reads `file` (opened from `path`) from its start.
    fn new(path: &Path, file: File) -> Result<Xml, InputError> {
        let io = |source| InputError::Io { path: path.to_path_buf(), source };
        let mut inner = BufReader::with_capacity(64 * 1024, file);
        if inner.fill_buf().map_err(io)?.starts_with(b"\xEF\xBB\xBF") {
            inner.consume(3);
        }
        let reader = Reader::from_reader(Lines { inner, line: 1, since_gt: 0, too_long: None, run_start: 1 });
        Ok(Xml { path: path.to_path_buf(), reader, buf: Vec::new(), stack: Vec::new(), entities: Vec::new() })
    }

    fn line(&self) -> u64 {
        self.reader.get_ref().line
    }

    fn error(&self, e: quick_xml::Error) -> InputError {
        if let Some(line) = self.reader.get_ref().too_long {
            return InputError::Malformed {
                path: self.path.clone(),
                line,
                message: format!(
                    "a tag or a text of more than {} starts here: not a webservice export (or a tag never closed)",
                    crate::fsguard::human_size(crate::fsguard::MAX_RECORD_BYTES)
                ),
            };
        }
        InputError::Malformed {
            path: self.path.clone(),
            line: self.line(),
            message: format!("not well-formed XML: {e}"),
        }
    }

    /// Elements nested deeper than any export: refused before the nesting costs anything.
    fn too_deep(&self, line: u64) -> InputError {
        InputError::Malformed {
            path: self.path.clone(),
            line,
            message: format!(
                "elements nested more than {} deep: not a PrestaShop webservice export",
                crate::fsguard::MAX_XML_DEPTH
            ),
        }
    }

    /// The next resource named in `wanted`; other elements are walked through.
    fn next_resource(&mut self, wanted: &[&str]) -> Result<Item, InputError> {
        loop {
            self.buf.clear();
            let ev = self.reader.read_event_into(&mut self.buf);
            let ev = match ev {
                Ok(ev) => ev,
                Err(e) => return Err(self.error(e)),
            };
            match ev {
                Event::Start(e) => {
                    let name = e.local_name().as_ref().to_string();
                    let qname = e.name().as_ref().to_string();
                    if at_resource(&self.stack, &name) {
                        if wanted.contains(&name.as_str()) {
                            let line = self.line();
                            return self.read_node(name, line).map(Item::Resource);
                        }
                        let mut skip = Vec::new();
                        if let Err(e) = self.reader.read_to_end_into(quick_xml::name::QName(&qname), &mut skip) {
                            return Err(self.error(e));
                        }
                        continue;
                    }
                    if self.stack.len() >= crate::fsguard::MAX_XML_DEPTH {
                        return Err(self.too_deep(self.line()));
                    }
                    self.stack.push(name);
                }
                Event::Empty(e) => {
                    let name = e.local_name().as_ref().to_string();
                    if at_resource(&self.stack, &name) && wanted.contains(&name.as_str()) {
                        return Ok(Item::Stub(name));
                    }
                }
                Event::End(_) => {
                    self.stack.pop();
                }
                Event::Eof => return Ok(Item::End),
                _ => {}
            }
        }
    }

    /// Reads the element just opened, with everything inside it.
    fn read_node(&mut self, name: String, line: u64) -> Result<Node, InputError> {
        let mut stack = vec![Node { name, line, ..Default::default() }];
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev,
                Err(e) => return Err(self.error(e)),
            };
            let line = self.reader.get_ref().line;
            match ev {
                Event::Start(e) => {
                    if stack.len() + self.stack.len() >= crate::fsguard::MAX_XML_DEPTH {
                        return Err(self.too_deep(line));
                    }
                    stack.push(Node { name: e.local_name().as_ref().to_string(), line, ..Default::default() })
                }
                Event::Empty(e) => {
                    let n = Node { name: e.local_name().as_ref().to_string(), line, ..Default::default() };
                    stack.last_mut().expect("open element").children.push(n);
                }
                Event::Text(t) => stack.last_mut().expect("open element").text.push_str(&t.xml10_content()),
                Event::CData(t) => stack.last_mut().expect("open element").text.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let text = match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => match r.as_ref() {
                            "amp" => "&".to_string(),
                            "lt" => "<".to_string(),
                            "gt" => ">".to_string(),
                            "quot" => "\"".to_string(),
                            "apos" => "'".to_string(),
                            other => {
                                // A DOCTYPE entity (`&xxe;`) is never expanded: the text is
                                // kept as written, and the reader warns.
                                if self.entities.len() < 100 && !self.entities.iter().any(|(n, _)| n == other) {
                                    self.entities.push((other.to_string(), line));
                                }
                                format!("&{other};")
                            }
                        },
                    };
                    stack.last_mut().expect("open element").text.push_str(&text);
                }
                Event::End(_) => {
                    let done = stack.pop().expect("open element");
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Event::Eof => {
                    return Err(InputError::Malformed {
                        path: self.path.clone(),
                        line,
                        message: format!("the file ends inside <{}>: it was cut short", stack[0].name),
                    });
                }
                _ => {}
            }
        }
    }
}

/// A line of an order: an `order_row` of the order, or an `order_detail` (with the order's
/// line) when the order was exported without its rows.
enum Row<'a> {
    Node(&'a Node),
    Detail(&'a Fields, u64),
}

impl Row<'_> {
    fn get(&self, name: &str) -> String {
        match self {
            Row::Node(n) => n.get(name),
            Row::Detail(f, _) => f.get(name).map(|v| v.trim().to_string()).unwrap_or_default(),
        }
    }

    fn line(&self) -> u64 {
        match self {
            Row::Node(n) => n.line,
            Row::Detail(_, line) => *line,
        }
    }

    fn line_of(&self, name: &str) -> u64 {
        match self {
            Row::Node(n) => n.line_of(name),
            Row::Detail(_, line) => *line,
        }
    }
}

/// Fields of a customer or an address, by element name (direct children only: the
/// customer's `associations` hold ids of their own).
fn fields(n: &Node) -> Fields {
    n.children.iter().filter(|c| c.name != "associations").map(|c| (c.name.clone(), c.value())).collect()
}

/// Fields of a resource kept for the orders; an order slip (a refund, `/api/order_slip`) also
/// keeps its details (`associations/order_slip_details`) under `details`, one
/// `id_order_detail|product_quantity|amount_tax_excl|amount_tax_incl` per detail, joined
/// with `;`.
fn resource_fields(n: &Node) -> Fields {
    let mut f = fields(n);
    if n.name == "order_slip" {
        let details: Vec<String> = n
            .child("associations")
            .and_then(|a| a.child("order_slip_details"))
            .map(|d| {
                d.children
                    .iter()
                    .filter(|c| c.name == "order_slip_detail")
                    .map(|c| {
                        ["id_order_detail", "product_quantity", "amount_tax_excl", "amount_tax_incl"]
                            .map(|k| c.get(k).replace([';', '|'], ""))
                            .join("|")
                    })
                    .collect()
            })
            .unwrap_or_default();
        f.insert("details".into(), details.join(";"));
    }
    f
}

pub struct PrestashopReader {
    pub path: PathBuf,
    pub dialect: &'static XmlDialect,
    pub generation: String,
    customers: HashMap<String, Fields>,
    addresses: HashMap<String, Fields>,
    /// Order details of the file, by id_order (lines of orders exported without their rows).
    details: HashMap<String, Vec<Fields>>,
    /// Order slips (refunds) of the file, by id_order.
    slips: HashMap<String, Vec<Fields>>,
    /// What other inputs of the run hold (customers, addresses... in files of their own).
    joined: Arc<Joined>,
    /// id → ISO code / name, from the file's own lists.
    countries: HashMap<String, String>,
    currencies: HashMap<String, String>,
    carriers: HashMap<String, String>,
    states: HashMap<String, String>,
    xml: Xml,
    /// Undefined entity references met by the first pass (customers, addresses), to warn
    /// about with the first order.
    entities: Vec<(String, u64)>,
    record: u64,
    /// References already seen, to report split orders (they share one).
    references: HashMap<String, String>,
    /// Warnings given once per file.
    said: HashSet<String>,
}

/// Is this file XML (after a BOM and blanks)? Then `open` reads it.
pub fn looks_like_xml(sample: &[u8]) -> bool {
    let s = sample.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(sample);
    s.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

/// The root element's name.
fn root_name(path: &Path, file: File) -> Result<String, InputError> {
    let mut x = Xml::new(path, file)?;
    loop {
        x.buf.clear();
        let ev = x.reader.read_event_into(&mut x.buf);
        match ev {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => return Ok(e.local_name().as_ref().to_string()),
            Ok(Event::Eof) => return Err(InputError::Empty { path: path.to_path_buf() }),
            Ok(_) => continue,
            Err(e) => return Err(x.error(e)),
        }
    }
}

/// Resources a companion file may hold, the key each is joined by, and their plural.
const COMPANION_RESOURCES: &[(&str, &str, &str)] = &[
    ("customer", "id", "customers"),
    ("address", "id", "addresses"),
    ("order_detail", "id_order", "order_details"),
    ("country", "id", "countries"),
    ("currency", "id", "currencies"),
    ("carrier", "id", "carriers"),
    ("order_state", "id", "order_states"),
    ("order_slip", "id_order", "order_slips"),
];

/// A webservice file without orders (customers, addresses, order details, lists): a companion
/// of the orders of the run (see `companions`). `Ok(None)` for a file holding orders, for
/// another XML and for one without any of those resources: it is opened as an input.
pub fn survey(path: &Path) -> Result<Option<Survey>, InputError> {
    let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    survey_from(path, &file)
}

/// A second handle on `file` (the same open file), rewound: each pass over it starts there.
fn rewound(path: &Path, file: &mut File) -> Result<File, InputError> {
    use std::io::Seek;
    let io = |source| InputError::Io { path: path.to_path_buf(), source };
    file.rewind().map_err(io)?;
    file.try_clone().map_err(io)
}

/// `survey` of `file`, opened (and checked) from `path`; the file is left for the reader.
pub fn survey_from(path: &Path, file: &File) -> Result<Option<Survey>, InputError> {
    let io = |source| InputError::Io { path: path.to_path_buf(), source };
    let mut file = file.try_clone().map_err(io)?;
    if root_name(path, rewound(path, &mut file)?)? != "prestashop" {
        return Ok(None);
    }
    let mut x = Xml::new(path, rewound(path, &mut file)?)?;
    let mut wanted: Vec<&str> = COMPANION_RESOURCES.iter().map(|(r, _, _)| *r).collect();
    wanted.push("order");
    let mut entries = Vec::new();
    let mut counts: BTreeMap<usize, u64> = BTreeMap::new();
    loop {
        match x.next_resource(&wanted)? {
            Item::End => break,
            Item::Stub(name) | Item::Resource(Node { name, .. }) if name == "order" => return Ok(None),
            Item::Stub(_) => {}
            Item::Resource(n) => {
                let Some(k) = COMPANION_RESOURCES.iter().position(|(r, _, _)| *r == n.name) else { continue };
                let (resource, key, _) = COMPANION_RESOURCES[k];
                *counts.entry(k).or_default() += 1;
                entries.push(Entry { resource, key: n.get(key), fields: resource_fields(&n) });
            }
        }
    }
    if entries.is_empty() {
        return Ok(None);
    }
    let kind: Vec<&str> = counts.keys().map(|&k| COMPANION_RESOURCES[k].2).collect();
    let counted: Vec<String> =
        counts.iter().map(|(&k, n)| format!("{n} {}", COMPANION_RESOURCES[k].2.replace('_', " "))).collect();
    Ok(Some(Survey {
        companion: Companion {
            path: path.to_path_buf(),
            platform: Platform::Prestashop,
            kind: kind.join("+"),
            generation: format!("webservice XML: {}", counted.join(", ")),
            encoding: "xml (utf-8)".into(),
            delimiter: "(xml)".into(),
            records: entries.len() as u64,
            completes: "orders",
            join: "by id: an order's id_customer, id_address_invoice, id_address_delivery, id_currency... and its order details and order slips by id_order",
        },
        entries,
    }))
}

impl PrestashopReader {
    /// Opens a webservice XML file alone (see `open_in_run`).
    pub fn open(path: &Path) -> Result<PrestashopReader, InputError> {
        PrestashopReader::open_in_run(path, Arc::default())
    }

    /// Opens a webservice XML file: checks its root, reads the customers, addresses and small
    /// lists, and counts the orders. What the file lacks is looked up in `joined`.
    pub fn open_in_run(path: &Path, joined: Arc<Joined>) -> Result<PrestashopReader, InputError> {
        let file = crate::fsguard::open_regular(path, crate::fsguard::MAX_INPUT_BYTES)
            .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
        PrestashopReader::from_file_in_run(path, file, joined)
    }

    /// `open_in_run` of `file`, opened (and checked) from `path`: its root, then one pass for
    /// the customers, addresses and lists, then the orders as they are asked for. The file is
    /// not opened again.
    pub fn from_file_in_run(path: &Path, mut file: File, joined: Arc<Joined>) -> Result<PrestashopReader, InputError> {
        let mut again = || rewound(path, &mut file);
        let root = root_name(path, again()?)?;
        if root != "prestashop" {
            return Err(InputError::Unrecognised {
                path: path.to_path_buf(),
                reason: format!(
                    "an XML file whose root element is <{root}>; passerelle reads PrestaShop webservice XML (<prestashop> root)"
                ),
            });
        }
        let mut first = Xml::new(path, again()?)?;
        let (mut customers, mut addresses) = (HashMap::new(), HashMap::new());
        let mut details: HashMap<String, Vec<Fields>> = HashMap::new();
        let mut slips: HashMap<String, Vec<Fields>> = HashMap::new();
        let (mut countries, mut currencies, mut carriers, mut states) =
            (HashMap::new(), HashMap::new(), HashMap::new(), HashMap::new());
        let (mut orders, mut stubs) = (0u64, 0u64);
        let wanted = [
            "order",
            "customer",
            "address",
            "country",
            "currency",
            "carrier",
            "order_state",
            "order_detail",
            "order_slip",
        ];
        loop {
            match first.next_resource(&wanted)? {
                Item::End => break,
                Item::Stub(name) if name == "order" => stubs += 1,
                Item::Stub(_) => {}
                Item::Resource(n) => {
                    let id = n.get("id");
                    match n.name.as_str() {
                        "order" => orders += 1,
                        "customer" => {
                            customers.insert(id, fields(&n));
                        }
                        "address" => {
                            addresses.insert(id, fields(&n));
                        }
                        "order_detail" => {
                            details.entry(n.get("id_order")).or_default().push(fields(&n));
                        }
                        "order_slip" => {
                            slips.entry(n.get("id_order")).or_default().push(resource_fields(&n));
                        }
                        "country" => {
                            countries.insert(id, n.get("iso_code"));
                        }
                        "currency" => {
                            currencies.insert(id, n.get("iso_code"));
                        }
                        "carrier" => {
                            carriers.insert(id, n.get("name"));
                        }
                        _ => {
                            states.insert(id, n.get("name"));
                        }
                    }
                }
            }
        }
        if orders == 0 {
            let why = if stubs > 0 {
                format!(
                    "its {stubs} <order> elements are links only (id and xlink:href): export /api/orders?display=full"
                )
            } else {
                format!(
                    "a PrestaShop webservice file without <order> elements ({} customers, {} addresses); passerelle reads orders from it: export /api/orders?display=full with the customers and addresses",
                    customers.len(),
                    addresses.len()
                )
            };
            return Err(InputError::Unrecognised { path: path.to_path_buf(), reason: why });
        }
        let generation = format!(
            "webservice XML: {orders} orders, {} customers, {} addresses{}",
            customers.len(),
            addresses.len(),
            [
                ("currencies", currencies.len()),
                ("carriers", carriers.len()),
                ("countries", countries.len()),
                ("order states", states.len())
            ]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!(", {n} {what}"))
            .collect::<String>()
        );
        Ok(PrestashopReader {
            path: path.to_path_buf(),
            dialect: dialect(),
            generation,
            customers,
            addresses,
            details,
            slips,
            joined,
            countries,
            currencies,
            carriers,
            states,
            entities: std::mem::take(&mut first.entities),
            xml: Xml::new(path, again()?)?,
            record: 0,
            references: HashMap::new(),
            said: HashSet::new(),
        })
    }

    /// Element names, for `inspect` (no header in XML).
    pub fn headers(&self) -> Vec<String> {
        FIELDS.iter().map(|(_, e)| e.to_string()).collect()
    }

    /// The next order (or the problem that stops it), `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<OrderResult>, InputError> {
        let next = self.xml.next_resource(&["order"]);
        let mut found = std::mem::take(&mut self.entities);
        found.append(&mut self.xml.entities);
        for (name, line) in found {
            self.say_once(
                format!("entity:{name}"),
                w,
                WarningKind::UnresolvedEntity,
                "",
                format!(
                    "line {line}: the entity reference &{name}; is not defined by XML and is never expanded: it is copied as the text \"&{name};\" (check the fields that hold it)"
                ),
            );
        }
        match next? {
            Item::End => Ok(None),
            Item::Stub(_) => Ok(Some(Err(OrderProblem {
                order: String::new(),
                line: self.xml.line(),
                field: "order".into(),
                message: "an <order> given as a link only: export /api/orders?display=full".into(),
            }))),
            Item::Resource(n) => {
                self.record += 1;
                Ok(Some(self.order(&n, w)))
            }
        }
    }

    /// A value of one of the small lists (country → iso_code...): the file's own, else one of
    /// a companion file of the run.
    fn listed(&self, own: &HashMap<String, String>, resource: &'static str, field: &str, id: &str) -> Option<String> {
        own.get(id).cloned().or_else(|| {
            self.joined.get(Platform::Prestashop, resource, id).map(|f| f.get(field).cloned().unwrap_or_default())
        })
    }

    /// Neither the file nor a companion lists any element of `resource`.
    fn unlisted(&self, own: &HashMap<String, String>, resource: &'static str) -> bool {
        own.is_empty() && !self.joined.has(Platform::Prestashop, resource)
    }

    fn say_once(&mut self, key: impl Into<String>, w: &mut Warnings, kind: WarningKind, field: &str, message: String) {
        if self.said.insert(key.into()) {
            w.push(kind, &self.path.display().to_string(), field, message);
        }
    }

    fn order(&mut self, n: &Node, w: &mut Warnings) -> OrderResult {
        let id = n.get("id");
        let reference = n.get("reference");
        let number = if reference.is_empty() { id.clone() } else { reference.clone() };
        let origin = Origin { record: self.record, line: n.line };
        let subject = format!("order {number} (line {})", n.line);
        let problem = |field: &str, line: u64, message: String| OrderProblem {
            order: number.clone(),
            line,
            field: field.to_string(),
            message,
        };
        let amount = |field: &str| -> Result<Option<Decimal>, OrderProblem> {
            let v = n.get(field);
            if v.is_empty() {
                return Ok(None);
            }
            parse_plain(&v)
                .map(Some)
                .ok_or_else(|| problem(field, n.line_of(field), format!("<{field}> '{v}' is not a number")))
        };
        if !reference.is_empty() {
            if let Some(other) = self.references.get(&reference) {
                w.push(
                    WarningKind::SplitOrder,
                    &subject,
                    "reference",
                    format!(
                        "reference {reference} is shared with order id {other} (a cart split into several orders): use {{order.id}} in [orders] piece to keep the pieces apart"
                    ),
                );
            } else {
                self.references.insert(reference.clone(), id.clone());
            }
        }
        let mut o = Order { number: number.clone(), id: id.clone(), origin, ..Default::default() };
        let date = n.get("date_add");
        o.date = parse_datetime(&date);
        if o.date.is_none() && !date.is_empty() && !date.starts_with("0000-00-00") {
            return Err(problem("date_add", n.line_of("date_add"), format!("'{date}' is not a date")));
        }
        let invoice = n.get("invoice_date");
        o.invoice_date = parse_datetime(&invoice);
        if o.invoice_date.is_none() && !invoice.is_empty() && !invoice.starts_with("0000-00-00") {
            w.push(WarningKind::InvalidValue, &subject, "invoice_date", format!("'{invoice}' is not a date: ignored"));
        }
        o.currency = self.lookup_currency(&n.get("id_currency"), w);
        o.status = self.status(&n.get("current_state"), w);
        o.payment_method = n.get("payment");
        o.carrier = self.lookup_carrier(&n.get("id_carrier"), w);
        o.total_ttc = amount("total_paid_tax_incl")?.or(amount("total_paid")?);
        o.total_ht = amount("total_paid_tax_excl")?;
        if let (Some(t), Some(h)) = (o.total_ttc, o.total_ht) {
            o.total_tax = Some(t - h);
        }
        o.subtotal = amount("total_products")?;
        o.shipping_ht = amount("total_shipping_tax_excl")?;
        o.shipping_ttc = amount("total_shipping_tax_incl")?.or(amount("total_shipping")?);
        let carrier_rate = amount("carrier_tax_rate")?.map(|r| r.normalize());
        if o.shipping_ttc.is_some_and(|s| !s.is_zero()) {
            o.shipping_tax_rate = carrier_rate;
        }
        let nonzero = |d: Option<Decimal>| d.filter(|x| !x.is_zero());
        o.discount_ht = nonzero(amount("total_discounts_tax_excl")?);
        o.discount_ttc = nonzero(amount("total_discounts_tax_incl")?.or(amount("total_discounts")?));
        let candidates: Vec<Decimal> = carrier_rate.into_iter().collect();

        let mut rows: Vec<Row> = n
            .child("associations")
            .and_then(|a| a.child("order_rows"))
            .map(|r| r.children.iter().filter(|c| c.name == "order_row").map(Row::Node).collect())
            .unwrap_or_default();
        // An order exported without its rows: its order details (same file or another input).
        let joined = Arc::clone(&self.joined);
        if rows.is_empty() {
            let mut details: Vec<&Fields> = match self.details.get(&id) {
                Some(list) => list.iter().collect(),
                None => joined.all(Platform::Prestashop, "order_detail", &id),
            };
            details.sort_by_key(|f| f.get("id").and_then(|i| i.parse::<u64>().ok()).unwrap_or(u64::MAX));
            rows = details.into_iter().map(|f| Row::Detail(f, n.line)).collect();
        }
        let refunds = self.refunds(&id, &subject, w).map_err(|(field, message)| problem(&field, n.line, message))?;
        if rows.is_empty() {
            return Err(problem(
                "order_rows",
                n.line,
                format!(
                    "the order has no associations/order_rows, and no order_detail of order id {id} is in the run's inputs: export /api/orders?display=full"
                ),
            ));
        }
        for (k, row) in rows.iter().enumerate() {
            let k = k + 1;
            let get = |f: &str| -> Result<Option<Decimal>, OrderProblem> {
                let v = row.get(f);
                if v.is_empty() {
                    return Ok(None);
                }
                parse_plain(&v)
                    .map(Some)
                    .ok_or_else(|| problem(f, row.line_of(f), format!("line {k}: <{f}> '{v}' is not a number")))
            };
            let quantity = get("product_quantity")?
                .ok_or_else(|| problem("product_quantity", row.line(), format!("line {k} has no quantity")))?;
            let ht = get("unit_price_tax_excl")?;
            let ttc = get("unit_price_tax_incl")?;
            if ht.is_none() && ttc.is_none() {
                return Err(problem("unit_price_tax_excl", row.line(), format!("line {k} has no price")));
            }
            let rate = self.rate(ht, ttc, &candidates, &format!("line {k}"), &subject, w);
            let refunded = refunds.lines.get(&row.get("id")).cloned();
            o.lines.push(Line {
                refunded,
                sku: row.get("product_reference"),
                name: row.get("product_name"),
                quantity,
                unit_price_ht: ht,
                unit_price_ttc: ttc,
                tax_rate: rate,
                taxable: rate != Some(Decimal::ZERO),
                kind: LineKind::Product,
                origin: Origin { record: self.record, line: row.line() },
                ..Default::default()
            });
        }
        let (wrap_ht, wrap_ttc) = (
            nonzero(amount("total_wrapping_tax_excl")?),
            nonzero(amount("total_wrapping_tax_incl")?.or(amount("total_wrapping")?)),
        );
        if wrap_ht.is_some() || wrap_ttc.is_some() {
            let rate = self.rate(wrap_ht, wrap_ttc, &candidates, "gift wrapping", &subject, w);
            o.lines.push(Line {
                name: self.dialect.wrapping_label.clone(),
                quantity: Decimal::ONE,
                unit_price_ht: wrap_ht,
                unit_price_ttc: wrap_ttc,
                tax_rate: rate,
                taxable: rate != Some(Decimal::ZERO),
                kind: LineKind::Wrapping,
                origin: Origin { record: self.record, line: n.line_of("total_wrapping_tax_incl") },
                ..Default::default()
            });
        }
        if let Some(amount) = refunds.amount {
            o.refund.amount = Some(amount);
            o.refund.shipping = refunds.shipping;
            let unmatched: Vec<&String> =
                refunds.lines.keys().filter(|d| !rows.iter().any(|r| r.get("id") == **d)).collect();
            if !unmatched.is_empty() {
                w.push(
                    WarningKind::Refund,
                    &subject,
                    "order_slip",
                    format!(
                        "order slip details name order details {} that are not lines of the order: their refund is credited as an amount",
                        unmatched.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        o.prices = Some(price_basis(&o));
        o.basis_inferred = false;
        o.taxes = tax_lines(&o);
        o.customer = self
            .customer(n, &number, origin, &subject, w)
            .map_err(|(field, line, message)| problem(&field, line, message))?;
        Ok(Box::new(o))
    }

    /// The order slips (refunds) of order `id`, from the file or a companion: the amount
    /// refunded tax included (products and shipping), the shipping, and per order detail what
    /// was refunded. A slip that does not add up is an error (field, message).
    fn refunds(&self, id: &str, subject: &str, w: &mut Warnings) -> Result<SlipRefunds, (String, String)> {
        let joined = Arc::clone(&self.joined);
        let slips: Vec<&Fields> = match self.slips.get(id) {
            Some(list) => list.iter().collect(),
            None => joined.all(Platform::Prestashop, "order_slip", id),
        };
        let mut r = SlipRefunds::default();
        for slip in slips {
            let num = |k: &str| -> Result<Option<Decimal>, (String, String)> {
                let v = slip.get(k).map(|s| s.trim()).unwrap_or("");
                if v.is_empty() {
                    return Ok(None);
                }
                parse_plain(v).map(Some).ok_or_else(|| {
                    (format!("order_slip/{k}"), format!("order slip {}: <{k}> '{v}' is not a number", slip_id(slip)))
                })
            };
            let products = num("total_products_tax_incl")?.or(num("amount")?);
            let shipping = num("total_shipping_tax_incl")?.or(num("shipping_cost_amount")?);
            if products.is_none() && shipping.is_none() {
                w.push(
                    WarningKind::Refund,
                    subject,
                    "order_slip",
                    format!("order slip {} states no amount: not counted", slip_id(slip)),
                );
                continue;
            }
            let (p, s) = (products.unwrap_or_default().abs(), shipping.unwrap_or_default().abs());
            *r.amount.get_or_insert(Decimal::ZERO) += p + s;
            if !s.is_zero() {
                *r.shipping.get_or_insert(Decimal::ZERO) += s;
            }
            for d in slip.get("details").map(String::as_str).unwrap_or("").split(';').filter(|d| !d.is_empty()) {
                let parts: Vec<&str> = d.split('|').collect();
                let part = |i: usize| -> Result<Option<Decimal>, (String, String)> {
                    let v = parts.get(i).copied().unwrap_or("").trim();
                    if v.is_empty() {
                        return Ok(None);
                    }
                    parse_plain(v).map(|x| Some(x.abs())).ok_or_else(|| {
                        (
                            "order_slip_detail".to_string(),
                            format!("order slip {}: '{v}' is not a number", slip_id(slip)),
                        )
                    })
                };
                let line = r.lines.entry(parts[0].trim().to_string()).or_default();
                let add = |a: &mut Option<Decimal>, b: Option<Decimal>| {
                    if let Some(b) = b {
                        *a.get_or_insert(Decimal::ZERO) += b;
                    }
                };
                add(&mut line.quantity, part(1)?);
                add(&mut line.ht, part(2)?);
                add(&mut line.ttc, part(3)?);
            }
        }
        Ok(r)
    }

    /// The VAT rate of a price given both ways, snapped to a known rate.
    fn rate(
        &self,
        ht: Option<Decimal>,
        ttc: Option<Decimal>,
        candidates: &[Decimal],
        what: &str,
        subject: &str,
        w: &mut Warnings,
    ) -> Option<Decimal> {
        let (ht, ttc) = (ht?, ttc?);
        match snap_rate(ht, ttc - ht, candidates) {
            Ok(r) => r,
            Err(raw) => {
                w.push(
                    WarningKind::Guessed,
                    subject,
                    "tax_rate",
                    format!(
                        "{what}: {ttc} incl. tax for {ht} excl. tax is {raw}%, not a known VAT rate: written as is"
                    ),
                );
                Some(raw)
            }
        }
    }

    fn status(&mut self, id: &str, w: &mut Warnings) -> OrderStatus {
        let known = self.dialect.states.get(id);
        let listed = self.listed(&self.states, "order_state", "name", id);
        let name = match (&listed, known) {
            (Some(n), _) if !n.is_empty() => n.clone(),
            (_, Some(k)) => {
                if self.unlisted(&self.states, "order_state") {
                    self.say_once(
                        "states",
                        w,
                        WarningKind::Guessed,
                        "current_state",
                        "order states named after a default PrestaShop install (2 = Paiement accepté, 6 = Annulé...): add /api/order_states?display=full to the file if the shop renamed or added states".into(),
                    );
                }
                k.name.clone()
            }
            _ => {
                self.say_once(
                    format!("state:{id}"),
                    w,
                    WarningKind::Guessed,
                    "current_state",
                    format!("order state id {id} is neither in the file nor a default PrestaShop state: written 'état {id}', not treated as cancelled or refunded; add /api/order_states?display=full"),
                );
                format!("état {id}")
            }
        };
        let folded = remove_accents(&name).to_lowercase();
        let any =
            |list: &[String]| list.iter().any(|x| folded.split(|c: char| !c.is_alphanumeric()).any(|word| word == x));
        // The shop's own list names its states: the default ids only speak for a file without it.
        let by_id = if listed.is_some() { None } else { known };
        OrderStatus {
            cancelled: by_id.is_some_and(|k| k.cancelled) || any(&self.dialect.names.cancelled),
            refunded: by_id.is_some_and(|k| k.refunded) || any(&self.dialect.names.refunded),
            financial: name,
            fulfillment: String::new(),
        }
    }

    fn lookup_currency(&mut self, id: &str, w: &mut Warnings) -> String {
        match self.listed(&self.currencies, "currency", "iso_code", id) {
            Some(c) => c,
            None => {
                let why = if self.unlisted(&self.currencies, "currency") {
                    "no <currency> elements"
                } else {
                    "not among its <currency> elements"
                };
                self.say_once(
                    format!("currency:{id}"),
                    w,
                    WarningKind::Guessed,
                    "id_currency",
                    format!("currency id {id} is not in the file ({why}): its documents carry no currency; add /api/currencies?display=full"),
                );
                String::new()
            }
        }
    }

    fn lookup_carrier(&mut self, id: &str, w: &mut Warnings) -> String {
        if id.is_empty() || id == "0" {
            return String::new();
        }
        match self.listed(&self.carriers, "carrier", "name", id) {
            Some(c) => c,
            None => {
                let why = if self.unlisted(&self.carriers, "carrier") {
                    "no <carrier> elements"
                } else {
                    "not among its <carrier> elements"
                };
                self.say_once(
                    format!("carrier:{id}"),
                    w,
                    WarningKind::Guessed,
                    "id_carrier",
                    format!("carrier id {id} is not in the file ({why}): its shipping goes on the default shipping article; add /api/carriers?display=full"),
                );
                String::new()
            }
        }
    }

    fn country(&mut self, id: &str, subject: &str, w: &mut Warnings) -> String {
        let iso = match self.listed(&self.countries, "country", "iso_code", id) {
            Some(c) => c,
            None => {
                let default =
                    id.parse::<usize>().ok().and_then(|i| self.dialect.countries.default.get(i.wrapping_sub(1)));
                match default {
                    Some(c) => {
                        if self.unlisted(&self.countries, "country") {
                            self.say_once(
                                "countries",
                                w,
                                WarningKind::Guessed,
                                "id_country",
                                "country ids read with the list of a default PrestaShop install (8 = FR, 3 = BE...): add /api/countries?display=full to the file if the shop's list was changed".into(),
                            );
                        } else {
                            self.say_once(
                                format!("country:{id}"),
                                w,
                                WarningKind::Guessed,
                                "id_country",
                                format!("country id {id} is not among the file's <country> elements: read as {c}, its id in a default PrestaShop install"),
                            );
                        }
                        c.clone()
                    }
                    None => {
                        w.push(
                            WarningKind::UnknownCountry,
                            subject,
                            "id_country",
                            format!("country id {id} is unknown: left empty"),
                        );
                        return String::new();
                    }
                }
            }
        };
        country_iso(&iso, subject, w)
    }

    fn address(&mut self, a: &Fields, subject: &str, w: &mut Warnings) -> Address {
        let f = |k: &str| a.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
        let phone = if f("phone").is_empty() { f("phone_mobile") } else { f("phone") };
        Address {
            company: f("company"),
            firstname: f("firstname"),
            lastname: f("lastname"),
            address1: f("address1"),
            address2: f("address2"),
            zip: f("postcode"),
            city: f("city"),
            state: String::new(),
            country: self.country(&f("id_country"), subject, w),
            phone,
        }
    }

    /// The order's customer and its two addresses, which must be in the file.
    fn customer(
        &mut self,
        n: &Node,
        number: &str,
        origin: Origin,
        subject: &str,
        w: &mut Warnings,
    ) -> Result<Customer, (String, u64, String)> {
        let hint = "export /api/customers?display=full and /api/addresses?display=full into the same file as the orders, or give those files in the same run";
        let missing = |what: &str, field: &str, id: &str| {
            (field.to_string(), n.line_of(field), format!("order {number}: {what} {id} is not in the file; {hint}"))
        };
        let cid = n.get("id_customer");
        let own_or_joined = |own: &HashMap<String, Fields>, resource: &'static str, id: &str| {
            own.get(id).or_else(|| self.joined.get(Platform::Prestashop, resource, id)).cloned()
        };
        let c =
            own_or_joined(&self.customers, "customer", &cid).ok_or_else(|| missing("customer", "id_customer", &cid))?;
        let inv_id = n.get("id_address_invoice");
        let inv = own_or_joined(&self.addresses, "address", &inv_id)
            .ok_or_else(|| missing("address", "id_address_invoice", &inv_id))?;
        let del_id = n.get("id_address_delivery");
        let del = own_or_joined(&self.addresses, "address", &del_id)
            .ok_or_else(|| missing("address", "id_address_delivery", &del_id))?;
        let f = |m: &Fields, k: &str| m.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
        let billing = self.address(&inv, subject, w);
        let delivery = self.address(&del, subject, w);
        let company = if f(&c, "company").is_empty() { billing.company.clone() } else { f(&c, "company") };
        Ok(Customer {
            shop_id: cid,
            email: f(&c, "email"),
            firstname: f(&c, "firstname"),
            lastname: f(&c, "lastname"),
            company,
            siret: f(&c, "siret").split_whitespace().collect(),
            ape: f(&c, "ape"),
            vat_number: f(&inv, "vat_number").split_whitespace().collect(),
            phone: billing.phone.clone(),
            mobile: f(&inv, "phone_mobile"),
            billing,
            delivery: Some(delivery),
            origin,
        })
    }
}

/// What an order's slips refund.
#[derive(Default)]
struct SlipRefunds {
    amount: Option<Decimal>,
    shipping: Option<Decimal>,
    /// By id of order detail (an order row's `id`).
    lines: HashMap<String, LineRefund>,
}

fn slip_id(slip: &Fields) -> &str {
    slip.get("id").map(String::as_str).unwrap_or("?")
}

/// The side the merchant typed. PrestaShop computes the other one with 6 decimals, so the
/// typed side is the one whose unit prices are whole cents: tax-excluded prices (B2B shops,
/// `3.000000` HT → `3.165000` TTC) make an HT order; otherwise the order is TTC, as French
/// B2C shops display and charge it (`15.000000` TTC → `12.500000` HT). Either way the
/// builder finds the amounts on both sides.
pub(super) fn price_basis(o: &Order) -> PriceBasis {
    let cents = |d: &Option<Decimal>| d.is_some_and(|x| x.normalize().scale() <= 2);
    let products = || o.lines.iter().filter(|l| l.kind == LineKind::Product);
    let ht_clean = products().all(|l| cents(&l.unit_price_ht));
    let ttc_clean = products().all(|l| cents(&l.unit_price_ttc));
    if ht_clean && !ttc_clean { PriceBasis::Excl } else { PriceBasis::Incl }
}

/// The order's VAT by rate, from the lines' two prices, shipping and wrapping.
pub(super) fn tax_lines(o: &Order) -> Vec<TaxLine> {
    let mut by_rate: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    let mut add = |rate: Option<Decimal>, ht: Option<Decimal>, ttc: Option<Decimal>, qty: Decimal| {
        if let (Some(r), Some(h), Some(t)) = (rate, ht, ttc) {
            by_rate.entry(r.normalize().to_string()).or_insert((r, Decimal::ZERO)).1 +=
                (t - h).checked_mul(qty).unwrap_or_default();
        }
    };
    for l in &o.lines {
        add(l.tax_rate, l.unit_price_ht, l.unit_price_ttc, l.quantity);
    }
    add(o.shipping_tax_rate, o.shipping_ht, o.shipping_ttc, Decimal::ONE);
    by_rate
        .into_values()
        .filter(|(_, amount)| !amount.is_zero())
        .map(|(rate, amount)| TaxLine { rate, amount: amount.round_dp(2), label: format!("TVA {}%", rate.normalize()) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    const ORDER: &str = r#"<order>
	<id><![CDATA[7]]></id>
	<id_address_delivery xlink:href="http://x/api/addresses/4"><![CDATA[4]]></id_address_delivery>
	<id_address_invoice xlink:href="http://x/api/addresses/4"><![CDATA[4]]></id_address_invoice>
	<id_currency><![CDATA[1]]></id_currency>
	<id_customer><![CDATA[1]]></id_customer>
	<id_carrier><![CDATA[2]]></id_carrier>
	<current_state><![CDATA[6]]></current_state>
	<invoice_date><![CDATA[0000-00-00 00:00:00]]></invoice_date>
	<date_add><![CDATA[2026-11-20 10:00:00]]></date_add>
	<payment><![CDATA[Chèque]]></payment>
	<total_paid_tax_incl><![CDATA[12.000000]]></total_paid_tax_incl>
	<total_paid_tax_excl><![CDATA[10.000000]]></total_paid_tax_excl>
	<total_shipping_tax_incl><![CDATA[0.000000]]></total_shipping_tax_incl>
	<carrier_tax_rate><![CDATA[20.000]]></carrier_tax_rate>
	<reference><![CDATA[ABCDEFGHI]]></reference>
	<associations><order_rows nodeType="order_row" virtualEntity="true">
	<order_row><id>1</id><product_quantity>1</product_quantity><product_name>Vin &amp; fromage &#8211; coffret</product_name><product_reference>VIN-01</product_reference><unit_price_tax_incl>12.000000</unit_price_tax_incl><unit_price_tax_excl>10.000000</unit_price_tax_excl></order_row>
	</order_rows></associations>
</order>"#;

    const PEOPLE: &str = r#"<customer><id>1</id><email>a@b.fr</email><firstname>Ana</firstname><lastname>Ré</lastname><company></company><siret/><associations><groups><group><id>3</id></group></groups></associations></customer>
<address><id>4</id><id_customer>1</id_customer><id_country>3</id_country><firstname>Ana</firstname><lastname>Ré</lastname><address1>Rue X 1</address1><postcode>1000</postcode><city>Bruxelles</city><vat_number></vat_number></address>"#;

    #[test]
    fn concatenated_api_documents_and_entities() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n{ORDER}\n</prestashop>\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n{PEOPLE}\n</prestashop>\n"
        );
        let p = write(dir.path(), "ws.xml", &text);
        let mut r = PrestashopReader::open(&p).unwrap();
        let mut w = Warnings::new("ws.xml");
        let o = r.next(&mut w).unwrap().unwrap().unwrap();
        assert_eq!(o.number, "ABCDEFGHI");
        assert_eq!(o.lines[0].name, "Vin & fromage – coffret");
        assert_eq!(o.lines[0].tax_rate, Some(Decimal::from(20)));
        assert!(o.status.cancelled);
        assert_eq!(o.status.financial, "Annulé");
        assert_eq!(o.invoice_date, None);
        assert_eq!(o.customer.billing.country, "BE");
        assert_eq!(o.customer.billing.zip, "1000");
        assert_eq!(o.origin.line, 3);
        assert!(r.next(&mut w).unwrap().is_none());
        let kinds: Vec<&str> = w.list.iter().map(|x| x.field.as_str()).collect();
        assert!(
            kinds.contains(&"id_country") && kinds.contains(&"current_state") && kinds.contains(&"id_currency"),
            "{kinds:?}"
        );
    }

    #[test]
    fn ids_missing_from_the_files_own_lists_and_bad_invoice_dates_are_said_once_each() {
        let dir = tempfile::tempdir().unwrap();
        let other = |id: &str, state: &str, currency: &str| {
            ORDER
                .replace("<![CDATA[7]]>", &format!("<![CDATA[{id}]]>"))
                .replace("<reference><![CDATA[ABCDEFGHI]]></reference>", "")
                .replace("<![CDATA[6]]></current_state>", &format!("<![CDATA[{state}]]></current_state>"))
                .replace("<id_currency><![CDATA[1]]>", &format!("<id_currency><![CDATA[{currency}]]>"))
                .replace("0000-00-00 00:00:00]]></invoice_date>", "31/02/2026]]></invoice_date>")
        };
        let orders = [other("7", "99", "2"), other("8", "99", "3"), other("9", "98", "2")].concat();
        // The file lists countries and currencies, but not country 3 nor currencies 2 and 3.
        let lists = "<countries><country><id>8</id><iso_code>FR</iso_code></country></countries>\
<currencies><currency><id>1</id><iso_code>EUR</iso_code></currency></currencies>";
        let p =
            write(dir.path(), "ws.xml", &format!("<prestashop><orders>{orders}</orders>{PEOPLE}{lists}</prestashop>"));
        let mut r = PrestashopReader::open(&p).unwrap();
        let mut w = Warnings::new("ws.xml");
        let o = r.next(&mut w).unwrap().unwrap().unwrap();
        assert_eq!((o.status.financial.as_str(), o.customer.billing.country.as_str()), ("état 99", "BE"));
        while r.next(&mut w).unwrap().is_some() {}
        let said =
            |field: &str| w.list.iter().filter(|x| x.field == field).map(|x| x.message.clone()).collect::<Vec<_>>();
        assert_eq!(said("current_state").len(), 2, "states 99 and 98: {:?}", said("current_state"));
        assert_eq!(said("id_currency").len(), 2, "currencies 2 and 3: {:?}", said("id_currency"));
        assert!(said("id_currency")[0].contains("not among its <currency> elements"));
        assert_eq!(said("id_country").len(), 1, "{:?}", said("id_country"));
        assert!(said("id_country")[0].contains("country id 3 is not among the file's <country> elements: read as BE"));
        assert_eq!(said("invoice_date").len(), 1, "counted once, for the three orders: {:?}", w.list);
    }

    #[test]
    fn stubs_missing_people_and_bad_xml() {
        let dir = tempfile::tempdir().unwrap();
        let stubs = write(
            dir.path(),
            "stubs.xml",
            "<prestashop><orders><order id=\"5\" xlink:href=\"http://x/api/orders/5\"/></orders></prestashop>",
        );
        let e = PrestashopReader::open(&stubs).err().unwrap().to_string();
        assert!(e.contains("display=full"), "{e}");
        let alone = write(dir.path(), "alone.xml", &format!("<prestashop><orders>{ORDER}</orders></prestashop>"));
        let mut r = PrestashopReader::open(&alone).unwrap();
        let p = r.next(&mut Warnings::default()).unwrap().unwrap().err().unwrap();
        assert_eq!(p.field, "id_customer");
        assert!(
            p.message.contains("customer 1 is not in the file") && p.message.contains("display=full"),
            "{}",
            p.message
        );
        let end = ORDER.find("</id_customer>").unwrap() + "</id_customer>".len();
        let cut = write(dir.path(), "cut.xml", &format!("<prestashop><orders>{}", &ORDER[..end]));
        let e = PrestashopReader::open(&cut).err().unwrap().to_string();
        assert!(e.contains("cut.xml") && e.contains("cut short"), "{e}");
        let bad = write(dir.path(), "bad.xml", &format!("<prestashop><orders>{ORDER}</order></orders></prestashop>"));
        let e = PrestashopReader::open(&bad).err().unwrap().to_string();
        assert!(e.contains("bad.xml: line ") && e.contains("not well-formed"), "{e}");
        let wrong = write(dir.path(), "excel.xml", "<?xml version=\"1.0\"?><Workbook><Worksheet/></Workbook>");
        assert!(PrestashopReader::open(&wrong).err().unwrap().to_string().contains("<Workbook>"));
    }

    #[test]
    fn the_files_own_lists_win_and_split_orders_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let second = ORDER
            .replace("<![CDATA[7]]>", "<![CDATA[8]]>")
            .replace("<![CDATA[6]]></current_state>", "<![CDATA[15]]></current_state>");
        let lists = "<countries><country><id>3</id><iso_code>FR</iso_code></country></countries>\
<order_states><order_state><id>6</id><name><language id=\"1\"><![CDATA[Paiement accepté]]></language></name></order_state>\
<order_state><id>15</id><name><language id=\"1\">Annulée par le client</language><language id=\"2\">Cancelled by customer</language></name></order_state></order_states>\
<currencies><currency><id>1</id><iso_code>EUR</iso_code></currency></currencies>";
        let p = write(
            dir.path(),
            "ws.xml",
            &format!("<prestashop><orders>{ORDER}{second}</orders>{PEOPLE}{lists}</prestashop>"),
        );
        let mut r = PrestashopReader::open(&p).unwrap();
        let mut w = Warnings::new("ws.xml");
        let first = r.next(&mut w).unwrap().unwrap().unwrap();
        // This shop's state 6 is not the default "Annulé": its own list decides.
        assert_eq!(first.status.financial, "Paiement accepté");
        assert!(!first.status.cancelled);
        assert_eq!(first.customer.billing.country, "FR");
        assert_eq!(first.currency, "EUR");
        let split = r.next(&mut w).unwrap().unwrap().unwrap();
        assert_eq!(split.status.financial, "Annulée par le client");
        assert!(split.status.cancelled);
        assert!(w.list.iter().any(|x| x.kind == "split_order" && x.message.contains("order id 7")), "{:#?}", w.list);
        assert!(!w.list.iter().any(|x| x.field == "id_country" || x.field == "current_state"), "{:#?}", w.list);
    }

    #[test]
    fn resources_in_separate_files_are_joined_by_id() {
        let dir = tempfile::tempdir().unwrap();
        let doc = |body: &str| {
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<prestashop xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n{body}\n</prestashop>\n"
            )
        };
        let (people, _) = PEOPLE.split_once("\n").unwrap();
        let address = PEOPLE.split_once("\n").unwrap().1;
        let orders = write(dir.path(), "orders.xml", &doc(&format!("<orders>{ORDER}</orders>")));
        let customers = write(dir.path(), "customers.xml", &doc(&format!("<customers>{people}</customers>")));
        let addresses = write(dir.path(), "addresses.xml", &doc(&format!("<addresses>{address}</addresses>")));
        let countries = write(
            dir.path(),
            "countries.xml",
            &doc("<countries><country><id>3</id><iso_code>FR</iso_code></country></countries>"),
        );
        // Each companion says what it is; the orders file is not one.
        assert!(survey(&orders).unwrap().is_none());
        let s = survey(&customers).unwrap().unwrap();
        assert_eq!((s.companion.kind.as_str(), s.companion.records), ("customers", 1));
        let inputs = [addresses.clone(), orders.clone(), customers.clone(), countries];
        let joined = Arc::new(Joined::gather(&inputs, &crate::profile::InputSection::default()));
        assert_eq!(joined.files.len(), 3);
        let mut r = PrestashopReader::open_in_run(&orders, Arc::clone(&joined)).unwrap();
        let mut w = Warnings::new("orders.xml");
        let o = r.next(&mut w).unwrap().unwrap().unwrap();
        assert_eq!((o.customer.email.as_str(), o.customer.billing.city.as_str()), ("a@b.fr", "Bruxelles"));
        // The country list of another file is the shop's own: 3 is France here.
        assert_eq!(o.customer.billing.country, "FR");
        assert!(!w.list.iter().any(|x| x.field == "id_country"), "{:#?}", w.list);
        let mut used = joined.take_used();
        used.sort();
        assert_eq!(used.len(), 3, "customers, addresses and countries served");
        // Without the customers file, the order fails as it always did.
        let joined = Arc::new(Joined::gather(&[orders.clone(), addresses], &crate::profile::InputSection::default()));
        let mut r = PrestashopReader::open_in_run(&orders, joined).unwrap();
        let p = r.next(&mut Warnings::default()).unwrap().unwrap().unwrap_err();
        assert_eq!(p.field, "id_customer");
        assert!(p.message.contains("customer 1 is not in the file"), "{}", p.message);
    }

    #[test]
    fn an_order_without_its_rows_takes_its_order_details() {
        let dir = tempfile::tempdir().unwrap();
        let start = ORDER.find("<associations>").unwrap();
        let end = ORDER.find("</associations>").unwrap() + "</associations>".len();
        let bare = format!("{}{}", &ORDER[..start], &ORDER[end..]);
        let detail = |id: &str, order: &str, name: &str, qty: &str| {
            format!(
                "<order_detail><id>{id}</id><id_order>{order}</id_order><product_name>{name}</product_name><product_reference>REF-{id}</product_reference><product_quantity>{qty}</product_quantity><unit_price_tax_incl>6.000000</unit_price_tax_incl><unit_price_tax_excl>5.000000</unit_price_tax_excl><associations><taxes><tax><id>1</id></tax></taxes></associations></order_detail>"
            )
        };
        let orders =
            write(dir.path(), "orders.xml", &format!("<prestashop><orders>{bare}</orders>{PEOPLE}</prestashop>"));
        let details = write(
            dir.path(),
            "order_details.xml",
            &format!(
                "<prestashop><order_details>{}{}{}</order_details></prestashop>",
                detail("12", "7", "Bol", "1"),
                detail("11", "7", "Tasse", "2"),
                detail("13", "8", "Autre commande", "1")
            ),
        );
        let joined = Arc::new(Joined::gather(&[orders.clone(), details], &crate::profile::InputSection::default()));
        let mut r = PrestashopReader::open_in_run(&orders, joined).unwrap();
        let o = r.next(&mut Warnings::default()).unwrap().unwrap().unwrap();
        let lines: Vec<(&str, &str, Decimal)> =
            o.lines.iter().map(|l| (l.sku.as_str(), l.name.as_str(), l.quantity)).collect();
        assert_eq!(lines, [("REF-11", "Tasse", Decimal::from(2)), ("REF-12", "Bol", Decimal::ONE)], "by detail id");
        assert_eq!(o.lines[0].tax_rate, Some(Decimal::from(20)));
        // Alone, the order without rows fails and says what would have given them.
        let mut r = PrestashopReader::open(&orders).unwrap();
        let p = r.next(&mut Warnings::default()).unwrap().unwrap().unwrap_err();
        assert_eq!(p.field, "order_rows");
        assert!(p.message.contains("no order_detail of order id 7"), "{}", p.message);
    }

    #[test]
    fn default_tables_load() {
        let d = dialect();
        assert_eq!(d.countries.default[7], "FR");
        assert_eq!(d.countries.default.len(), 244);
        assert!(d.states["6"].cancelled && d.states["7"].refunded);
    }
}
