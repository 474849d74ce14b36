//! FX rates: units of the base currency per 1 unit of another, per date, with their source
//! (DESIGN rule 5). Entered by hand or fetched daily from a provider feed ([`feeds`]).

pub mod feeds;
pub mod repo;
pub mod service;
