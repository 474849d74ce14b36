//! Sealed quotes (DESIGN rule 3): suppliers submit, revise and withdraw until the deadline;
//! every revision is kept with the SHA-256 digest of its canonical JSON (the receipt).
//!
//! Sealing is enforced in [`repo`], where quotes are read: the only way to obtain a quote
//! row is through a query that takes the reader and filters by it (the owner supplier any
//! time; the buyer side only once the RFQ's deadline has passed), and lines, price breaks
//! and revisions are loaded only for rows obtained that way ([`repo::Unsealed`]).

pub mod input;
pub mod models;
pub mod receipt;
pub mod repo;
pub mod service;
