//! Suppliers: platform-wide organisations at home and abroad. Origin is relative to a
//! cooperative: domestic iff the supplier is in the cooperative's country.

pub mod repo;
pub mod service;
