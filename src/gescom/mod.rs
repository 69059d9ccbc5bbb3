//! The ERP side: client lists exported from Gestion Commerciale (CSV, XLSX or Format Sage)
//! and the index passerelle matches shop customers against.

pub mod articles;
pub mod cache;
pub mod clients;
pub mod export;
pub mod index;
pub mod keys;

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
    // Opened once, a regular file only: a FIFO or a device named as client list is refused.
    let (file, head) = crate::fsguard::open_with_head(path, crate::fsguard::MAX_INPUT_BYTES, 8)
        .map_err(|source| InputError::Io { path: path.to_path_buf(), source })?;
    let mut ix = if export::looks_like_format_sage(&head) {
        export::load_export_from(path, file, layout, keep)?
    } else {
        clients::load_table_from(path, file, section, layout, keep)?
    };
    ix.shrink();
    Ok(ix)
}
