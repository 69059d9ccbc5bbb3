//! A Format Sage record being built or read: one typed value per field, positions from the
//! layout, fields addressed by the ids of `sage::fields`.

use std::borrow::Cow;

use super::fields::FieldId;
use super::layout::RecordLayout;
use super::value::{Value, round_dec};

/// Values stay typed until written (see `Value`); a record read from an export holds its
/// lines verbatim, so that it re-emits byte for byte. A new record holds only the fields set
/// (a #CHLI sets about 15 of its 100): every other field is `Unset`, written as the layout's
/// default without being stored, and the writer copies a run of them in one go.
#[derive(Debug, Clone)]
pub struct Record {
    pub layout: &'static RecordLayout,
    /// The fields set, by 0-based index, in increasing order of index.
    set: Vec<(u32, Value)>,
    /// Repeating tail lines (attached accounts of #CCLI, location pairs of #CHLI).
    pub tail: Vec<String>,
    /// The tail is as read from an export (written back byte for byte).
    tail_verbatim: bool,
}

impl Record {
    /// A new record: every field at its layout default (empty where there is none). Room for
    /// 32 fields set: a new client's card sets about 20, a document's header more than 16.
    pub fn new(layout: &'static RecordLayout) -> Record {
        Record { layout, set: Vec::with_capacity(layout.fixed.min(32)), tail: Vec::new(), tail_verbatim: false }
    }

    /// A record from raw lines (an export): fixed fields then tail. Missing lines stay empty;
    /// the caller has already checked and reported the count.
    pub fn from_lines(layout: &'static RecordLayout, lines: Vec<String>) -> Record {
        let mut values = lines;
        let tail = if values.len() > layout.fixed { values.split_off(layout.fixed) } else { Vec::new() };
        values.resize(layout.fixed, String::new());
        let set = values.into_iter().enumerate().map(|(i, v)| (i as u32, Value::Verbatim(v))).collect();
        Record { layout, set, tail, tail_verbatim: true }
    }

    /// A record from what `set_fields`, `tail` and `tail_verbatim` gave of another (a block
    /// kept packed, read back): the fields in increasing index order.
    pub fn from_parts(
        layout: &'static RecordLayout,
        set: Vec<(u32, Value)>,
        tail: Vec<String>,
        tail_verbatim: bool,
    ) -> Record {
        debug_assert!(
            set.windows(2).all(|w| w[0].0 < w[1].0) && set.last().is_none_or(|l| (l.0 as usize) < layout.fixed)
        );
        Record { layout, set, tail, tail_verbatim }
    }

    pub fn tag(&self) -> &str {
        &self.layout.tag
    }

    /// Sets the field `f` (an id resolved when the layout loaded: no lookup by name).
    #[inline]
    pub fn set<F: FieldId>(&mut self, f: F, value: impl Into<Value>) {
        let i = self.layout.index(f);
        self.set_index(i, value);
    }

    /// The field `f` as the Format Sage writes it (numbers with the layout's decimals).
    #[inline]
    pub fn get<F: FieldId>(&self, f: F) -> Cow<'_, str> {
        self.get_index(self.layout.index(f))
    }

    /// The value of field `f`.
    pub fn value<F: FieldId>(&self, f: F) -> &Value {
        self.value_at(self.layout.index(f))
    }

    /// Sets a field by its 0-based index (a name of the profile or a template, resolved when
    /// it was checked). A number is rounded to the field's scale here, once.
    pub fn set_index(&mut self, i: usize, value: impl Into<Value>) {
        let spec = &self.layout.fields[i];
        let mut value = value.into();
        debug_assert!(value.fits(spec.kind), "{value:?} in {} ({:?})", spec.name, spec.kind);
        if let (Value::Dec(d), Some(scale)) = (&mut value, spec.scale) {
            *d = round_dec(*d, scale);
        }
        // Fields are mostly set in layout order: the new one usually goes last.
        match self.set.last() {
            Some(&(last, _)) if (last as usize) < i => self.set.push((i as u32, value)),
            None => self.set.push((i as u32, value)),
            _ => match self.set.binary_search_by_key(&(i as u32), |(j, _)| *j) {
                Ok(at) => self.set[at].1 = value,
                Err(at) => self.set.insert(at, (i as u32, value)),
            },
        }
    }

    /// The field at 0-based index `i` as the Format Sage writes it.
    pub fn get_index(&self, i: usize) -> Cow<'_, str> {
        self.layout.fields[i].text(self.value_at(i))
    }

    /// The value of the field at 0-based index `i`.
    pub fn value_at(&self, i: usize) -> &Value {
        static UNSET: Value = Value::Unset;
        assert!(i < self.layout.fixed, "#{} has no field {}", self.layout.tag, i + 1);
        match self.set.binary_search_by_key(&(i as u32), |(j, _)| *j) {
            Ok(at) => &self.set[at].1,
            Err(_) => &UNSET,
        }
    }

    /// Sets the field called `name`, for tests and tools: code uses ids, the profile's names
    /// are resolved when it is checked. Panics on a name the layout lacks.
    pub fn set_named(&mut self, name: &str, value: impl Into<Value>) {
        let i = self.named(name);
        self.set_index(i, value);
    }

    /// The field called `name`, for tests and tools (see `set_named`).
    pub fn get_named(&self, name: &str) -> Cow<'_, str> {
        self.get_index(self.named(name))
    }

    fn named(&self, name: &str) -> usize {
        self.layout.index_of(name).unwrap_or_else(|| panic!("#{} has no field {name}", self.layout.tag))
    }

    /// Is field `i` (0-based) empty, or only spaces, once written?
    pub fn is_blank(&self, i: usize) -> bool {
        match self.value_at(i) {
            Value::Unset => self.layout.fields[i].default.as_deref().unwrap_or("").trim().is_empty(),
            Value::Text(s) | Value::Verbatim(s) => s.trim_start().is_empty(),
            _ => false,
        }
    }

    /// Replaces the tail (the attached accounts of a #CCLI).
    pub fn set_tail(&mut self, tail: Vec<String>) {
        self.tail = tail;
        self.tail_verbatim = false;
    }

    /// Is the tail as read from an export?
    pub fn tail_verbatim(&self) -> bool {
        self.tail_verbatim
    }

    /// Positions (1-based) whose written text differs from `other` (same layout).
    pub fn diff(&self, other: &Record) -> Vec<usize> {
        (0..self.layout.fixed).filter(|&i| self.get_index(i) != other.get_index(i)).map(|i| i + 1).collect()
    }

    /// The fields set, with their 0-based index, in layout order (every other field is
    /// `Unset`).
    pub fn set_fields(&self) -> impl Iterator<Item = (usize, &Value)> {
        self.set.iter().map(|(i, v)| (*i as usize, v))
    }

    /// The fields set, by 0-based index in increasing order, taken out (`set_fields`).
    pub fn into_set(self) -> Vec<(u32, Value)> {
        self.set
    }

    /// Number of lines the record takes after its tag line.
    pub fn line_count(&self) -> usize {
        self.layout.fixed + self.tail.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sage::{Ccli, Chen, Chli, Layout, RecordKind};
    use rust_decimal::Decimal;

    #[test]
    fn typed_values_read_as_the_format_sage_writes_them() {
        let l = Layout::builtin(33).unwrap();
        let mut r = Record::new(l.of(RecordKind::Chli));
        r.set(Chli::PrixUnitaire, Decimal::new(186, 0));
        r.set(Chli::Qte, Decimal::new(2345, 3));
        r.set(Chli::DoDate, jiff::civil::Date::new(2024, 3, 7).unwrap());
        r.set(Chli::Ttc, true);
        assert_eq!(r.get(Chli::PrixUnitaire), "186,0000");
        // Rounded once, to the layout's 2 decimals, when set.
        assert_eq!(r.value(Chli::Qte), &Value::Dec(Decimal::new(235, 2)));
        assert_eq!((&*r.get(Chli::Qte), &*r.get(Chli::DoDate), &*r.get(Chli::Ttc)), ("2,35", "070324", "1"));
        let mut h = Record::new(l.of(RecordKind::Chen));
        assert_eq!(h.get(Chen::Type), "7", "unset: the layout's default");
        h.set(Chen::Heure, jiff::civil::Time::new(7, 5, 9, 0).unwrap());
        assert_eq!(h.get(Chen::Heure), "07:05:09");
    }

    #[test]
    fn a_record_read_from_an_export_keeps_its_text_until_a_field_is_set() {
        let l = Layout::builtin(33).unwrap().of(RecordKind::Ccli);
        let mut lines: Vec<String> = (0..l.fixed).map(|_| String::new()).collect();
        lines[0] = "CLI001".into();
        lines[4] = " Dupont  SARL ".into();
        lines[23] = "1500,00".into();
        lines.push("4110000".into());
        let original = Record::from_lines(l, lines);
        let mut r = original.clone();
        assert!(matches!(r.value(Ccli::Intitule), Value::Verbatim(s) if s == " Dupont  SARL "));
        assert_eq!(r.get_named("CT_Encours"), "1500,00", "not reformatted to the layout's 4 decimals");
        assert!(r.tail_verbatim() && r.diff(&original).is_empty());
        r.set(Ccli::Ville, "Lyon");
        assert_eq!(r.diff(&original), vec![11]);
        assert!(matches!(r.value(Ccli::Intitule), Value::Verbatim(_)));
    }
}
