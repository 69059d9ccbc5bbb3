//! passerelle: shop exports (Shopify, PrestaShop, WooCommerce, Magento) → Sage 100 Gestion
//! Commerciale import files, offline, from files alone.
//!
//! The pipeline runs one way (ARCHITECTURE.md): `shop` reads exports into the canonical `model`;
//! `gescom` reads the client list into an index; `resolve` (no I/O) decides which client each
//! customer is and builds Sage records; `write` encodes them through the layouts of `sage`;
//! `report` tells what happened. `convert` ties them together; `watch` runs it on a drop folder.
//! Helpers every stage needs are leaves (`text`, `diagnostics`, `atomic`, `fsguard`); `profile`
//! uses only those, and `setup` checks it against the stages. `tests/module_graph.rs` fails on
//! any cycle between modules.

pub mod atomic;
pub mod cli;
pub mod codepage;
pub mod commands;
pub mod convert;
pub mod countries;
pub mod diagnostics;
pub mod error;
pub mod fsguard;
pub mod gescom;
pub mod html;
pub mod i18n;
pub mod ledger;
pub mod model;
pub mod profile;
pub mod progress;
pub mod report;
pub mod resolve;
pub mod sage;
pub mod setup;
pub mod shop;
pub mod spill;
pub mod state;
pub mod strindex;
pub mod table;
pub mod text;
pub mod warning_kind;
pub mod watch;
pub mod write;

// The benchmarks' data generator (benches/support/datagen.rs) names the library `passerelle`;
// unit tests use it too.
#[cfg(test)]
extern crate self as passerelle;
