//! Emails in their recipient's language: each received message is checked with
//! [`coprocure::i18n::lint::foreign_words`] against the payload of its outbox row.

use coprocure::auth::Locale;
use coprocure::schema::outbox_emails;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::smtp::Received;
use super::TestApp;

/// Panics, listing every stray word, unless the subject, text and HTML of each message are
/// in the language of its outbox row. Returns how many messages were checked per locale
/// (ko, en).
pub async fn assert_in_own_language(app: &TestApp, messages: &[Received]) -> (usize, usize) {
    let mut conn = app.conn().await;
    let mut problems = Vec::new();
    let (mut ko, mut en) = (0, 0);
    for m in messages {
        let mid = m.header("Message-ID").expect("Message-ID");
        let (locale, template, payload): (String, String, serde_json::Value) = outbox_emails::table
            .filter(outbox_emails::message_id.eq(&mid))
            .select((
                outbox_emails::locale,
                outbox_emails::template,
                outbox_emails::payload,
            ))
            .first(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("outbox row of {mid}: {e}"));
        let locale = Locale::parse(&locale).expect("stored locale");
        match locale {
            Locale::Ko => ko += 1,
            Locale::En => en += 1,
        }
        let parts = [
            ("subject", m.header("Subject").unwrap_or_default(), false),
            ("text", m.part("text/plain").unwrap_or_default(), false),
            ("html", m.part("text/html").unwrap_or_default(), true),
        ];
        for (part, body, html) in parts {
            for w in coprocure::i18n::lint::foreign_words(locale, &body, html, &payload) {
                problems.push(format!(
                    "{template} ({}) to {:?}, {part}: {w}",
                    locale.as_str(),
                    m.rcpt_to
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} words outside the recipient's language:\n{}",
        problems.len(),
        problems.join("\n")
    );
    (ko, en)
}
