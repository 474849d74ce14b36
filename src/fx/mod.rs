//! FX rates: units of the base currency per unit of another, per date (DESIGN rule 5).

pub mod feeds;
