//! Organisation users: coop admins and member users of a cooperative, supplier users of a
//! supplier; invitations by email; disabling.

pub mod claim;
pub mod invitation;
pub mod repo;
pub mod service;
