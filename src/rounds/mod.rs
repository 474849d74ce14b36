//! Demand rounds: members enter demand per material until the round closes; the
//! cooperative sees it aggregated (DESIGN rules 1, 2; lifecycle `draft → open → closed`,
//! `cancelled`).

pub mod aggregate;
pub mod cache;
pub mod input;
pub mod models;
pub mod reminders;
pub mod repo;
pub mod service;
