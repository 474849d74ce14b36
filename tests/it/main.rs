//! The one integration-test binary: every test talks HTTP to the real application backed
//! by a real PostgreSQL database of its own (see `helpers`), except `layering`, which reads
//! the sources.

mod browser;
mod helpers;

mod audit;
mod auth;
mod award_report_browser;
mod award_report_pages;
mod awards;
mod bounds;
mod buyer_admin_browser;
mod buyer_admin_pages;
mod buyer_flow;
mod buyer_flow_award;
mod buyer_rounds_pages;
mod caches;
mod claim;
mod cli;
mod comparison;
mod comparison_pages;
mod demand_browser;
mod demand_pages;
mod demo;
mod errors;
mod faults_crash;
mod faults_pg_restart;
mod fx;
mod health;
mod idempotency;
mod jobs;
mod layering;
mod local_postgres;
mod nul;
mod organisations;
mod outbox;
mod po_admin_browser;
mod po_admin_pages;
mod portal;
mod portal_browser;
mod quotes_browser;
mod quotes_pages;
mod rfqs;
mod rounds;
mod tenancy;
mod throttle;
mod transparency;
