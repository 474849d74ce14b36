//! The hash chain, without I/O.
//!
//! Link n of a chain is `hash_n = SHA-256(canonical_json(event_n, position n, prev_hash))`
//! with `prev_hash` = `hash_{n-1}` (32 zero bytes for n = 1). The canonical document is
//! [`crate::canonical`] of:
//! `{action, actor_id, actor_kind, at, chain, cooperative_id, data, entity, entity_id, id,
//! position, prev_hash}` with `at` as `YYYY-MM-DDTHH:MM:SS.ffffffZ` and `prev_hash` in hex.
//! Changing any stored field of any event changes its hash and breaks the link after it.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::canonical;

/// `prev_hash` of the first link.
pub const GENESIS: [u8; 32] = [0; 32];

/// The hashed fields of an event.
#[derive(Debug, Clone, PartialEq)]
pub struct HashedEvent {
    pub id: uuid::Uuid,
    pub chain: String,
    pub cooperative_id: Option<uuid::Uuid>,
    pub actor_kind: String,
    pub actor_id: Option<uuid::Uuid>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    pub at: DateTime<Utc>,
    pub data: Value,
}

/// The canonical document of one link.
pub fn canonical(event: &HashedEvent, position: i64, prev_hash: &[u8]) -> String {
    canonical::to_string(&json!({
        "action": event.action,
        "actor_id": event.actor_id,
        "actor_kind": event.actor_kind,
        "at": event.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        "chain": event.chain,
        "cooperative_id": event.cooperative_id,
        "data": event.data,
        "entity": event.entity,
        "entity_id": event.entity_id,
        "id": event.id,
        "position": position,
        "prev_hash": hex::encode(prev_hash),
    }))
}

/// The hash of one link.
pub fn link_hash(event: &HashedEvent, position: i64, prev_hash: &[u8]) -> [u8; 32] {
    Sha256::digest(canonical(event, position, prev_hash).as_bytes()).into()
}

/// A stored link of the chain, as read back for verification.
#[derive(Debug, Clone)]
pub struct StoredLink {
    pub event_id: uuid::Uuid,
    pub position: i64,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Where a chain first fails to verify.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Break {
    /// The event whose link fails.
    pub event_id: uuid::Uuid,
    /// Its position in the chain.
    pub position: i64,
    /// `event_altered`, `link_altered`, `position_gap`, `event_missing`, `unchained_event`.
    pub reason: String,
}

/// Incremental verifier: feed links in position order.
#[derive(Debug)]
pub struct Verifier {
    prev: Vec<u8>,
    expected_position: i64,
    /// Links checked so far.
    pub checked: i64,
    /// The first failure, if any (checking stops there).
    pub first_broken: Option<Break>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            prev: GENESIS.to_vec(),
            expected_position: 1,
            checked: 0,
            first_broken: None,
        }
    }
}

impl Verifier {
    /// Checks the next link against its event (`None` when the event row is gone).
    pub fn feed(&mut self, link: &StoredLink, event: Option<&HashedEvent>) {
        if self.first_broken.is_some() {
            return;
        }
        let fail = |reason: &str| {
            Some(Break {
                event_id: link.event_id,
                position: link.position,
                reason: reason.into(),
            })
        };
        self.first_broken = if link.position != self.expected_position {
            fail("position_gap")
        } else if link.prev_hash != self.prev {
            fail("link_altered")
        } else {
            match event {
                None => fail("event_missing"),
                Some(e) if e.id != link.event_id => fail("event_missing"),
                Some(e)
                    if link_hash(e, link.position, &link.prev_hash).as_slice()
                        != link.hash.as_slice() =>
                {
                    fail("event_altered")
                }
                Some(_) => None,
            }
        };
        if self.first_broken.is_none() {
            self.prev = link.hash.clone();
            self.expected_position += 1;
            self.checked += 1;
        }
    }

    /// Hex of the last verified hash (`None` for an empty chain).
    pub fn head(&self) -> Option<String> {
        (self.checked > 0).then(|| hex::encode(&self.prev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(n: u8) -> HashedEvent {
        HashedEvent {
            id: uuid::Uuid::from_bytes([n; 16]),
            chain: "platform".into(),
            cooperative_id: None,
            actor_kind: "system".into(),
            actor_id: None,
            action: "auth.login".into(),
            entity: "user".into(),
            entity_id: Some(format!("u{n}")),
            at: DateTime::from_timestamp(1_800_000_000 + i64::from(n), 123_456_000).unwrap(),
            data: json!({"n": n}),
        }
    }

    fn build(events: &[HashedEvent]) -> Vec<StoredLink> {
        let mut prev = GENESIS.to_vec();
        events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let h = link_hash(e, i as i64 + 1, &prev).to_vec();
                let link = StoredLink {
                    event_id: e.id,
                    position: i as i64 + 1,
                    prev_hash: prev.clone(),
                    hash: h.clone(),
                };
                prev = h;
                link
            })
            .collect()
    }

    fn verify(links: &[StoredLink], events: &[Option<HashedEvent>]) -> Verifier {
        let mut v = Verifier::default();
        for (l, e) in links.iter().zip(events) {
            v.feed(l, e.as_ref());
        }
        v
    }

    #[test]
    fn canonical_document_is_stable() {
        let doc = canonical(&event(1), 1, &GENESIS);
        assert!(doc.starts_with(r#"{"action":"auth.login","actor_id":null,"actor_kind":"system","at":"2027-01-15T08:00:01.123456Z""#), "{doc}");
        assert!(doc.ends_with(&format!(
            r#""position":1,"prev_hash":"{}"}}"#,
            "0".repeat(64)
        )));
    }

    #[test]
    fn intact_chain_verifies() {
        let events: Vec<_> = (1..=5).map(event).collect();
        let links = build(&events);
        let v = verify(
            &links,
            &events.iter().cloned().map(Some).collect::<Vec<_>>(),
        );
        assert_eq!(v.first_broken, None);
        assert_eq!(v.checked, 5);
        assert_eq!(v.head(), Some(hex::encode(&links[4].hash)));
    }

    #[test]
    fn any_altered_field_is_the_first_break() {
        let events: Vec<_> = (1..=5).map(event).collect();
        let links = build(&events);
        let mut tampered: Vec<_> = events.iter().cloned().map(Some).collect();
        tampered[2].as_mut().unwrap().data = json!({"n": 99});
        let v = verify(&links, &tampered);
        let b = v.first_broken.unwrap();
        assert_eq!((b.position, b.reason.as_str()), (3, "event_altered"));
        assert_eq!(v.checked, 2);

        let mut tampered: Vec<_> = events.iter().cloned().map(Some).collect();
        tampered[0].as_mut().unwrap().at += chrono::Duration::microseconds(1);
        assert_eq!(verify(&links, &tampered).first_broken.unwrap().position, 1);
    }

    #[test]
    fn missing_events_gaps_and_relinked_hashes_are_breaks() {
        let events: Vec<_> = (1..=4).map(event).collect();
        let links = build(&events);
        let mut gone: Vec<_> = events.iter().cloned().map(Some).collect();
        gone[1] = None;
        assert_eq!(
            verify(&links, &gone).first_broken.unwrap().reason,
            "event_missing"
        );

        let all: Vec<_> = events.iter().cloned().map(Some).collect();
        let mut skipped = links.clone();
        skipped.remove(1);
        let mut ev = all.clone();
        ev.remove(1);
        assert_eq!(
            verify(&skipped, &ev).first_broken.unwrap().reason,
            "position_gap"
        );

        let mut relinked = links.clone();
        relinked[3].prev_hash = vec![1; 32];
        assert_eq!(
            verify(&relinked, &all).first_broken.unwrap().reason,
            "link_altered"
        );
    }
}
