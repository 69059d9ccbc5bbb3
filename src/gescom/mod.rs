//! The ERP side: client lists exported from Gestion Commerciale and the index passerelle
//! matches shop customers against.

pub mod clients;
pub mod index;

pub use index::{Client, ClientIndex};
