//! Errors of one input. Each names the file and, where there is one, the line and the field,
//! and says what to do. A per-input error fails that input only; the run goes on.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },

    #[error("{}: the file is empty", path.display())]
    Empty { path: PathBuf },

    #[error("{}: line {line} (record {record}): {found} fields where the header has {expected}; the columns of this file cannot be trusted (a delimiter or quote inside an unquoted cell?). Fix the row or re-export the file", path.display())]
    Ragged { path: PathBuf, line: u64, record: u64, expected: usize, found: usize },

    #[error("{}: line {line}: {message}", path.display())]
    Malformed { path: PathBuf, line: u64, message: String },

    #[error("{}: not a recognised export: {reason}", path.display())]
    Unrecognised { path: PathBuf, reason: String },

    #[error("{}: line {line}, column \"{column}\": {message}", path.display())]
    Field { path: PathBuf, line: u64, column: String, message: String },

    #[error("{}: missing column \"{column}\": {message}", path.display())]
    MissingColumn { path: PathBuf, column: String, message: String },

    #[error("{}: {message}", path.display())]
    Other { path: PathBuf, message: String },
}

impl InputError {
    pub fn path(&self) -> &PathBuf {
        match self {
            InputError::Io { path, .. }
            | InputError::Empty { path }
            | InputError::Ragged { path, .. }
            | InputError::Malformed { path, .. }
            | InputError::Unrecognised { path, .. }
            | InputError::Field { path, .. }
            | InputError::MissingColumn { path, .. }
            | InputError::Other { path, .. } => path,
        }
    }
}
