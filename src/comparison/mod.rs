//! Landed-cost comparison of offers and the optimal award suggestion (DESIGN rules 5–7).

pub mod cache;
pub mod landed;
pub mod optimise;
pub mod reason;
pub mod scoring;
pub mod service;
