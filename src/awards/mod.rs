//! Award decisions (DESIGN rules 8–10): one transaction writes the award and its
//! allocations, one purchase order per winning supplier with gap-free numbers, every PO
//! line's member allocations, the audit events and the outbox emails.

pub mod notify;
pub mod plan;
pub mod report;
pub mod service;
