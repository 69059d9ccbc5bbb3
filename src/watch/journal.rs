//! The watch folder's layout (`Dirs`) and the journal of one job (`Journal`, written beside
//! the file in work/ as `ID.job.json`): what the worker (`job.rs`) writes and the notes
//! (`notes.rs`) read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const JOURNAL_VERSION: u32 = 1;

/// The folders of a watch directory, and the state folder of its profile.
#[derive(Debug, Clone)]
pub struct Dirs {
    pub root: PathBuf,
    pub inbox: PathBuf,
    pub out: PathBuf,
    pub archive: PathBuf,
    pub errors: PathBuf,
    pub work: PathBuf,
    pub state: PathBuf,
    pub profile: PathBuf,
}

impl Dirs {
    pub fn new(root: &Path, profile: &Path, state: &Path) -> Dirs {
        Dirs {
            root: root.to_path_buf(),
            inbox: root.join("inbox"),
            out: root.join("out"),
            archive: root.join("archive"),
            errors: root.join("errors"),
            work: root.join("work"),
            state: state.to_path_buf(),
            profile: profile.to_path_buf(),
        }
    }

    /// A path relative to the watch folder, for notes and logs ("out/x.txt").
    pub fn show(&self, p: &Path) -> String {
        p.strip_prefix(&self.root).unwrap_or(p).display().to_string()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub id: String,
    /// Name as dropped in the inbox.
    pub original: String,
    /// Name in work/, then in archive/ or errors/: `ID_original`.
    pub claimed: String,
    /// Local time of the claim.
    pub received: String,
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Claimed,
    Decided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Converted; outputs (if any) in out/, input archived.
    Converted,
    /// The input converted but some records failed: outputs in out/, input in errors/.
    Partial,
    /// Nothing converted: input in errors/ with its .error.txt.
    Failed,
    /// Same content as a file converted before: archived with a note, no output.
    Duplicate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    Archive,
    Errors,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// File names in work/ID.out/, each moved to out/ under the same name.
    pub outputs: Vec<String>,
    /// Install work/ID.state/ over the state folder.
    pub install_state: bool,
    pub destination: Destination,
    /// Archive sub-folder, YYYY-MM-DD (fixed here so a resumed job lands where it would have).
    pub day: String,
    /// Note written beside the input: `ID_NAME.error.txt` or `ID_NAME.duplicate.txt`.
    pub note: Option<Note>,
    /// work/ID.report.json moves beside the input as `ID_NAME.report.json`.
    pub report: bool,
    /// work/ID.report.html moves beside the input as `ID_NAME.html`: the report for people
    /// of a file without outputs (with outputs, it is one of them: `out/ID_NAME.html`).
    #[serde(default)]
    pub html: bool,
    /// One line for the log.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Note {
    pub file: String,
    pub text: String,
}
