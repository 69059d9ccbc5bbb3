//! The only stage that knows both sides: shop records in, Sage records out. No I/O.

pub mod code;
pub mod created;
pub mod credit;
pub mod customer;
pub mod expr;
pub mod order;
pub mod packed;
pub mod plan;
pub mod reported;
pub mod update;

pub use customer::{Outcome, Resolver};
