//! A Format Sage record being built or read: one string per field, positions from the layout.

use std::borrow::Cow;

use super::layout::RecordLayout;

/// Values are kept as text exactly as they will be written (numbers with a decimal comma,
/// dates `JJMMAA`) so that a record read from an export re-emits byte for byte. A field left
/// at its layout default borrows the default: a new record allocates only what is set.
#[derive(Debug, Clone)]
pub struct Record {
    pub layout: &'static RecordLayout,
    values: Vec<Cow<'static, str>>,
    /// Repeating tail lines (attached accounts of #CCLI, location pairs of #CHLI).
    pub tail: Vec<String>,
    /// Fields read from an export and not changed since: written back byte for byte (no
    /// trimming, no case change), so an update keeps every field it does not mean to touch.
    verbatim: Vec<bool>,
}

impl Record {
    /// A new record: every field at its layout default (empty where there is none).
    pub fn new(layout: &'static RecordLayout) -> Record {
        let values = layout.fields.iter().map(|f| Cow::Borrowed(f.default.as_deref().unwrap_or(""))).collect();
        Record { layout, values, tail: Vec::new(), verbatim: Vec::new() }
    }

    /// A record from raw lines (an export): fixed fields then tail. Missing lines stay empty;
    /// the caller has already checked and reported the count.
    pub fn from_lines(layout: &'static RecordLayout, lines: Vec<String>) -> Record {
        let mut values = lines;
        let tail = if values.len() > layout.fixed { values.split_off(layout.fixed) } else { Vec::new() };
        values.resize(layout.fixed, String::new());
        let values = values.into_iter().map(Cow::Owned).collect();
        Record { layout, values, tail, verbatim: vec![true; layout.fixed + 1] }
    }

    pub fn tag(&self) -> &str {
        &self.layout.tag
    }

    /// Sets the field called `name`. Names come from the code or from a checked profile; an
    /// unknown one is a defect, reported loudly in debug builds and ignored in release.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        match self.layout.index_of(name) {
            Some(i) => self.set_index(i, value.into()),
            None => debug_assert!(false, "#{} has no field {name}", self.layout.tag),
        }
    }

    /// Sets a field by name; `false` when the layout has no such field.
    pub fn try_set(&mut self, name: &str, value: impl Into<String>) -> bool {
        match self.layout.index_of(name) {
            Some(i) => {
                self.set_index(i, value.into());
                true
            }
            None => false,
        }
    }

    pub fn get(&self, name: &str) -> &str {
        self.layout.index_of(name).map(|i| self.values[i].as_ref()).unwrap_or("")
    }

    /// Field at 1-based position.
    pub fn at(&self, pos: usize) -> &str {
        pos.checked_sub(1).and_then(|i| self.values.get(i)).map(|v| v.as_ref()).unwrap_or("")
    }

    pub fn set_at(&mut self, pos: usize, value: impl Into<String>) {
        if let Some(i) = pos.checked_sub(1).filter(|&i| i < self.values.len()) {
            self.set_index(i, value.into());
        }
    }

    fn set_index(&mut self, i: usize, value: String) {
        self.values[i] = Cow::Owned(value);
        if let Some(v) = self.verbatim.get_mut(i) {
            *v = false;
        }
    }

    /// Replaces the tail (the attached accounts of a #CCLI).
    pub fn set_tail(&mut self, tail: Vec<String>) {
        self.tail = tail;
        if let Some(v) = self.verbatim.last_mut() {
            *v = false;
        }
    }

    /// Is field `i` (0-based) still at its layout default (never set)?
    pub fn is_default(&self, i: usize) -> bool {
        matches!(self.values.get(i), Some(Cow::Borrowed(_)))
    }

    /// Was field `i` (0-based) read from an export and left unchanged?
    pub fn is_verbatim(&self, i: usize) -> bool {
        self.verbatim.get(i).copied().unwrap_or(false)
    }

    /// Is the tail as read from an export?
    pub fn tail_verbatim(&self) -> bool {
        self.verbatim.len() > self.values.len() && self.verbatim[self.values.len()]
    }

    /// Positions (1-based) whose value differs from `other` (same layout).
    pub fn diff(&self, other: &Record) -> Vec<usize> {
        self.values.iter().zip(&other.values).enumerate().filter(|(_, (a, b))| a != b).map(|(i, _)| i + 1).collect()
    }

    pub fn values(&self) -> impl Iterator<Item = &str> + '_ {
        self.values.iter().map(|v| v.as_ref())
    }

    /// Number of lines the record takes after its tag line.
    pub fn line_count(&self) -> usize {
        self.values.len() + self.tail.len()
    }
}
