//! The material catalog of a cooperative, and units of measure.

pub mod repo;
pub mod service;
pub mod units;
