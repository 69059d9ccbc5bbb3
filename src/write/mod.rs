//! Writers of Sage import files and the atomic-file discipline they share.

pub mod atomic;
pub mod sage;
