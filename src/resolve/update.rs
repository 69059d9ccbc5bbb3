//! Updates of existing clients: billing address, delivery addresses, custom fields. Sage
//! blanks every field an update record leaves empty, so the #CCLI written is the client's
//! complete record read back from a Format Sage export with only the intended fields changed,
//! followed by its existing children unchanged and any new delivery address. No I/O here: the
//! caller reads the block and writes the result.

use std::cell::OnceCell;

use super::customer::{AddressKeys, Resolver, address_key_of, card_address, delivery_address, record_address_key};
use crate::gescom::export::BlockRecord;
use crate::gescom::index::{ClientRef, key_hash};
use crate::model::{Address, Customer};
use crate::report::Diag;
use crate::sage::{Ccdl, Ccli, FieldId, Record, RecordKind};
use crate::warning_kind::WarningKind;

/// What an update would change, found without reading the client's block.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub billing: bool,
    pub delivery: bool,
    pub fields: bool,
}

impl Wanted {
    pub fn any(&self) -> bool {
        self.billing || self.delivery || self.fields
    }

    pub fn describe(&self) -> String {
        let mut v = Vec::new();
        if self.billing {
            v.push("its billing address differs");
        }
        if self.delivery {
            v.push("the delivery address is new");
        }
        if self.fields {
            v.push("[customers.fields] would be applied");
        }
        v.join(", ")
    }
}

/// The records to write for an updated client, and what changed.
#[derive(Debug, Clone)]
pub struct Update {
    pub records: Vec<BlockRecord>,
    pub detail: String,
    /// Intitulé of the delivery address that matches the shop's (existing or added).
    pub delivery_intitule: Option<String>,
}

/// A customer's two addresses for one order, each key (`Resolver::key_of`) made at most once:
/// the checks of an order ask for them up to five times.
pub struct Addresses<'a> {
    pub billing: &'a Address,
    /// The delivery address, or the billing address when the order gives none (or an empty one).
    pub delivery: &'a Address,
    billing_key: OnceCell<String>,
    delivery_key: OnceCell<String>,
}

impl<'a> Addresses<'a> {
    pub fn of(c: &'a Customer, delivery: Option<&'a Address>) -> Addresses<'a> {
        Addresses {
            billing: &c.billing,
            delivery: delivery.filter(|d| !d.is_empty()).unwrap_or(&c.billing),
            billing_key: OnceCell::new(),
            delivery_key: OnceCell::new(),
        }
    }

    /// `Addresses::of(c, c.delivery.as_ref())`, its keys those made ahead when given.
    pub fn of_order(c: &'a Customer, keys: Option<AddressKeys>) -> Addresses<'a> {
        let mut a = Addresses::of(c, c.delivery.as_ref());
        if let Some(AddressKeys { billing, delivery }) = keys {
            debug_assert_eq!(delivery.is_none(), std::ptr::eq(a.delivery, a.billing));
            a.billing_key = OnceCell::from(billing);
            a.delivery_key = delivery.map(OnceCell::from).unwrap_or_default();
        }
        a
    }

    pub(super) fn billing_key(&self, r: &Resolver) -> &str {
        self.billing_key.get_or_init(|| r.key_of(self.billing))
    }

    pub(super) fn delivery_key(&self, r: &Resolver) -> &str {
        if std::ptr::eq(self.delivery, self.billing) {
            return self.billing_key(r);
        }
        self.delivery_key.get_or_init(|| r.key_of(self.delivery))
    }
}

impl Resolver<'_> {
    /// The key of a shop address (`gescom::index::address_key`) as the client card would hold
    /// it, text options applied. A plain ASCII part goes straight in: the key keeps only its
    /// letters and digits, uppercased, which is what trimming and uppercasing it would give;
    /// other text goes through the options first. One string built, none per part (this runs
    /// for every order of a known client).
    pub(super) fn key_of(&self, a: &Address) -> String {
        address_key_of(self.profile, a)
    }

    /// Which updates the profile asks for on `client`, judged from the index alone.
    pub fn wanted_update(&self, client: ClientRef, c: &Customer, delivery: Option<&Address>) -> Wanted {
        self.wanted_for(client.code(), Some(client), &Addresses::of(c, delivery))
    }

    /// As `wanted_update`, for any code: a client of the list, or one created in this run
    /// (then only a new delivery address is added, whatever the options).
    pub fn wanted_for(&self, code: &str, client: Option<ClientRef>, a: &Addresses) -> Wanted {
        if let Some(id) = self.created.id(code) {
            let addr = a.delivery;
            let h = key_hash(a.delivery_key(self));
            let known = self.created.deliveries_of(id).any(|(_, k)| k == h);
            return Wanted { delivery: !addr.is_empty() && !known, ..Default::default() };
        }
        let Some(client) = client else { return Wanted::default() };
        let cs = &self.profile.customers;
        let mut w = Wanted::default();
        if cs.update_billing_address && !a.billing.is_empty() {
            w.billing = client.address_hash().is_none_or(|k| k != key_hash(a.billing_key(self)));
        }
        if cs.update_delivery_addresses && !a.delivery.is_empty() {
            let key = a.delivery_key(self);
            let known = match self.updated.get(client.code(), self.layout) {
                Some(block) => block_delivery_keys(&block).iter().any(|k| k == key),
                None if client.block().is_some() => client.deliveries().any(|(_, k)| k == key_hash(key)),
                // A CSV or XLSX list has no delivery addresses: one equal to the billing
                // address is taken as known; another cannot be checked (and the update
                // will be refused with that reason).
                None => client.address_hash() == Some(key_hash(key)),
            };
            w.delivery = !known;
        }
        if cs.update_custom_fields && !self.fields.is_empty() {
            w.fields = true;
        }
        w
    }

    /// The block of an existing client as rewritten earlier in this run, if any.
    pub fn block_in_run(&self, code: &str) -> Option<Vec<BlockRecord>> {
        self.updated.get(code, self.layout)
    }

    /// The intitulé of the client's delivery address equal to `addr`, among the addresses
    /// known (written in this run, or read from a Format Sage export).
    pub fn known_delivery(&self, client: Option<ClientRef>, code: &str, a: &Addresses) -> Option<String> {
        let key = a.delivery_key(self);
        if let Some(id) = self.created.id(code) {
            let h = key_hash(key);
            return self.created.deliveries_of(id).find(|(_, k)| *k == h).map(|(i, _)| i.to_string());
        }
        if let Some(block) = self.updated.get(code, self.layout) {
            return block_deliveries(&block).into_iter().find(|(_, k)| *k == key).map(|(i, _)| i);
        }
        let h = key_hash(key);
        client.and_then(|c| c.deliveries().find(|(_, k)| *k == h).map(|(i, _)| i.to_string()))
    }

    /// A new delivery address for a client created in this run when its records cannot be
    /// written again (dry run, no Format Sage output): the intitulé it would get.
    pub fn note_created_delivery(&mut self, code: &str, c: &Customer, a: &Addresses) -> Option<String> {
        let addr = a.delivery;
        let h = key_hash(a.delivery_key(self));
        let base = self.delivery_intitule(c, code, addr);
        let id = self.created.id(code)?;
        if let Some((i, _)) = self.created.deliveries_of(id).find(|(_, k)| *k == h) {
            return Some(i.to_string());
        }
        let taken: Vec<String> = self.created.deliveries_of(id).map(|(i, _)| i.to_string()).collect();
        let intitule = unique_intitule(&base, &taken);
        self.created_delivery(code, &intitule, h);
        Some(intitule)
    }

    /// Does a shop address of key `key` differ from the client card's (when the list says)?
    fn card_differs(&self, client: Option<ClientRef>, code: &str, key: &str) -> bool {
        if let Some(id) = self.created.id(code) {
            return self.created.card(id) != key_hash(key);
        }
        if let Some(BlockRecord::Known(r)) = self.updated.get(code, self.layout).as_ref().and_then(|b| b.first()) {
            return record_address_key(&card_address(r)) != key;
        }
        client.and_then(|c| c.address_hash()).is_some_and(|k| k != key_hash(key))
    }

    /// Does the order's billing address differ from the client card's (when the list says)?
    pub fn billing_differs(&self, client: Option<ClientRef>, code: &str, a: &Addresses) -> bool {
        !a.billing.is_empty() && self.card_differs(client, code, a.billing_key(self))
    }

    /// Does the order's delivery address differ from the client card's address?
    pub fn delivery_differs(&self, client: Option<ClientRef>, code: &str, a: &Addresses) -> bool {
        !a.delivery.is_empty() && self.card_differs(client, code, a.delivery_key(self))
    }

    /// Applies the wanted updates to `block` (the client's records as exported, or as last
    /// written in this run). `None` when nothing would change.
    pub fn apply_update(
        &mut self,
        block: Vec<BlockRecord>,
        c: &Customer,
        a: &Addresses,
        wanted: &Wanted,
        d: &mut Diag,
    ) -> Option<Update> {
        let block = self.updated.get(block_code(&block).as_ref(), self.layout).unwrap_or(block);
        let Some(BlockRecord::Known(original)) = block.first() else { return None };
        let mut ccli = original.clone();
        let code = ccli.get(Ccli::Num).into_owned();
        let mut notes = Vec::new();
        if wanted.billing {
            self.update_billing(&mut ccli, &c.billing, d);
        }
        if wanted.fields {
            let ctx = super::expr::Ctx { customer: c, code: &code, today: self.today, order: None };
            for f in &self.fields {
                let v = f.expr.eval(&ctx);
                let old = ccli.get_index(f.index);
                if v.trim().is_empty() && !old.is_empty() {
                    d.push(
                        WarningKind::BlankRefused,
                        &f.name,
                        format!("[customers.fields] gives an empty value: the client's '{old}' is kept"),
                    );
                    continue;
                }
                if old != v {
                    ccli.set_index(f.index, v);
                }
            }
        }
        let changed: Vec<String> =
            ccli.diff(original).iter().map(|&p| ccli.layout.fields[p - 1].name.clone()).collect();
        if !changed.is_empty() {
            notes.push(format!("changed {}", changed.join(", ")));
        }
        let mut records = block.clone();
        records[0] = BlockRecord::Known(ccli);
        let addr = a.delivery;
        let key = a.delivery_key(self);
        let mut delivery_intitule = block_deliveries(&records).into_iter().find(|(_, k)| *k == key).map(|(i, _)| i);
        if wanted.delivery && delivery_intitule.is_none() && !addr.is_empty() {
            let taken: Vec<String> = block_deliveries(&records).into_iter().map(|(i, _)| i).collect();
            let mut ccdl = self.delivery_record(c, &code, addr, false, d);
            let base = ccdl.get(Ccdl::Intitule).into_owned();
            let intitule = unique_intitule(&base, &taken);
            ccdl.set(Ccdl::Intitule, intitule.clone());
            notes.push(format!("added delivery address '{intitule}'"));
            records.push(BlockRecord::Known(ccdl));
            delivery_intitule = Some(intitule);
        }
        if notes.is_empty() {
            return None;
        }
        if self.created.contains(&code) {
            // Created in this run: only the new address is remembered (the caller keeps where
            // the records are).
            if let Some(i) = &delivery_intitule {
                self.created_delivery(&code, i, key_hash(key));
            }
        } else {
            self.remember_updated(code, &records);
        }
        Some(Update { records, detail: notes.join("; "), delivery_intitule })
    }

    /// Sets the card's address from the shop's. A field the shop leaves empty keeps its value
    /// (never blanked), except Complément, which belongs to the old street line.
    fn update_billing(&self, ccli: &mut Record, a: &Address, d: &mut Diag) {
        let p = self.place(a, Ccli::Adresse.name(), d);
        let street_changed = !p.address1.is_empty() && p.address1 != ccli.get(Ccli::Adresse);
        let values = [
            (Ccli::Adresse, p.address1),
            (Ccli::Complement, p.address2),
            (Ccli::CodePostal, p.zip),
            (Ccli::Ville, p.city),
            (Ccli::CodeRegion, p.region),
            (Ccli::Pays, p.country),
        ];
        for (field, v) in values {
            let keep_blank = field == Ccli::Complement && street_changed;
            if v.is_empty() && !keep_blank {
                continue;
            }
            if ccli.get(field) != v {
                ccli.set(field, v);
            }
        }
    }
}

fn block_code(block: &[BlockRecord]) -> std::borrow::Cow<'_, str> {
    match block.first() {
        Some(BlockRecord::Known(r)) if r.layout.kind() == Some(RecordKind::Ccli) => r.get(Ccli::Num),
        _ => "".into(),
    }
}

/// (intitulé, address key) of every #CCDL of a block.
fn block_deliveries(block: &[BlockRecord]) -> Vec<(String, String)> {
    block
        .iter()
        .filter_map(|b| match b {
            BlockRecord::Known(r) if r.layout.kind() == Some(RecordKind::Ccdl) => {
                Some((r.get(Ccdl::Intitule).into_owned(), record_address_key(&delivery_address(r))))
            }
            _ => None,
        })
        .collect()
}

fn block_delivery_keys(block: &[BlockRecord]) -> Vec<String> {
    block_deliveries(block).into_iter().map(|(_, k)| k).collect()
}

/// `base`, or `base 2`, `base 3`... so that no two addresses of a client share an intitulé
/// (#CHEN 13 names one), within 35 characters.
fn unique_intitule(base: &str, taken: &[String]) -> String {
    let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    if !taken.iter().any(|t| same(t, base)) {
        return base.to_string();
    }
    for n in 2.. {
        let suffix = format!(" {n}");
        let head: String = base.chars().take(35 - suffix.len()).collect();
        let candidate = format!("{}{suffix}", head.trim_end());
        if !taken.iter().any(|t| same(t, &candidate)) {
            return candidate;
        }
    }
    unreachable!("some number is free")
}

#[cfg(test)]
mod tests {
    use super::unique_intitule;

    #[test]
    fn intitules_stay_unique_and_short() {
        assert_eq!(unique_intitule("Marie Dupont - Lyon", &[]), "Marie Dupont - Lyon");
        let taken = vec!["MARIE DUPONT - LYON".to_string(), "Marie Dupont - Lyon 2".to_string()];
        assert_eq!(unique_intitule("Marie Dupont - Lyon", &taken), "Marie Dupont - Lyon 3");
        let long = "x".repeat(35);
        let r = unique_intitule(&long, std::slice::from_ref(&long));
        assert_eq!(r.chars().count(), 35);
        assert!(r.ends_with(" 2"));
    }
}
