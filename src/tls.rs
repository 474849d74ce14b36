//! The process's TLS crypto provider: rustls on ring, for SMTP (lettre) and the FX feed and
//! webhooks (reqwest). Installed once, before any client is built.

/// Installs ring as the process-wide rustls provider (idempotent).
pub fn install() {
    // Err means a provider is already installed: the same one, from an earlier call.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
