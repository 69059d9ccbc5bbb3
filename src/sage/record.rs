//! A Format Sage record being built or read: one typed value per field, positions from the
//! layout, fields addressed by the ids of `sage::fields`.

use std::borrow::Cow;

use super::fields::FieldId;
use super::layout::RecordLayout;
use super::value::{Value, ValueRef, round_dec};

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
        blank(self.layout, i, self.value_at(i).borrowed())
    }

    /// Why Sage would refuse the record ("#CCLI 5 Intitulé (CT_Intitule) would be empty..."):
    /// its first required field left blank.
    pub fn missing_required(&self) -> Option<String> {
        first_missing(self.layout, &self.set)
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

/// `value` as a record keeps it in field `i` of `layout`: a number rounded to the field's
/// scale. `Record::set_index` does the same in its own body: calling this from there cost the
/// converting thread 1 % more instructions (measured; its callers stopped inlining it).
#[inline]
fn typed<V: FieldValue>(layout: &RecordLayout, i: usize, value: V) -> V {
    let spec = &layout.fields[i];
    debug_assert!(value.borrowed().fits(spec.kind), "{:?} in {} ({:?})", value.borrowed(), spec.name, spec.kind);
    match spec.scale {
        Some(scale) => value.rounded(scale),
        None => value,
    }
}

/// Is `value` in field `i` of `layout` empty, or only spaces, once written?
fn blank(layout: &RecordLayout, i: usize, value: ValueRef<'_>) -> bool {
    match value {
        ValueRef::Unset => layout.fields[i].blank_default,
        ValueRef::Text(s) | ValueRef::Verbatim(s) => s.trim_start().is_empty(),
        _ => false,
    }
}

/// The first required field of `layout` blank among the fields `set` (by index, in
/// increasing order; the others unset), as `required_missing` says it.
fn first_missing<V: FieldValue>(layout: &RecordLayout, set: &[(u32, V)]) -> Option<String> {
    // Both in increasing order of index: walked together.
    let mut set = set.iter().peekable();
    for &i in layout.required() {
        while set.next_if(|(j, _)| (*j as usize) < i).is_some() {}
        let value = set.peek().filter(|(j, _)| *j as usize == i).map_or(ValueRef::Unset, |(_, v)| v.borrowed());
        if blank(layout, i, value) {
            return Some(layout.required_missing(i));
        }
    }
    None
}

/// What `Fields` holds: values of their own (`Value`), or borrowed (`ValueRef`) for a record
/// written straight from the texts at hand.
pub trait FieldValue: Default + Into<Value> {
    fn borrowed(&self) -> ValueRef<'_>;
    /// The text of a `Text` value: what a writer looks at first (most values are).
    fn text(&self) -> Option<&str>;
    /// A number rounded to `scale` decimals, as `Record::set` keeps it; anything else as it is.
    fn rounded(self, scale: u32) -> Self;
}

impl FieldValue for Value {
    #[inline(always)]
    fn borrowed(&self) -> ValueRef<'_> {
        Value::borrowed(self)
    }
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
    #[inline(always)]
    fn rounded(mut self, scale: u32) -> Self {
        if let Value::Dec(d) = &mut self {
            *d = round_dec(*d, scale);
        }
        self
    }
}

impl FieldValue for ValueRef<'_> {
    #[inline(always)]
    fn borrowed(&self) -> ValueRef<'_> {
        *self
    }
    #[inline(always)]
    fn text(&self) -> Option<&str> {
        match self {
            ValueRef::Text(s) => Some(s),
            _ => None,
        }
    }
    #[inline(always)]
    fn rounded(mut self, scale: u32) -> Self {
        if let ValueRef::Dec(d) = &mut self {
            *d = round_dec(*d, scale);
        }
        self
    }
}

/// At most `N` fields of a record, set as `Record::set` sets them but kept on the stack: a
/// record written without being made (a document's lines, encoded on the reading thread,
/// `write::sage::EncodedLines`; its header, its texts borrowed, `V = ValueRef`), which spares
/// each its vector. `into_record` makes the record they are.
#[derive(Debug, Clone)]
pub struct Fields<const N: usize, V = Value> {
    pub layout: &'static RecordLayout,
    /// The first `len` are set, by 0-based index, in increasing order of index.
    set: [(u32, V); N],
    len: usize,
}

impl<const N: usize, V: FieldValue> Fields<N, V> {
    pub fn new(layout: &'static RecordLayout) -> Fields<N, V> {
        Fields { layout, set: std::array::from_fn(|_| (0, V::default())), len: 0 }
    }

    /// `Record::set`. Panics past `N` fields: the caller knows how many it sets.
    #[inline(always)]
    pub fn set<F: FieldId>(&mut self, f: F, value: impl Into<V>) {
        let i = self.layout.index(f);
        let value = typed(self.layout, i, value.into());
        let len = self.len;
        // Fields are mostly set in layout order: the new one usually goes last.
        if len < N && (len == 0 || (self.set[len - 1].0 as usize) < i) {
            self.set[len] = (i as u32, value);
            self.len += 1;
        } else {
            self.insert(i, value);
        }
    }

    /// A field set out of layout order, or again.
    #[inline(never)]
    fn insert(&mut self, i: usize, value: V) {
        let set = &mut self.set[..self.len];
        let at = set.iter().rposition(|(j, _)| (*j as usize) < i).map_or(0, |k| k + 1);
        if set.get(at).is_some_and(|(j, _)| *j as usize == i) {
            set[at].1 = value;
            return;
        }
        assert!(self.len < N, "#{}: more than {N} fields set", self.layout.tag);
        self.set[at..=self.len].rotate_right(1);
        self.set[at] = (i as u32, value);
        self.len += 1;
    }

    /// The fields set, by 0-based index in increasing order.
    pub fn set_fields(&self) -> impl Iterator<Item = (usize, &V)> {
        self.set[..self.len].iter().map(|(i, v)| (*i as usize, v))
    }

    /// `Record::is_blank`.
    pub fn is_blank(&self, i: usize) -> bool {
        let value =
            self.set[..self.len].iter().find(|(j, _)| *j as usize == i).map_or(ValueRef::Unset, |(_, v)| v.borrowed());
        blank(self.layout, i, value)
    }

    /// `Record::missing_required`.
    pub fn missing_required(&self) -> Option<String> {
        first_missing(self.layout, &self.set[..self.len])
    }

    /// The fields set, taken out (`set_fields`): none is left set, and the fields can be
    /// set again (one `Fields` serves line after line).
    pub fn drain(&mut self) -> impl Iterator<Item = (u32, V)> + '_ {
        let n = std::mem::take(&mut self.len);
        self.set[..n].iter_mut().map(|(i, v)| (*i, std::mem::take(v)))
    }

    /// None set any more.
    pub fn clear(&mut self) {
        self.drain().for_each(drop);
    }

    /// The record of these fields.
    pub fn into_record(mut self) -> Record {
        let mut r = Record::new(self.layout);
        r.set.extend(self.drain().map(|(i, v)| (i, v.into())));
        r
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

    proptest::proptest! {
        /// Fields set in any order, again, blank or not, are what a record keeps of them, and
        /// the record they make is that record; drained, they can serve again.
        #[test]
        fn fields_on_the_stack_are_a_records(
            sets in proptest::collection::vec((0usize..8, proptest::option::of("[ a-z]{0,3}")), 0..20),
        ) {
            use proptest::prop_assert_eq;
            const IDS: [Chli; 8] = [
                Chli::ArRef, Chli::Design, Chli::Qte, Chli::Remise, Chli::DeNo, Chli::Taxe1, Chli::DoDate,
                Chli::CodeTaxe1,
            ];
            let layout = Layout::builtin(33).unwrap().of(RecordKind::Chli);
            let (mut r, mut f) = (Record::new(layout), Fields::<8>::new(layout));
            for _ in 0..2 {
                for (k, text) in &sets {
                    // A number where the field takes one, else a text (its value or none).
                    let v = match (IDS[*k], text) {
                        (Chli::Qte | Chli::Taxe1, Some(t)) => Value::Dec(Decimal::new(t.len() as i64 * 1234, 3)),
                        (Chli::DoDate, _) => Value::Date(jiff::civil::date(2026, 1, 1 + *k as i8)),
                        (_, Some(t)) => Value::Text(t.clone()),
                        (_, None) => Value::Unset,
                    };
                    r.set(IDS[*k], v.clone());
                    f.set(IDS[*k], v);
                }
                let kept = |it: &mut dyn Iterator<Item = (usize, &Value)>| it.map(|(i, v)| (i, v.clone())).collect::<Vec<_>>();
                prop_assert_eq!(kept(&mut f.set_fields()), kept(&mut r.set_fields()));
                for i in 0..layout.fixed {
                    prop_assert_eq!(f.is_blank(i), r.is_blank(i), "field {}", i + 1);
                }
                prop_assert_eq!(kept(&mut f.clone().into_record().set_fields()), kept(&mut r.set_fields()));
                f.clear();
                r = Record::new(layout);
                prop_assert_eq!(f.set_fields().count(), 0);
            }
        }
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
