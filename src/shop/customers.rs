//! Shop customer exports → canonical `Customer`s, one row at a time.

use super::dialect::{ColumnMap, Dialect};
use super::field::{Columns, Field, field};
use super::unused::ColumnUse;
use crate::error::InputError;
use crate::i18n::Msg;
use crate::model::{Address, Customer, Origin, Platform};
use crate::report::Warnings;
use crate::table::{Repad, Table, repad};
use crate::warning_kind::WarningKind;

pub struct CustomerReader {
    pub table: Table,
    pub dialect: &'static Dialect,
    pub generation: String,
    pub cols: ColumnMap,
    /// Canonical field → how to read it, worked out once per file.
    info: Columns,
    /// E-mails seen with and without '@' (PrestaShop 1.7.6.0/1 export bug detection).
    emails_with_at: u64,
    emails_without_at: u64,
    /// Columns not read, and which of them hold data.
    pub usage: ColumnUse,
}

/// Removes Excel's protective apostrophe: always in id/zip/phone-like fields, elsewhere only
/// when what follows looks like a number ("'s-Hertogenbosch" keeps its apostrophe).
/// Called for every cell read: the test for the apostrophe is inlined at each call, the rest
/// (seldom needed) is not.
#[inline(always)]
pub fn strip_apostrophe(v: &str, always: bool) -> &str {
    if v.as_bytes().first() == Some(&b'\'') { strip_leading_apostrophe(v, always) } else { v }
}

#[inline(never)]
fn strip_leading_apostrophe(v: &str, always: bool) -> &str {
    match v.strip_prefix('\'') {
        Some(rest) if always => rest,
        Some(rest) if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) => rest,
        _ => v,
    }
}

impl CustomerReader {
    pub fn new(table: Table, dialect: &'static Dialect, generation: String, cols: ColumnMap) -> CustomerReader {
        let usage = ColumnUse::new(&table, dialect, &cols, &[]);
        let info = Columns::new(dialect, &cols);
        CustomerReader { table, dialect, generation, cols, info, emails_with_at: 0, emails_without_at: 0, usage }
    }

    /// A cell, cleaned: trimmed, Excel's apostrophe and placeholders checked on the borrowed
    /// text; only what is kept is copied.
    fn get(&mut self, field: Field) -> String {
        let Some(ci) = self.info.get(field) else {
            return String::new();
        };
        let raw = self.table.cell(ci.col).trim();
        let v = strip_apostrophe(raw, ci.always_apostrophe).trim();
        if ci.placeholders.is_some_and(|ph| ph.iter().any(|p| p == v)) {
            return String::new();
        }
        v.to_string()
    }

    /// The next customer, or `None` at the end of the file.
    pub fn next(&mut self, w: &mut Warnings) -> Result<Option<Customer>, InputError> {
        if !self.table.next_row()? {
            if self.emails_with_at == 0 && self.emails_without_at > 0 {
                return Err(self.email_bug());
            }
            return Ok(None);
        }
        self.usage.observe(&self.table);
        let origin = Origin { record: self.table.record_no(), line: self.table.line() };
        let mut c = Customer {
            shop_id: self.get(field!("shop_id")),
            email: self.get(field!("email")),
            firstname: self.get(field!("firstname")),
            lastname: self.get(field!("lastname")),
            company: self.get(field!("company")),
            siret: self.get(field!("siret")),
            ape: self.get(field!("ape")),
            vat_number: self.get(field!("vat_number")),
            phone: self.get(field!("phone")),
            mobile: self.get(field!("mobile")),
            billing: Address::default(),
            delivery: None,
            origin,
        };
        let subject = record_subject(&c);
        if c.firstname.is_empty() && c.lastname.is_empty() {
            let full = self.get(field!("name"));
            if !full.is_empty() {
                (c.firstname, c.lastname) = super::values::split_name(&full);
                w.push(
                    WarningKind::Guessed,
                    &subject,
                    "name",
                    format!(
                        "no first/last name columns: '{full}' split into first name '{}' and last name '{}'",
                        c.firstname, c.lastname
                    ),
                );
            }
        }
        let country_raw = self.get(field!("country"));
        c.billing = Address {
            company: c.company.clone(),
            firstname: c.firstname.clone(),
            lastname: c.lastname.clone(),
            address1: self.get(field!("address1")),
            address2: self.get(field!("address2")),
            zip: self.get(field!("zip")),
            city: self.get(field!("city")),
            state: self.get(field!("state")),
            country: country_iso(&country_raw, &subject, w),
            phone: c.phone.clone(),
        };
        if !c.email.is_empty() {
            if c.email.contains('@') {
                self.emails_with_at += 1;
            } else {
                self.emails_without_at += 1;
                w.push(
                    WarningKind::InvalidValue,
                    &subject,
                    "email",
                    crate::said!(Msg::WarnNotAnEmail, value = c.email),
                );
            }
        }
        if self.dialect.platform == Platform::Prestashop && self.emails_with_at == 0 && self.emails_without_at >= 5 {
            return Err(self.email_bug());
        }
        self.repad_numbers(&mut c, &subject, w);
        for (i, why) in self.table.doubtful() {
            let col = self.table.headers().get(i).cloned().unwrap_or_default();
            w.push(WarningKind::Guessed, &subject, &col, format!("{}: {why}", self.table.place()));
        }
        Ok(Some(c))
    }

    /// Spreadsheet cells that were numbers lost their leading zeros: French postcodes,
    /// phones and SIRET get them back, and each repair is reported.
    fn repad_numbers(&self, c: &mut Customer, subject: &str, w: &mut Warnings) {
        let french = matches!(c.billing.country.as_str(), "" | "FR" | "MC");
        let fields: [(&str, Repad, bool); 4] = [
            ("zip", Repad::Zip, french),
            ("phone", Repad::Phone, french),
            ("mobile", Repad::Phone, french),
            ("siret", Repad::Siret, true),
        ];
        for (field, kind, applies) in fields {
            let Some(i) = self.cols.get(field) else { continue };
            if !applies || !self.table.numeric(i) {
                continue;
            }
            let slot = match field {
                "zip" => &mut c.billing.zip,
                "phone" => &mut c.phone,
                "mobile" => &mut c.mobile,
                _ => &mut c.siret,
            };
            let fixed = repad(kind, slot);
            if fixed != *slot {
                w.push(
                    WarningKind::Repadded,
                    subject,
                    field,
                    crate::said!(Msg::WarnRepadded, value = slot, fixed = fixed),
                );
                *slot = fixed;
            }
        }
        // The address phone was copied from the customer's before the repair.
        c.billing.phone = c.phone.clone();
    }

    fn email_bug(&self) -> InputError {
        InputError::Other {
            path: self.table.path().clone(),
            message: "the e-mail column holds no e-mail address: PrestaShop 1.7.6.0 and 1.7.6.1 export first names in the \"Last name\" and \"Email address\" columns (bug #15875). Update PrestaShop or export the customers with the SQL Manager".into(),
        }
    }
}

/// ISO code of a country cell (a code or a name in French or English). Unknown values are kept
/// empty and reported: writing a wrong country is worse than none.
pub fn country_iso(raw: &str, subject: &str, w: &mut Warnings) -> String {
    let mut iso = String::new();
    country_iso_into(raw, subject, w, &mut iso);
    iso
}

/// `country_iso` into a text a reader reuses (emptied first).
pub fn country_iso_into(raw: &str, subject: &str, w: &mut Warnings, iso: &mut String) {
    iso.clear();
    if raw.is_empty() {
        return;
    }
    match crate::countries::lookup(raw) {
        Some(c) => iso.push_str(&c.iso),
        None => {
            w.push(WarningKind::UnknownCountry, subject, "country", crate::said!(Msg::WarnUnknownCountry, value = raw))
        }
    }
}

/// "customer 530 (line 4)" / "record 3 (line 4)"
pub fn record_subject(c: &Customer) -> String {
    if c.shop_id.is_empty() {
        format!("record {} (line {})", c.origin.record, c.origin.line)
    } else {
        format!("customer {} (line {})", c.shop_id, c.origin.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes() {
        assert_eq!(strip_apostrophe("'75008", true), "75008");
        assert_eq!(strip_apostrophe("'+33 6 12 34 56 78", false), "+33 6 12 34 56 78");
        assert_eq!(strip_apostrophe("'s-Hertogenbosch", false), "'s-Hertogenbosch");
        assert_eq!(strip_apostrophe("75008", true), "75008");
    }
}
