//! The Format Sage file format itself: layouts, values, records, and the validator. Shared by
//! the writer (`write`), the client-list reader (`gescom`) and `passerelle validate`.

pub mod fields;
pub mod layout;
pub mod parse;
pub mod record;
pub mod validate;
pub mod value;

pub use fields::{Ccdl, Ccli, Chen, Chli, Chre, FieldId, Mctt, RecordKind};
pub use layout::{FieldSpec, Kind, Layout, RecordLayout};
pub use record::{FieldValue, Fields, Record};

/// CP850 bytes → text (Format Sage files are always CP850).
pub fn codepage_decode(bytes: &[u8]) -> String {
    crate::codepage::cp850::decode(bytes)
}
