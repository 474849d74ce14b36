//! Delivery: SMTP through lettre's async transport (`COPROCURE_SMTP_URL`: `smtp://host:port`
//! plain, `?tls=required` for STARTTLS, `smtps://` for implicit TLS), or, with no SMTP URL,
//! `.eml` files under `$COPROCURE_DATA_DIR/mail/` named after the outbox row.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};

/// How a send failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendError {
    /// Worth retrying: connection refused, timeout, TLS hiccup, 4xx reply.
    Transient(String),
    /// Never going to work: 5xx reply, unusable address or template.
    Permanent(String),
}

/// Where emails go.
#[derive(Clone)]
pub enum Mailer {
    /// An SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// A directory of `.eml` files.
    Files(PathBuf),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp(_) => f.write_str("Mailer::Smtp"),
            Self::Files(dir) => write!(f, "Mailer::Files({})", dir.display()),
        }
    }
}

impl Mailer {
    /// The mailer the settings ask for.
    pub fn from_settings(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("COPROCURE_SMTP_URL: {e}"))?
                    .timeout(Some(Duration::from_secs(15)))
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => Ok(Self::Files(data_dir.join("mail"))),
        }
    }

    /// Sends one message; `file_stem` names the `.eml` file of the file transport.
    /// Returns the server's reply (or the file written).
    pub async fn send(&self, message: &Message, file_stem: &str) -> Result<String, SendError> {
        match self {
            Self::Smtp(transport) => match transport.send(message.clone()).await {
                Ok(response) => Ok(format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )),
                Err(e) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
                Err(e) => Err(SendError::Transient(e.to_string())),
            },
            Self::Files(dir) => {
                let write = async {
                    tokio::fs::create_dir_all(dir).await?;
                    let path = dir.join(format!("{file_stem}.eml"));
                    tokio::fs::write(&path, message.formatted()).await?;
                    Ok::<_, std::io::Error>(path)
                };
                match write.await {
                    Ok(path) => Ok(format!("written to {}", path.display())),
                    Err(e) => Err(SendError::Transient(format!(
                        "cannot write the mail file: {e}"
                    ))),
                }
            }
        }
    }
}
