//! Joint purchase orders and their member allocations (DESIGN rules 8–10).

pub mod allocation;
