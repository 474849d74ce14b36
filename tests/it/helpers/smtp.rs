//! A real SMTP server on a loopback socket that records what it receives, and can be told
//! to refuse (550, for everyone or for given recipients), defer (451) or go away.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How the sink answers `RCPT TO`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// 550: permanent failure.
    Reject,
    /// 451: transient failure.
    Defer,
}

/// One received message.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: Vec<u8>,
}

impl Received {
    pub fn parsed(&self) -> mailparse::ParsedMail<'_> {
        mailparse::parse_mail(&self.data).expect("valid MIME")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        use mailparse::MailHeaderMap;
        self.parsed().headers.get_first_value(name)
    }

    /// The decoded bodies of the parts with this content type.
    pub fn part(&self, mime: &str) -> Option<String> {
        fn find(m: &mailparse::ParsedMail<'_>, mime: &str) -> Option<String> {
            if m.subparts.is_empty() {
                return (m.ctype.mimetype == mime).then(|| m.get_body().unwrap());
            }
            m.subparts.iter().find_map(|p| find(p, mime))
        }
        find(&self.parsed(), mime)
    }
}

/// The running sink.
pub struct SmtpSink {
    pub port: u16,
    pub mode: Arc<Mutex<Mode>>,
    /// Recipients answered 550 whatever the mode.
    refused: Arc<Mutex<Vec<String>>>,
    received: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on(0).await
    }

    pub async fn start_on(port: u16) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind SMTP sink");
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(Mutex::new(Mode::Accept));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let received = Arc::new(Mutex::new(Vec::new()));
        let (m, f, r) = (mode.clone(), refused.clone(), received.clone());
        let task = tokio::spawn(async move {
            let mut seq = 0u64;
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                seq += 1;
                tokio::spawn(session(stream, m.clone(), f.clone(), r.clone(), seq));
            }
        });
        Self {
            port,
            mode,
            refused,
            received,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.mode.lock().unwrap() = mode;
    }

    /// Answers 550 to `RCPT TO:<recipient>` from now on, whatever the mode.
    pub fn refuse(&self, recipient: &str) {
        self.refused.lock().unwrap().push(recipient.to_owned());
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The messages to `recipient`, in arrival order.
    pub fn to(&self, recipient: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.rcpt_to.iter().any(|r| r == recipient))
            .collect()
    }

    /// The one message to `recipient`; panics unless exactly one arrived.
    #[track_caller]
    pub fn one_to(&self, recipient: &str) -> Received {
        let mut got = self.to(recipient);
        assert_eq!(got.len(), 1, "emails to {recipient}");
        got.remove(0)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn reply(w: &mut tokio::net::tcp::OwnedWriteHalf, s: String) -> bool {
    w.write_all(s.as_bytes()).await.is_ok()
}

async fn session(
    stream: tokio::net::TcpStream,
    mode: Arc<Mutex<Mode>>,
    refused: Arc<Mutex<Vec<String>>>,
    received: Arc<Mutex<Vec<Received>>>,
    seq: u64,
) {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    if !reply(&mut write, "220 sink.test ESMTP ready\r\n".into()).await {
        return;
    }
    let mut from = String::new();
    let mut rcpt = Vec::new();
    let mut n = 0u64;
    loop {
        let mut line = String::new();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let upper = line.to_ascii_uppercase();
        let answer = if upper.starts_with("EHLO") {
            "250-sink.test\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n".to_owned()
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            "250 OK\r\n".to_owned()
        } else if upper.starts_with("RSET") {
            from.clear();
            rcpt.clear();
            "250 OK\r\n".to_owned()
        } else if upper.starts_with("MAIL FROM:") {
            from = line[10..].trim().to_owned();
            "250 2.1.0 OK\r\n".to_owned()
        } else if upper.starts_with("RCPT TO:") {
            let to = line[8..]
                .trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned();
            let m = if refused.lock().unwrap().contains(&to) {
                Mode::Reject
            } else {
                *mode.lock().unwrap()
            };
            match m {
                Mode::Accept => {
                    rcpt.push(to);
                    "250 2.1.5 OK\r\n".to_owned()
                }
                Mode::Reject => "550 5.1.1 No such user here\r\n".to_owned(),
                Mode::Defer => "451 4.3.0 Try again later\r\n".to_owned(),
            }
        } else if upper.starts_with("DATA") {
            if !reply(&mut write, "354 End data with <CR><LF>.<CR><LF>\r\n".into()).await {
                return;
            }
            let mut data = Vec::new();
            loop {
                let mut l = String::new();
                match lines.read_line(&mut l).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                if l == ".\r\n" || l == ".\n" {
                    break;
                }
                let l = l
                    .strip_prefix('.')
                    .filter(|_| l.starts_with(".."))
                    .unwrap_or(&l);
                data.extend_from_slice(l.as_bytes());
            }
            n += 1;
            received.lock().unwrap().push(Received {
                mail_from: from.clone(),
                rcpt_to: std::mem::take(&mut rcpt),
                data,
            });
            format!("250 2.0.0 Ok: queued as S{seq}M{n}\r\n")
        } else if upper.starts_with("QUIT") {
            let _ = reply(&mut write, "221 2.0.0 Bye\r\n".into()).await;
            return;
        } else {
            "502 5.5.2 Command not recognized\r\n".to_owned()
        };
        if !reply(&mut write, answer).await {
            return;
        }
    }
}
