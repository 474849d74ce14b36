//! Authentication: accounts, password hashing, login sessions with rotating refresh
//! tokens, short-lived JWT access tokens, and throttling of password guessing.
//!
//! Design in brief:
//! - An access token is an HS256 JWT valid 15 minutes naming its session (`sid`); every
//!   request also checks that session by primary key, so logout, password change and
//!   disabling take effect at once rather than at expiry.
//! - A refresh token is 256 random bits, stored only as its SHA-256, rotated on every use;
//!   presenting a rotated one again means it was stolen or replayed, and revokes the session.

pub mod browser;
pub mod cache;
pub mod jwt;
pub mod models;
pub mod password;
pub mod principal;
pub mod repo;
pub mod reset;
pub mod service;
pub mod throttle;
pub mod tokens;

pub use models::{Locale, Role, User};
pub use principal::Principal;
