//! Where a problem is, and what was probably meant: the line of a byte offset in a text (for
//! the TOML files the user writes: profile, import paramétrable templates) and the close known
//! word for a misspelt one. A leaf: it depends on no other module of the crate.

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Where each line of a text starts: the line of an offset by binary search, so a profile
/// with thousands of problems is not scanned once per problem.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line of a byte offset (same as `line_of`).
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

/// A close known word for a misspelt one (edit distance ≤ 2).
pub fn suggest<'a>(word: &str, known: &[&'a str]) -> Option<&'a str> {
    // The distance is at least the difference of lengths: words far apart in length are
    // skipped before the quadratic comparison (a 1 MB key in a profile took minutes).
    let len = word.chars().count();
    known
        .iter()
        .copied()
        .filter(|k| k.chars().count().abs_diff(len) <= 2)
        .map(|k| (levenshtein(word, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_suggestions() {
        assert_eq!(line_of("a\nbc\n", 3), 2);
        assert_eq!(LineIndex::new("a\nbc\n").line(3), 2);
        assert_eq!(suggest("sufix", &["prefix", "suffix"]), Some("suffix"));
        assert_eq!(suggest("colour", &["prefix", "suffix"]), None);
        assert_eq!(suggest("prefixes", &["prefix", "suffix"]), Some("prefix"));
        assert_eq!(suggest(&"a".repeat(1 << 20), &["prefix", "suffix"]), None);
    }
}
