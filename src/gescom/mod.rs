//! The ERP side: client lists exported from Gestion Commerciale (CSV, XLSX or Format Sage)
//! and the index passerelle matches shop customers against.

pub mod articles;
pub mod cache;
pub mod clients;
pub mod export;
pub mod index;
pub mod keys;

use std::fs::File;
use std::io::Read;
use std::path::Path;

pub use cache::ListCache;
pub use index::{Client, ClientIndex};

use crate::error::InputError;
use crate::profile::ClientsSection;
use crate::sage::Layout;

/// Reads a client list, whatever its form: a Format Sage export (it starts with `#FLG`), an
/// XLSX workbook, or a CSV file.
pub fn load(
    path: &Path,
    section: &ClientsSection,
    layout: &'static Layout,
    keep: &[String],
) -> Result<ClientIndex, InputError> {
    let mut head = [0u8; 8];
    let n = File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    let mut ix = if export::looks_like_format_sage(&head[..n]) {
        export::load_export(path, layout, keep)?
    } else {
        clients::load_table(path, section, layout, keep)?
    };
    ix.shrink();
    Ok(ix)
}
