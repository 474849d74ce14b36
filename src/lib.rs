//! coprocure — joint raw-material procurement for SME cooperatives.
//!
//! A cooperative pools its members' demand, asks domestic and overseas suppliers for sealed
//! quotes, compares them on one landed-cost basis and records joint purchase orders. This
//! crate is the whole backend: the HTTP API (`api`), the portal (`web`), the use cases per domain, and the
//! infrastructure they share (configuration, database, errors, clock).

pub mod api;
pub mod audit;
pub mod auth;
pub mod awards;
pub mod background;
pub mod bounds;
pub mod canonical;
pub mod cli;
pub mod clock;
pub mod comparison;
pub mod config;
pub mod context;
pub mod cooperatives;
pub mod csv;
pub mod db;
pub mod decimal;
pub mod demo;
pub mod error;
pub mod fx;
pub mod i18n;
pub mod idempotency;
pub mod ids;
pub mod materials;
pub mod notifications;
pub mod purchase_orders;
pub mod quotes;
pub mod reference;
pub mod rfqs;
pub mod rounds;
pub mod schema;
pub mod startup;
pub mod state;
pub mod suppliers;
pub mod telemetry;
pub mod tls;
pub mod users;
pub mod validation;
pub mod web;
pub mod webhooks;
