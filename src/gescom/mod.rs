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

/// How to get the client list, said wherever it is missing (`convert`, `profile check`,
/// `watch`). The menu names are those usually given for Sage 100 Gestion Commerciale; they
/// are not verified on every release, and the text says so. The columns are those of
/// `templates/gescom/columns.toml` that matter most.
pub const EXPORT_HOWTO: &str = "How to get the client list from Sage 100 Gestion Commerciale (menu names as usually given, not verified on every release):
  - export the clients in Format Sage (Fichier > Exporter > Format Sage, clients only): the one form from which passerelle may also update existing clients;
  - or export the list of clients (Structure > Clients) to a CSV or Excel file, with the column N° compte, and also Intitulé, Siret, N° identifiant (VAT number) and E-mail, by which shop customers are matched, and Compte collectif and Catégorie comptable, which new clients copy from the template client.
Save it where [clients] file of the profile says, or pass --clients FILE; `passerelle clients inspect FILE` shows how it is read";

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
