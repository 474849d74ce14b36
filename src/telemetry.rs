//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`), as text or JSON
//! (`COPROCURE_LOG_FORMAT=json`). Each request runs in a span with its request id
//! (tracing-actix-web), echoed to the client as `X-Request-Id`.

use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .try_init(),
    };
}
