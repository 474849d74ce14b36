//! Signed webhooks to suppliers' systems, delivered through an outbox like email (DESIGN
//! rule 11): a use case inserts a row in its own transaction; the [`worker`] claims due rows
//! with `FOR UPDATE SKIP LOCKED`, POSTs the stored body with
//! `X-Coprocure-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>`, and retries
//! transient failures on the email schedule ([`crate::notifications::backoff`]).

pub mod address;
pub mod worker;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::Value;

use crate::ids::SupplierId;
use crate::schema::outbox_webhooks;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Coprocure-Signature";
/// Header naming the event (`rfq.published`…).
pub const EVENT_HEADER: &str = "X-Coprocure-Event";
/// Header carrying the delivery id (the same on every retry: receivers drop duplicates).
pub const DELIVERY_HEADER: &str = "X-Coprocure-Delivery";

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Queues a webhook inside the caller's transaction. The body is serialised now and sent
/// byte for byte, so the signature covers exactly what the receiver gets. Returns false
/// when the dedupe key was used already.
pub async fn enqueue(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    supplier: SupplierId,
    url: &str,
    event: &str,
    body: &Value,
    dedupe_key: String,
) -> QueryResult<bool> {
    let n = diesel::insert_into(outbox_webhooks::table)
        .values((
            outbox_webhooks::id.eq(uuid::Uuid::now_v7()),
            outbox_webhooks::supplier_id.eq(supplier),
            outbox_webhooks::url.eq(url),
            outbox_webhooks::event.eq(event),
            outbox_webhooks::body.eq(body.to_string()),
            outbox_webhooks::dedupe_key.eq(dedupe_key),
            outbox_webhooks::next_attempt_at.eq(now),
            outbox_webhooks::created_at.eq(now),
            outbox_webhooks::retry_window_started_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_rfc_4231_test_case_2() {
        // RFC 4231 §4.3: key "Jefe", data "what do ya want for nothing?".
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
