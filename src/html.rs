//! The run report as one HTML page for a person (`convert --html FILE`; `watch` writes one
//! beside each file's outputs): what was read, each order and customer with what became of
//! it, the totals, the warnings and errors, and the steps to import the files in Sage.
//!
//! One self-contained file: inline CSS, no script, nothing fetched from anywhere (it is
//! opened from a drop folder, often offline). Every value from the data is escaped. The page
//! stays bounded on huge runs: the first `ROWS` orders and customers in full, the rest
//! counted (the JSON report has every entry).

use std::collections::HashMap;
use std::fmt::Write as _;

use rust_decimal::Decimal;

use crate::i18n::{Lang, Msg};
use crate::report::{
    CustomerAction, CustomerReport, DocumentAction, DocumentKind, DocumentReport, InputReport, MatchKey, RecordError,
    Report, Status, Warning, WarningKind, error_message, kind_label, subject, warning_label, warning_meaning,
    warning_message,
};
use crate::t;

/// Orders and customers listed in full; beyond, they are counted.
pub const ROWS: usize = 1000;
/// Entries listed per warning kind, and error groups per input.
pub const ENTRIES: usize = 200;

/// The page, dated now.
pub fn page(report: &Report, lang: Lang) -> String {
    let now = jiff::ZonedDateTime::now();
    let date = match lang {
        Lang::Fr => now.strftime("%d/%m/%Y à %H:%M"),
        Lang::En => now.strftime("%Y-%m-%d %H:%M"),
    }
    .to_string();
    page_dated(report, lang, &date)
}

/// The page, with the date it says it was written.
pub fn page_dated(report: &Report, lang: Lang, date: &str) -> String {
    let mut p = Page { out: String::with_capacity(64 * 1024), lang, report };
    p.document(date);
    p.out
}

/// Does `head` (the start of a file) look like a page this module wrote? An earlier page
/// may be replaced by `--html`; any other file may not.
pub fn is_page(head: &str) -> bool {
    head.starts_with("<!DOCTYPE html>") && head.contains(GENERATOR)
}

/// Names the page's author in its head, for `is_page`.
const GENERATOR: &str = "<meta name=\"generator\" content=\"passerelle\">";

/// Text escaped for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// "1234.5" → "1,234.50" (English) or "1 234,50" (French, narrow no-break space).
pub fn money(amount: &str, lang: Lang) -> String {
    let Ok(d) = amount.parse::<Decimal>() else { return amount.to_string() };
    let mut d = d.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    d.rescale(2);
    let s = d.abs().to_string();
    let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
    let (group, point) = match lang {
        Lang::En => (",", "."),
        Lang::Fr => ("\u{202f}", ","),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push_str(group);
        }
        grouped.push(c);
    }
    let sign = if d.is_sign_negative() && !d.is_zero() { "−" } else { "" };
    format!("{sign}{grouped}{point}{frac}")
}

const STYLE: &str = "\
:root{--ink:#1d2329;--muted:#5b6670;--line:#d5dbe1;--soft:#f3f5f7;--ok:#17663a;--okbg:#e3f4ea;\
--warn:#8a5300;--warnbg:#fdf1dc;--bad:#a3201b;--badbg:#fbe5e3;--accent:#1f4e79}\
*{box-sizing:border-box}\
body{font:15px/1.45 \"Segoe UI\",Calibri,Arial,sans-serif;color:var(--ink);margin:0;background:#fff}\
main{max-width:1180px;margin:0 auto;padding:24px 28px 48px}\
h1{font-size:26px;margin:0 0 4px;color:var(--accent)}\
h2{font-size:20px;margin:36px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent);color:var(--accent)}\
h3{font-size:16px;margin:22px 0 6px}\
p{margin:6px 0}\
.muted{color:var(--muted);font-size:13px}\
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;font-weight:600}\
.banner.ok{background:var(--okbg);color:var(--ok)}\
.banner.bad{background:var(--badbg);color:var(--bad)}\
.banner.dry{background:var(--warnbg);color:var(--warn)}\
nav{margin:14px 0;font-size:14px}nav a{margin-right:14px;color:var(--accent)}\
.scroll{overflow-x:auto}\
table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}\
th,td{border:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}\
th{background:var(--soft);font-weight:600}\
tbody tr:nth-child(even){background:#fafbfc}\
td.num,th.num{text-align:right;white-space:nowrap}\
td.code{font-family:Consolas,\"Courier New\",monospace;white-space:nowrap}\
table.totals{width:auto;min-width:420px}table.totals td:first-child{padding-right:24px}\
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:13px;white-space:nowrap}\
.badge.ok{background:var(--okbg);color:var(--ok)}\
.badge.warn{background:var(--warnbg);color:var(--warn)}\
.badge.bad{background:var(--badbg);color:var(--bad)}\
.badge.none{background:var(--soft);color:var(--muted)}\
ol.steps>li{margin:8px 0}ol.files{margin:6px 0 6px 4px}\
ol.files li{margin:3px 0}\
.file{font-family:Consolas,\"Courier New\",monospace;background:var(--soft);padding:1px 5px;border-radius:3px}\
.path{overflow-wrap:anywhere;font-size:12px}td.wide{min-width:16em}\
.note{border-left:4px solid var(--warn);background:var(--warnbg);padding:8px 12px;margin:12px 0;font-size:14px}\
ul.notes{margin:0;padding-left:16px}ul.notes li{margin:2px 0}\
.kind{font-family:Consolas,\"Courier New\",monospace;font-size:13px;color:var(--warn)}\
pre{white-space:pre-wrap;margin:0;font:13px Consolas,\"Courier New\",monospace}\
@media print{main{max-width:none;padding:0}nav{display:none}.scroll{overflow:visible}}\
";

struct Page<'a> {
    out: String,
    lang: Lang,
    report: &'a Report,
}

impl Page<'_> {
    fn raw(&mut self, s: &str) {
        self.out.push_str(s);
    }

    fn text(&mut self, s: &str) {
        self.out.push_str(&escape(s));
    }

    /// A path: its file name, then its folder in small (a long folder wraps anywhere).
    fn path(&mut self, p: &str) {
        let name = file_name(p);
        self.raw("<span class=\"file\">");
        self.text(name);
        self.raw("</span>");
        let dir = &p[..p.len() - name.len()];
        if !dir.is_empty() {
            self.raw("<div class=\"muted path\">");
            self.text(dir);
            self.raw("</div>");
        }
    }

    fn msg(&mut self, m: Msg) {
        self.text(m.text(self.lang));
    }

    /// `<tag>text</tag>`, the text escaped.
    fn el(&mut self, tag: &str, s: &str) {
        let _ = write!(self.out, "<{tag}>{}</{}>", escape(s), tag.split(' ').next().unwrap_or(tag));
    }

    fn document(&mut self, date: &str) {
        let lang = self.lang;
        let r = self.report;
        self.raw("<!DOCTYPE html>\n");
        let _ = write!(self.out, "<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n", lang.code());
        self.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        self.raw(GENERATOR);
        self.raw("\n<title>");
        self.msg(Msg::HtmlTitle);
        self.raw("</title>\n<style>");
        self.raw(STYLE);
        self.raw("</style>\n</head>\n<body>\n<main>\n<h1>");
        self.msg(Msg::HtmlTitle);
        self.raw("</h1>\n<p class=\"muted\">");
        self.text(&t!(lang, Msg::HtmlWritten, date = date, version = env!("CARGO_PKG_VERSION")));
        if lang == Lang::Fr {
            self.raw(" ");
            self.msg(Msg::HtmlMessagesInEnglish);
        }
        self.raw("</p>\n");
        if r.dry_run {
            self.raw("<p class=\"banner dry\">");
            self.msg(Msg::HtmlDryRun);
            self.raw("</p>\n");
        }
        if let Some(e) = &r.error {
            // The run stopped before converting anything (exit code 2).
            self.raw("<div class=\"banner bad\">");
            self.msg(Msg::HtmlStopped);
            self.raw("<pre>");
            self.text(e);
            self.raw("</pre></div>\n");
        }
        if r.error.is_none() {
            if r.failed() {
                self.raw("<p class=\"banner bad\">");
                self.msg(if r.dry_run { Msg::HtmlVerdictFailedDry } else { Msg::HtmlVerdictFailed });
            } else {
                self.raw("<p class=\"banner ok\">");
                self.msg(if r.dry_run { Msg::HtmlVerdictOkDry } else { Msg::HtmlVerdictOk });
            }
            self.raw("</p>\n");
        }
        self.raw("<nav aria-label=\"");
        self.msg(Msg::HtmlContents);
        self.raw("\">");
        for (id, m) in [
            ("summary", Msg::HtmlSummary),
            ("import", Msg::HtmlImport),
            ("inputs", Msg::HtmlInputs),
            ("orders", Msg::HtmlOrders),
            ("customers", Msg::HtmlCustomers),
            ("errors", Msg::HtmlErrors),
            ("warnings", Msg::HtmlWarnings),
        ] {
            let _ = write!(self.out, "<a href=\"#{id}\">");
            self.msg(m);
            self.raw("</a>");
        }
        self.raw("</nav>\n");
        self.summary();
        self.import();
        self.inputs();
        self.orders();
        self.customers();
        self.errors();
        self.warnings();
        self.raw("</main>\n</body>\n</html>\n");
    }

    fn section(&mut self, id: &str, title: Msg) {
        let _ = write!(self.out, "<section id=\"{id}\">\n<h2>");
        self.msg(title);
        self.raw("</h2>\n");
    }

    fn summary(&mut self) {
        let lang = self.lang;
        let r = self.report;
        let t = &r.totals;
        let dry = r.dry_run;
        self.section("summary", Msg::HtmlSummary);
        let mut rows: Vec<(Msg, String, bool)> = Vec::new();
        let created = if dry { Msg::HtmlTotCustomersCreatedDry } else { Msg::HtmlTotCustomersCreated };
        rows.push((created, t.customers_created.to_string(), false));
        if t.customers_issued_before > 0 {
            rows.push((Msg::HtmlTotCustomersIssuedBefore, t.customers_issued_before.to_string(), true));
        }
        rows.push((Msg::HtmlTotCustomersMatched, t.customers_matched.to_string(), false));
        let updated = if dry { Msg::HtmlTotCustomersUpdatedDry } else { Msg::HtmlTotCustomersUpdated };
        rows.push((updated, t.customers_updated.to_string(), false));
        if t.customers_single_account > 0 {
            rows.push((Msg::HtmlTotCustomersSingle, t.customers_single_account.to_string(), false));
        }
        rows.push((Msg::HtmlTotCustomersFailed, t.customers_failed.to_string(), false));
        let docs = if dry { Msg::HtmlTotDocumentsCreatedDry } else { Msg::HtmlTotDocumentsCreated };
        rows.push((docs, t.documents_created.to_string(), false));
        if t.credit_notes_created > 0 {
            rows.push((Msg::HtmlTotCreditNotes, t.credit_notes_created.to_string(), true));
        }
        rows.push((Msg::HtmlTotDocumentsAlready, t.documents_skipped_already_converted.to_string(), false));
        rows.push((Msg::HtmlTotDocumentsSkipped, t.documents_skipped.to_string(), false));
        rows.push((Msg::HtmlTotDocumentsFailed, t.documents_failed.to_string(), false));
        let (ht, ttc, unknown) = amounts(&r.documents);
        // Entries a huge run left out of the report count too.
        let o = &r.omitted;
        let (ht, ttc, unknown) = (ht + o.total_ht, ttc + o.total_ttc, unknown + o.unknown_amounts as usize);
        let any_created = r.documents.iter().any(|d| d.action == DocumentAction::Created)
            || o.documents[DocumentAction::Created as usize] > 0;
        if any_created {
            rows.push((Msg::HtmlTotHt, money(&ht.to_string(), lang), false));
            rows.push((Msg::HtmlTotTtc, money(&ttc.to_string(), lang), false));
        }
        let warnings: u64 = r.warnings.iter().map(|w| w.count).sum();
        rows.push((Msg::HtmlTotWarnings, warnings.to_string(), false));
        rows.push((Msg::HtmlTotErrors, r.errors.len().to_string(), false));
        self.raw("<table class=\"totals\">\n<tbody>\n");
        for (label, value, sub) in rows {
            self.raw(if sub { "<tr><td>&nbsp;&nbsp;" } else { "<tr><td>" });
            self.msg(label);
            self.raw("</td><td class=\"num\">");
            self.text(&value);
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody>\n</table>\n");
        if any_created {
            self.raw("<p class=\"muted\">");
            self.msg(Msg::HtmlAmountsNote);
            if t.credit_notes_created > 0 {
                self.raw(" ");
                self.msg(Msg::HtmlCreditNotesDeducted);
            }
            if unknown > 0 {
                self.raw(" ");
                self.text(&t!(lang, Msg::HtmlAmountsUnknown, n = unknown));
            }
            self.raw("</p>\n");
        }
        self.raw("</section>\n");
    }

    /// What to import, in which order, and how (a dry run: the files a real run would write).
    fn import(&mut self) {
        let lang = self.lang;
        let r = self.report;
        self.section("import", Msg::HtmlImport);
        let files = |i| written(r, i);
        if r.inputs.iter().all(|i| files(i).is_empty()) {
            self.raw("<p>");
            self.msg(if r.dry_run { Msg::HtmlImportDryNothing } else { Msg::HtmlImportNothing });
            self.raw("</p>\n</section>\n");
            return;
        }
        if r.dry_run {
            self.raw("<p>");
            self.msg(Msg::HtmlImportDry);
            self.raw("</p>\n");
        }
        let templates = &r.written_as.templates;
        let template_of = |file: &str| {
            templates.iter().position(|t| {
                let end = format!(".{}.{}", t.name, t.extension);
                file.len() > end.len() && file.ends_with(&end)
            })
        };
        // Format Sage files: those of customer exports first (clients before the documents
        // that use them), then the others, each group in the order of the inputs.
        let mut sage_files: Vec<(bool, &str, &InputReport)> = Vec::new();
        let mut param_files: Vec<Vec<&str>> = vec![Vec::new(); templates.len()];
        for i in r.inputs.iter().filter(|i| i.status != Status::Failed) {
            for o in files(i) {
                match template_of(o) {
                    Some(t) => param_files[t].push(o),
                    None if r.written_as.sage || templates.is_empty() => {
                        sage_files.push((i.kind.as_deref() == Some("customers"), o, i))
                    }
                    None => {}
                }
            }
        }
        sage_files.sort_by_key(|(customers, _, _)| !customers);
        self.raw("<ol class=\"steps\">\n<li>");
        self.msg(Msg::HtmlStepCopy);
        self.raw("</li>\n");
        if !sage_files.is_empty() {
            self.raw("<li>");
            self.msg(Msg::HtmlStepSage);
            self.raw("\n<ol class=\"files\">\n");
            for (customers, file, input) in &sage_files {
                self.raw("<li><span class=\"file\">");
                self.text(file);
                self.raw("</span> — ");
                if *customers {
                    self.msg(Msg::HtmlFileClients);
                } else {
                    let n = r
                        .documents
                        .iter()
                        .filter(|d| d.input == input.path && d.action == DocumentAction::Created)
                        .count();
                    self.text(&t!(lang, Msg::HtmlFileDocuments, documents = n));
                }
                self.raw("</li>\n");
            }
            self.raw("</ol>\n</li>\n");
        }
        // Client templates before document line templates.
        let mut order: Vec<usize> = (0..templates.len()).filter(|&i| !param_files[i].is_empty()).collect();
        order.sort_by_key(|&i| !templates[i].per_client);
        for &i in &order {
            self.raw("<li>");
            self.text(&t!(lang, Msg::HtmlStepParam, name = templates[i].name));
            self.raw(" <span class=\"muted\">(");
            self.text(&templates[i].label);
            self.raw(")</span>\n<ol class=\"files\">\n");
            for f in param_files[i].clone() {
                self.raw("<li><span class=\"file\">");
                self.text(f);
                self.raw("</span></li>\n");
            }
            self.raw("</ol>\n</li>\n");
        }
        if order.len() > 1 {
            self.raw("<li>");
            self.msg(Msg::HtmlStepParamOrder);
            self.raw("</li>\n");
        }
        self.raw("<li>");
        self.msg(Msg::HtmlStepAfter);
        self.raw("</li>\n</ol>\n<p class=\"note\">");
        self.msg(Msg::HtmlUnverified);
        self.raw("</p>\n</section>\n");
    }

    fn inputs(&mut self) {
        let lang = self.lang;
        let r = self.report;
        self.section("inputs", Msg::HtmlInputs);
        self.raw("<div class=\"scroll\"><table>\n<thead><tr>");
        for m in
            [Msg::HtmlColFile, Msg::HtmlColPlatform, Msg::HtmlColKind, Msg::HtmlColGeneration, Msg::HtmlColEncoding]
        {
            self.el("th", m.text(lang));
        }
        self.el("th class=\"num\"", Msg::HtmlColRecords.text(lang));
        self.el("th", Msg::HtmlColStatus.text(lang));
        self.el("th", if r.dry_run { Msg::HtmlColWrittenDry } else { Msg::HtmlColWritten }.text(lang));
        self.raw("</tr></thead>\n<tbody>\n");
        for i in &r.inputs {
            self.raw("<tr><td class=\"wide\">");
            self.path(&i.path);
            self.raw("</td>");
            self.el("td", i.platform.as_deref().unwrap_or("—"));
            let kind = i.kind.as_deref().map(|k| kind_label(k, lang)).unwrap_or_else(|| "—".into());
            self.el("td", &kind);
            self.el("td", i.generation.as_deref().unwrap_or("—"));
            let encoding = match (&i.encoding, &i.delimiter) {
                // "(json)", "(xml)", "(spreadsheet)": no delimiter to speak of.
                (Some(e), Some(d)) if !d.is_empty() && !d.starts_with('(') => {
                    format!("{e}; {}", t!(lang, Msg::HtmlDelimiter, delimiter = d))
                }
                (Some(e), _) => e.clone(),
                _ => "—".into(),
            };
            self.el("td", &encoding);
            self.el("td class=\"num\"", &i.records.to_string());
            let (class, m) = match i.status {
                Status::Ok => ("ok", Msg::HtmlStatusOk),
                Status::Partial => ("warn", Msg::HtmlStatusPartial),
                Status::Failed => ("bad", Msg::HtmlStatusFailed),
            };
            let _ = write!(self.out, "<td><span class=\"badge {class}\">");
            self.msg(m);
            self.raw("</span></td><td class=\"wide\">");
            for o in i.outputs.iter().chain(&i.would_write) {
                self.raw("<div>");
                self.path(o);
                self.raw("</div>");
            }
            if !i.joined_to.is_empty() {
                self.raw("<div>");
                self.text(&t!(lang, Msg::HtmlJoinedTo, inputs = i.joined_to.join(", ")));
                self.raw("</div>");
            }
            if let Some(e) = &i.error {
                self.raw("<pre>");
                self.text(e);
                self.raw("</pre>");
            }
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody>\n</table></div>\n</section>\n");
    }

    fn orders(&mut self) {
        let lang = self.lang;
        let r = self.report;
        self.section("orders", Msg::HtmlOrders);
        let t = &r.totals;
        let total =
            t.documents_created + t.documents_skipped_already_converted + t.documents_skipped + t.documents_failed;
        if r.documents.is_empty() {
            self.raw("<p>");
            self.msg(if total == 0 { Msg::HtmlNoOrders } else { Msg::HtmlEntriesNotKept });
            self.raw("</p>\n</section>\n");
            return;
        }
        let several = r.inputs.len() > 1;
        // How each client was found or made: its entries in the same input (a client met
        // again is reported again only when created or updated for that order).
        let mut how: HashMap<(&str, &str), Vec<&CustomerReport>> = HashMap::new();
        for c in &r.customers {
            if let Some(code) = c.code.as_deref() {
                how.entry((c.input.as_str(), code)).or_default().push(c);
            }
        }
        let shown = &r.documents[..r.documents.len().min(ROWS)];
        self.raw("<div class=\"scroll\"><table>\n<thead><tr>");
        self.el("th", Msg::HtmlColOrder.text(lang));
        self.el("th", Msg::HtmlColClient.text(lang));
        self.el("th", Msg::HtmlColHow.text(lang));
        self.el("th", Msg::HtmlColPiece.text(lang));
        self.el("th", Msg::HtmlColType.text(lang));
        self.el("th class=\"num\"", Msg::HtmlHt.text(lang));
        self.el("th class=\"num\"", Msg::HtmlTtc.text(lang));
        self.el("th class=\"num\"", Msg::HtmlColLines.text(lang));
        self.el("th", Msg::HtmlColStatus.text(lang));
        self.el("th", Msg::HtmlColNotes.text(lang));
        self.raw("</tr></thead>\n<tbody>\n");
        for d in shown {
            self.raw("<tr><td class=\"code\">");
            self.text(&d.order);
            if several {
                self.raw("<div class=\"muted\">");
                self.text(file_name(&d.input));
                self.raw("</div>");
            }
            self.raw("</td>");
            self.el("td class=\"code\"", &d.customer);
            self.raw("<td>");
            if let Some(entries) = how.get(&(d.input.as_str(), d.customer.as_str())).filter(|_| !d.customer.is_empty())
            {
                // The entry of this order if there is one (its detail ends with "order N"), else the first.
                let of_order = |c: &&&CustomerReport| order_in_detail(&c.detail, &d.order).is_some();
                let c = entries.iter().find(of_order).or(entries.first()).copied();
                if let Some(c) = c {
                    self.customer_how(c, &d.order);
                }
            }
            self.raw("</td>");
            self.el("td class=\"code\"", &d.piece);
            self.raw("<td>");
            self.msg(kind_msg(d.kind));
            if let Some(piece) = &d.invoice {
                self.raw("<div class=\"muted\">");
                self.text(&t!(lang, Msg::HtmlCreditNoteOf, piece = piece));
                self.raw("</div>");
            }
            self.raw("</td>");
            // A created document whose amount cannot be computed: a dash, not a blank.
            let created = d.action == DocumentAction::Created;
            let amount = |a: &Option<String>| match a {
                Some(a) => money(a, lang),
                None if created => "—".to_string(),
                None => String::new(),
            };
            self.el("td class=\"num\"", &amount(&d.total_ht));
            self.el("td class=\"num\"", &amount(&d.total_ttc));
            self.el("td class=\"num\"", &d.lines.to_string());
            let (class, m) = document_status(d.action, r.dry_run);
            let _ = write!(self.out, "<td><span class=\"badge {class}\">");
            self.msg(m);
            self.raw("</span></td><td>");
            let detail = self.detail_in(d);
            self.notes(&detail, &d.warnings);
            self.raw("</td></tr>\n");
        }
        self.raw("</tbody>\n</table></div>\n");
        if r.documents.len() > shown.len() || r.documents_omitted > 0 {
            let rest = &r.documents[shown.len()..];
            let mut counts: Vec<(Msg, usize)> = Vec::new();
            let omitted = [
                DocumentAction::Created,
                DocumentAction::SkippedAlreadyConverted,
                DocumentAction::Skipped,
                DocumentAction::Failed,
            ]
            .into_iter()
            .map(|a| (a, r.omitted.documents[a as usize] as usize));
            for (action, n) in rest.iter().map(|d| (d.action, 1)).chain(omitted) {
                let m = document_status(action, r.dry_run).1;
                match counts.iter_mut().find(|(k, _)| *k == m) {
                    Some((_, c)) => *c += n,
                    None if n > 0 => counts.push((m, n)),
                    None => {}
                }
            }
            let counts: Vec<String> = counts.iter().map(|(m, n)| format!("{n} {}", m.text(lang))).collect();
            self.raw("<p class=\"note\">");
            self.text(&t!(
                lang,
                if r.documents_omitted > 0 { Msg::HtmlRowsMoreOmitted } else { Msg::HtmlRowsMore },
                shown = shown.len(),
                total = r.documents.len() as u64 + r.documents_omitted,
                rest = rest.len() as u64 + r.documents_omitted,
                counts = counts.join(", "),
                listed = r.documents.len()
            ));
            self.raw("</p>\n");
        }
        self.raw("</section>\n");
    }

    /// "found by e-mail" or "created", and why (the report's detail, without the order the
    /// row already names).
    fn customer_how(&mut self, c: &CustomerReport, order: &str) {
        let lang = self.lang;
        let (class, text) = customer_action(c, self.report.dry_run, lang);
        let _ = write!(self.out, "<span class=\"badge {class}\">");
        self.text(&text);
        self.raw("</span>");
        let detail = match order_in_detail(&c.detail, order) {
            Some(at) => {
                let (head, tail) = c.detail.split_at(at);
                let tail = tail[format!("order {order}").len()..].trim_start_matches(';').trim();
                let head = head.trim_end().trim_end_matches(';');
                [head, tail].iter().filter(|p| !p.is_empty()).copied().collect::<Vec<_>>().join("; ")
            }
            None => c.detail.clone(),
        };
        if !detail.is_empty() {
            self.raw(" <span class=\"muted\">");
            self.text(&detail);
            self.raw("</span>");
        }
    }

    /// A document's detail in the page's language: the JSON holds it in English; a failed
    /// order's error and the usual skips have their French text.
    fn detail_in(&self, d: &DocumentReport) -> String {
        if self.lang == Lang::En {
            return d.detail.clone();
        }
        match d.action {
            DocumentAction::SkippedAlreadyConverted => Msg::DocConvertedEarlier.text(self.lang).to_string(),
            DocumentAction::Failed => {
                let error = self.report.errors.iter().find(|e| {
                    e.input == d.input
                        && e.message_fr.is_some()
                        && (d.detail == e.message || d.detail == format!("{}: {}", e.field, e.message))
                });
                match error {
                    Some(e) if e.field.is_empty() => error_message(e, self.lang).to_string(),
                    Some(e) => format!("{} : {}", e.field, error_message(e, self.lang)),
                    None => d.detail.clone(),
                }
            }
            _ => d.detail.clone(),
        }
    }

    /// The detail of an entry and the warnings it got: in full when a kind has one or two,
    /// else the kind counted with its fields and a link to the kind's table.
    fn notes(&mut self, detail: &str, warnings: &[usize]) {
        let list: Vec<&Warning> = warnings.iter().filter_map(|&i| self.report.warnings.get(i)).collect();
        // A skip's reason is also its warning's message: said once.
        let detail = if list.iter().any(|w| w.message.contains(detail)) { "" } else { detail };
        if detail.is_empty() && list.is_empty() {
            return;
        }
        let kinds = by_kind(list);
        self.raw("<ul class=\"notes\">");
        if !detail.is_empty() {
            self.raw("<li>");
            self.text(detail);
            self.raw("</li>");
        }
        for (kind, ws) in kinds {
            if ws.len() <= 2 {
                for w in ws {
                    self.raw("<li><span class=\"kind\">");
                    self.text(warning_label(kind, self.lang));
                    self.raw("</span> ");
                    if !w.field.is_empty() {
                        self.text(&w.field);
                        self.raw(": ");
                    }
                    self.text(warning_message(w, self.lang));
                    self.raw("</li>");
                }
                continue;
            }
            let fields: Vec<&str> = ws.iter().map(|w| w.field.as_str()).filter(|f| !f.is_empty()).collect();
            let _ = write!(self.out, "<li><a class=\"kind\" href=\"#w-{}\">", escape(kind.as_str()));
            self.text(&format!("{} ×{}", warning_label(kind, self.lang), ws.len()));
            self.raw("</a> ");
            self.text(&fields.join(", "));
            self.raw("</li>");
        }
        self.raw("</ul>");
    }

    fn customers(&mut self) {
        let lang = self.lang;
        let r = self.report;
        self.section("customers", Msg::HtmlCustomers);
        let t = &r.totals;
        let total = t.customers_created
            + t.customers_matched
            + t.customers_updated
            + t.customers_single_account
            + t.customers_failed;
        if r.customers.is_empty() {
            self.raw("<p>");
            self.msg(if total == 0 { Msg::HtmlNoCustomers } else { Msg::HtmlEntriesNotKept });
            self.raw("</p>\n</section>\n");
            return;
        }
        let several = r.inputs.len() > 1;
        let shown = &r.customers[..r.customers.len().min(ROWS)];
        self.raw("<div class=\"scroll\"><table>\n<thead><tr>");
        for m in
            [Msg::HtmlColShopId, Msg::HtmlColName, Msg::HtmlEmail, Msg::HtmlCode, Msg::HtmlColAction, Msg::HtmlColWhy]
        {
            self.el("th", m.text(lang));
        }
        self.raw("</tr></thead>\n<tbody>\n");
        for c in shown {
            self.raw("<tr>");
            self.el("td class=\"code\"", if c.shop_id.is_empty() { "—" } else { &c.shop_id });
            self.raw("<td>");
            self.text(&c.name);
            if several {
                self.raw("<div class=\"muted\">");
                self.text(file_name(&c.input));
                self.raw("</div>");
            }
            self.raw("</td>");
            self.el("td", &c.email);
            self.el("td class=\"code\"", c.code.as_deref().unwrap_or(""));
            let (class, text) = customer_action(c, r.dry_run, lang);
            let _ = write!(self.out, "<td><span class=\"badge {class}\">");
            self.text(&text);
            self.raw("</span></td>");
            self.el("td", &c.detail);
            self.raw("</tr>\n");
        }
        self.raw("</tbody>\n</table></div>\n");
        if r.customers.len() > shown.len() || r.customers_omitted > 0 {
            let rest = &r.customers[shown.len()..];
            let mut counts: Vec<(String, usize)> = Vec::new();
            let mut add = |label: String, n: usize| match counts.iter_mut().find(|(k, _)| *k == label) {
                Some((_, c)) => *c += n,
                None if n > 0 => counts.push((label, n)),
                None => {}
            };
            for c in rest {
                add(customer_action(c, r.dry_run, lang).1, 1);
            }
            // Those left out of the report are known by their action only.
            let o = &r.omitted;
            let created = Msg::HtmlCustCreated;
            let created = if r.dry_run { Msg::HtmlCustCreatedDry } else { created };
            let before = o.customers_issued_before;
            let labels = [
                (CustomerAction::Created, created.text(lang).to_string(), before),
                (CustomerAction::Matched, Msg::HtmlCustFound.text(lang).to_string(), 0),
                (CustomerAction::Updated, Msg::HtmlCustUpdatedOnly.text(lang).to_string(), 0),
                (CustomerAction::SingleAccount, Msg::HtmlCustSingle.text(lang).to_string(), 0),
                (CustomerAction::Failed, Msg::HtmlCustFailed.text(lang).to_string(), 0),
            ];
            for (action, label, less) in labels {
                add(label, (o.customers[action as usize] - less) as usize);
            }
            add(Msg::HtmlCustIssuedEarlier.text(lang).to_string(), before as usize);
            let counts: Vec<String> = counts.iter().map(|(m, n)| format!("{n} {m}")).collect();
            self.raw("<p class=\"note\">");
            self.text(&t!(
                lang,
                if r.customers_omitted > 0 { Msg::HtmlRowsMoreOmitted } else { Msg::HtmlRowsMore },
                shown = shown.len(),
                total = r.customers.len() as u64 + r.customers_omitted,
                rest = rest.len() as u64 + r.customers_omitted,
                counts = counts.join(", "),
                listed = r.customers.len()
            ));
            self.raw("</p>\n");
        }
        self.raw("</section>\n");
    }

    /// Per input, the same problem met by many records is one row, counted (as the console
    /// summary groups them).
    fn errors(&mut self) {
        let lang = self.lang;
        let r = self.report;
        self.section("errors", Msg::HtmlErrors);
        if r.errors.is_empty() {
            self.raw("<p>");
            self.msg(Msg::HtmlNoErrors);
            self.raw("</p>\n</section>\n");
            return;
        }
        type Group<'a> = (&'a RecordError, Vec<&'a str>);
        let mut inputs: Vec<(&str, Vec<Group>)> = Vec::new();
        let mut index: HashMap<(&str, &str, String), (usize, usize)> = HashMap::new();
        for e in &r.errors {
            let i = match inputs.iter().position(|(p, _)| *p == e.input) {
                Some(i) => i,
                None => {
                    inputs.push((&e.input, Vec::new()));
                    inputs.len() - 1
                }
            };
            let key = (e.input.as_str(), e.field.as_str(), crate::report::shape(&e.message));
            match index.get(&key) {
                Some(&(i, g)) => inputs[i].1[g].1.push(&e.record),
                None => {
                    index.insert(key, (i, inputs[i].1.len()));
                    inputs[i].1.push((e, vec![&e.record]));
                }
            }
        }
        for (input, groups) in &inputs {
            let n: usize = groups.iter().map(|(_, v)| v.len()).sum();
            self.raw("<h3>");
            self.text(&t!(lang, Msg::HtmlErrorsIn, n = n, input = if input.is_empty() { "—" } else { input }));
            self.raw("</h3>\n<div class=\"scroll\"><table>\n<thead><tr>");
            for m in [Msg::HtmlColRecord, Msg::HtmlColField, Msg::HtmlColMessage] {
                self.el("th", m.text(lang));
            }
            self.el("th class=\"num\"", Msg::HtmlColTimes.text(lang));
            self.raw("</tr></thead>\n<tbody>\n");
            for (e, records) in groups.iter().take(ENTRIES) {
                self.raw("<tr><td>");
                self.text(records[0]);
                if records.len() > 1 {
                    let more: Vec<&str> = records.iter().skip(1).take(4).copied().collect();
                    self.raw("<div class=\"muted\">");
                    let mut list = more.join(", ");
                    if records.len() > 5 {
                        list.push_str(", …");
                    }
                    self.text(&t!(lang, Msg::HtmlAlso, records = list));
                    self.raw("</div>");
                }
                self.raw("</td>");
                self.el("td", &e.field);
                self.el("td", error_message(e, lang));
                self.el("td class=\"num\"", &records.len().to_string());
                self.raw("</tr>\n");
            }
            self.raw("</tbody>\n</table></div>\n");
            if groups.len() > ENTRIES {
                let rest: usize = groups[ENTRIES..].iter().map(|(_, v)| v.len()).sum();
                self.raw("<p class=\"muted\">");
                self.text(&t!(lang, Msg::HtmlErrorGroupsMore, rest = rest, kinds = groups.len() - ENTRIES));
                self.raw("</p>\n");
            }
        }
        self.raw("</section>\n");
    }

    fn warnings(&mut self) {
        let lang = self.lang;
        let r = self.report;
        self.section("warnings", Msg::HtmlWarnings);
        if r.warnings.is_empty() {
            self.raw("<p>");
            self.msg(Msg::HtmlNoWarnings);
            self.raw("</p>\n</section>\n");
            return;
        }
        self.raw("<p class=\"muted\">");
        self.msg(Msg::HtmlAllKinds);
        self.raw("</p>\n");
        let kinds = by_kind(r.warnings.iter());
        let several = r.inputs.len() > 1;
        for (kind, list) in &kinds {
            let n: u64 = list.iter().map(|w| w.count).sum();
            let _ = write!(self.out, "<h3 id=\"w-{}\">", escape(kind.as_str()));
            self.text(&t!(lang, Msg::HtmlWarningKind, kind = warning_label(*kind, lang), n = n));
            self.raw("</h3>\n<p class=\"muted\">");
            self.text(warning_meaning(*kind, lang));
            self.raw("</p>\n<div class=\"scroll\"><table>\n<thead><tr>");
            if several {
                self.el("th", Msg::HtmlColFile.text(lang));
            }
            for m in [Msg::HtmlColRecord, Msg::HtmlColField, Msg::HtmlColMessage] {
                self.el("th", m.text(lang));
            }
            self.el("th class=\"num\"", Msg::HtmlColTimes.text(lang));
            self.raw("</tr></thead>\n<tbody>\n");
            for w in list.iter().take(ENTRIES) {
                self.raw("<tr>");
                if several {
                    self.el("td", file_name(&w.input));
                }
                self.raw("<td>");
                self.text(&subject(&w.record, lang));
                if !w.also.is_empty() {
                    let mut list = w.also.join(", ");
                    if w.count > 1 + w.also.len() as u64 {
                        list.push_str(", …");
                    }
                    self.raw("<div class=\"muted\">");
                    self.text(&t!(lang, Msg::HtmlAlso, records = list));
                    self.raw("</div>");
                } else if w.count > 1 {
                    self.raw("<div class=\"muted\">");
                    self.msg(Msg::HtmlSameForOthers);
                    self.raw("</div>");
                }
                self.raw("</td>");
                self.el("td", &w.field);
                self.el("td", warning_message(w, lang));
                self.el("td class=\"num\"", &w.count.to_string());
                self.raw("</tr>\n");
            }
            self.raw("</tbody>\n</table></div>\n");
            if list.len() > ENTRIES {
                self.raw("<p class=\"muted\">");
                self.text(&t!(lang, Msg::HtmlWarningsMore, rest = list.len() - ENTRIES));
                self.raw("</p>\n");
            }
        }
        self.raw("</section>\n");
    }
}

/// Where "order N" ends a part of a customer entry's detail ("…; order #1001", "…; order
/// #1001; added delivery address…"): its byte position.
fn order_in_detail(detail: &str, order: &str) -> Option<usize> {
    let needle = format!("order {order}");
    detail.match_indices(&needle).map(|(i, _)| i).find(|&i| {
        let rest = &detail[i + needle.len()..];
        (i == 0 || detail[..i].ends_with(' ')) && (rest.is_empty() || rest.starts_with(';'))
    })
}

/// The last component of a path as the report writes it (either separator).
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Sums of the created documents' known amounts, credit notes deducted (their amounts are
/// written positive), and how many lack one of the two.
fn amounts(documents: &[DocumentReport]) -> (Decimal, Decimal, usize) {
    let (mut ht, mut ttc, mut unknown) = (Decimal::ZERO, Decimal::ZERO, 0);
    for d in documents.iter().filter(|d| d.action == DocumentAction::Created) {
        let parse = |a: &Option<String>| a.as_deref().and_then(|a| a.parse::<Decimal>().ok());
        let (h, t) = (parse(&d.total_ht), parse(&d.total_ttc));
        let sign = if d.kind == DocumentKind::CreditNote { -Decimal::ONE } else { Decimal::ONE };
        ht += sign * h.unwrap_or_default();
        ttc += sign * t.unwrap_or_default();
        if h.is_none() || t.is_none() {
            unknown += 1;
        }
    }
    (ht, ttc, unknown)
}

/// What a document is, in words.
/// Warnings grouped by kind, kinds in the order they first appear.
fn by_kind<'a>(warnings: impl IntoIterator<Item = &'a Warning>) -> Vec<(WarningKind, Vec<&'a Warning>)> {
    let mut kinds: Vec<(WarningKind, Vec<&Warning>)> = Vec::new();
    for w in warnings {
        match kinds.iter_mut().find(|(k, _)| *k == w.kind) {
            Some((_, v)) => v.push(w),
            None => kinds.push((w.kind, vec![w])),
        }
    }
    kinds
}

fn kind_msg(k: DocumentKind) -> Msg {
    match k {
        DocumentKind::Invoice => Msg::HtmlTypeInvoice,
        DocumentKind::CreditNote => Msg::HtmlTypeCreditNote,
        DocumentKind::Quote => Msg::HtmlTypeQuote,
        DocumentKind::Order => Msg::HtmlTypeOrder,
        DocumentKind::DeliveryNote => Msg::HtmlTypeDeliveryNote,
    }
}

/// The files written for input `i`, or in a dry run those a real run would write.
fn written<'r>(r: &Report, i: &'r InputReport) -> &'r [String] {
    if r.dry_run { &i.would_write } else { &i.outputs }
}

fn document_status(a: DocumentAction, dry: bool) -> (&'static str, Msg) {
    match a {
        DocumentAction::Created if dry => ("ok", Msg::HtmlDocCreatedDry),
        DocumentAction::Created => ("ok", Msg::HtmlDocCreated),
        DocumentAction::SkippedAlreadyConverted => ("none", Msg::HtmlDocAlready),
        DocumentAction::Skipped => ("warn", Msg::HtmlDocSkipped),
        DocumentAction::Failed => ("bad", Msg::HtmlDocFailed),
    }
}

fn customer_action(c: &CustomerReport, dry: bool, lang: Lang) -> (&'static str, String) {
    let key = |k: Option<MatchKey>| match k {
        Some(MatchKey::Siret) => Msg::HtmlKeySiret.text(lang),
        Some(MatchKey::Email) => Msg::HtmlKeyEmail.text(lang),
        Some(MatchKey::Vat) => Msg::HtmlKeyVat.text(lang),
        Some(MatchKey::Code) | None => Msg::HtmlKeyCode.text(lang),
    };
    match c.action {
        CustomerAction::Created if c.issued == Some(crate::report::Issued::Earlier) => {
            ("ok", Msg::HtmlCustIssuedEarlier.text(lang).to_string())
        }
        CustomerAction::Created if dry => ("ok", Msg::HtmlCustCreatedDry.text(lang).to_string()),
        CustomerAction::Created => ("ok", Msg::HtmlCustCreated.text(lang).to_string()),
        CustomerAction::Matched if c.matched_by.is_none() => ("none", Msg::HtmlCustFound.text(lang).to_string()),
        CustomerAction::Matched => ("none", t!(lang, Msg::HtmlCustMatched, key = key(c.matched_by))),
        // Updated without a key: a client created earlier in the run, given an address.
        CustomerAction::Updated if c.matched_by.is_none() => {
            ("warn", if dry { Msg::HtmlCustUpdatedOnlyDry } else { Msg::HtmlCustUpdatedOnly }.text(lang).to_string())
        }
        CustomerAction::Updated => (
            "warn",
            t!(lang, if dry { Msg::HtmlCustUpdatedDry } else { Msg::HtmlCustUpdated }, key = key(c.matched_by)),
        ),
        CustomerAction::SingleAccount => ("none", Msg::HtmlCustSingle.text(lang).to_string()),
        CustomerAction::Failed => ("bad", Msg::HtmlCustFailed.text(lang).to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{InputReport, Tally};

    fn document(n: usize, action: DocumentAction) -> DocumentReport {
        DocumentReport {
            input: "orders.csv".into(),
            order: format!("#{n}"),
            customer: format!("WEB{n:06}"),
            piece: format!("WEB{n}"),
            lines: 2,
            action,
            detail: String::new(),
            kind: DocumentKind::Invoice,
            invoice: None,
            total_ht: Some("10.00".into()),
            total_ttc: Some("12.00".into()),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn a_huge_run_lists_the_first_rows_and_counts_the_rest() {
        let mut r = Report { keep: true, ..Default::default() };
        r.inputs.push(InputReport {
            path: "orders.csv".into(),
            platform: Some("shopify".into()),
            kind: Some("orders".into()),
            generation: None,
            encoding: Some("utf-8".into()),
            delimiter: Some(",".into()),
            records: 300_000,
            status: Status::Ok,
            error: None,
            outputs: vec!["out/orders.txt".into()],
            would_write: Vec::new(),
            joined_to: Vec::new(),
        });
        for n in 0..300_000 {
            let action = if n % 100 == 99 { DocumentAction::Skipped } else { DocumentAction::Created };
            r.add_document(document(n, action));
        }
        assert_eq!(r.totals, Tally { documents_created: 297_000, documents_skipped: 3_000, ..Default::default() });
        let page = page_dated(&r, Lang::En, "2026-11-28");
        assert!(page.len() < 2_000_000, "{} bytes", page.len());
        let orders =
            &page[page.find("<section id=\"orders\">").unwrap()..page.find("<section id=\"customers\">").unwrap()];
        assert_eq!(orders.matches("<tr>").count(), ROWS + 1, "the header and ROWS rows");
        assert!(
            orders.contains("Only the first 1000 of 300000 are listed here")
                && orders.contains("the JSON report lists the first 10000 and counts the others")
                && orders.contains("299000 not listed: 296010 created, 2990 skipped"),
            "{}",
            &orders[orders.len() - 600..]
        );
        // The totals count every document, listed or not.
        assert!(page.contains("<td>Documents created</td><td class=\"num\">297000</td>"));
        assert!(page.contains("<td>Total TTC of the documents created</td><td class=\"num\">3,564,000.00</td>"));
    }

    #[test]
    fn a_credit_note_names_its_invoice_and_is_deducted() {
        let mut r = Report { keep: true, ..Default::default() };
        r.add_document(document(1001, DocumentAction::Created));
        let mut credit = document(1001, DocumentAction::Created);
        credit.kind = DocumentKind::CreditNote;
        credit.piece = "AV1001".into();
        credit.invoice = Some("WEB1001".into());
        credit.total_ht = Some("2.50".into());
        credit.total_ttc = Some("3.00".into());
        r.add_document(credit);
        let page = page_dated(&r, Lang::Fr, "28/11/2026");
        assert!(page.contains("<td>avoir<div class=\"muted\">de la facture WEB1001</div></td>"), "{page}");
        assert!(page.contains("<td>facture</td>"));
        assert!(page.contains("<td>&nbsp;&nbsp;dont avoirs</td><td class=\"num\">1</td>"));
        assert!(page.contains("<td>Total TTC des documents créés</td><td class=\"num\">9,00</td>"), "12 − 3");
        assert!(page.contains("Les avoirs sont déduits des totaux."));
    }

    #[test]
    fn an_order_with_many_warnings_of_a_kind_links_to_them() {
        let mut r = Report { keep: true, ..Default::default() };
        let mut w = crate::report::Warnings::new("orders.csv");
        w.track_records();
        for f in ["CT_Intitule", "CT_Contact", "LI_Intitule"] {
            w.push(crate::report::WarningKind::Transliterated, "order #1", f, format!("{f}: œ → oe"));
        }
        w.push(crate::report::WarningKind::Guessed, "order #1", "N_CatCompta", "catégorie 1");
        let mut d = document(1, DocumentAction::Created);
        d.warnings = w.take_record();
        assert_eq!(d.warnings, [0, 1, 2, 3]);
        assert!(w.take_record().is_empty(), "taken once");
        r.warnings.append(&mut w.list);
        r.add_document(d);
        let page = page_dated(&r, Lang::Fr, "28/11/2026");
        // In French, kinds read by their French label; the anchors keep the report's names.
        assert!(
            page.contains(
                "<a class=\"kind\" href=\"#w-transliterated\">translittéré ×3</a> CT_Intitule, CT_Contact, LI_Intitule"
            ),
            "{page}"
        );
        assert!(page.contains("<span class=\"kind\">valeur déduite</span> N_CatCompta: catégorie 1"));
        assert!(page.contains("<h3 id=\"w-transliterated\">translittéré : 3</h3>"));
        assert!(page.contains(
            "<p class=\"muted\">Des caractères absents de la page de code, remplacés (œ → oe, € → EUR...).</p>"
        ));
        let page = page_dated(&r, Lang::En, "28/11/2026");
        assert!(page.contains("<a class=\"kind\" href=\"#w-transliterated\">transliterated ×3</a>"));
        assert!(page.contains("<h3 id=\"w-transliterated\">transliterated: 3</h3>"));
    }

    #[test]
    fn escaping_and_amounts() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(money("1234.5", Lang::En), "1,234.50");
        assert_eq!(money("1234567.891", Lang::Fr), "1\u{202f}234\u{202f}567,89");
        assert_eq!(money("-12.30", Lang::Fr), "−12,30");
        assert_eq!(money("0", Lang::En), "0.00");
        assert_eq!(money("999", Lang::En), "999.00");
        assert_eq!(money("n/a", Lang::En), "n/a");
        assert_eq!(file_name("w\\out\\a.txt"), "a.txt");
        assert_eq!(file_name("out/b.txt"), "b.txt");
    }
}
