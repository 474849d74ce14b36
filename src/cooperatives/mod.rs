//! Cooperatives and their member companies.

pub mod models;
pub mod repo;
pub mod service;
