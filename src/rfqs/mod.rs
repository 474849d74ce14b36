//! RFQs: a cooperative asks invited suppliers for sealed quotes on the materials of a closed
//! demand round (API.md "RFQs").

pub mod input;
pub mod models;
pub mod notify;
pub mod repo;
pub mod service;

/// The Incoterms 2020 rules, in the ICC's order.
pub const INCOTERMS: [&str; 11] = [
    "EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF",
];
