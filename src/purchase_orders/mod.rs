//! Joint purchase orders and their member allocations (DESIGN rules 8–10): issued by an
//! award (see [`crate::awards`]), read per role, acknowledged by their supplier.

pub mod allocation;
pub mod models;
pub mod repo;
pub mod service;
