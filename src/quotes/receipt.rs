//! The receipt of a quote revision: a commitment to its content that only the supplier can
//! open before the deadline.
//!
//! `digest = "sha256:" + hex(SHA-256(canonical))`, lower-case hex, where `canonical` is the
//! JSON object
//! `{"nonce": "<64 hex>", "quote": <content>, "revision": <n>, "rfq_id": "<uuid>",
//! "submitted_at": "<RFC 3339>", "supplier_id": "<uuid>"}` serialised by
//! [`crate::canonical`]: keys sorted by their UTF-8 bytes at every level, no whitespace,
//! strings escaped as JSON requires (non-ASCII left as UTF-8). `<content>` is
//! `{"currency", "incoterm", "lead_time_days" (number), "lines", "named_place",
//! "notes", "payment_terms", "valid_until" ("YYYY-MM-DD")}` with `null` for an absent
//! optional text; `lines` sorted by `rfq_line_id`, each
//! `{"freight_per_unit", "insurance_per_unit", "max_quantity" (null when unlimited),
//! "min_quantity", "price_breaks", "rfq_line_id", "unit_price"}` and `price_breaks` sorted
//! by `min_quantity`, each `{"min_quantity", "unit_price"}`. Every decimal is a JSON string
//! in normal form: no exponent, no trailing zeros after the point, no point when whole
//! (`"1385.2"`, `"0"`, `"100"`); absent freight, insurance and minimum are `"0"`.
//! `submitted_at` is the server's time, UTC with six fractional digits
//! (`2026-11-29T06:28:46.123456Z`); text fields are the trimmed values as stored; ids are
//! lower-case hyphenated UUIDs.
//!
//! `nonce` is 32 bytes from the operating system's CSPRNG, as 64 lower-case hex digits, new
//! for every revision ([`new_nonce`]). Without it every other field is guessable (invited
//! suppliers, allowed currencies and Incoterms, round prices, the time), and a digest seen
//! by the buyer side would confirm a guess; with it, the digest reveals nothing until the
//! nonce is disclosed. The supplier gets the nonce in its receipt (the response to the
//! submission or revision, and its own reads), so it can rebuild `canonical` from what it
//! sent and recompute the digest; the buyer side gets nonces and canonical documents only
//! after the deadline (`GET /quotes/{id}/revisions`), and can then check every digest.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::models::timestamp;
use crate::canonical;
use crate::ids::{RfqId, RfqLineId, SupplierId};

/// A price break of the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakContent {
    pub min_quantity: Decimal,
    pub unit_price: Decimal,
}

/// A line of the content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineContent {
    pub rfq_line_id: RfqLineId,
    pub unit_price: Decimal,
    pub freight_per_unit: Decimal,
    pub insurance_per_unit: Decimal,
    pub min_quantity: Decimal,
    pub max_quantity: Option<Decimal>,
    pub price_breaks: Vec<BreakContent>,
}

/// What a supplier quotes (validated and normalised).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    pub currency: String,
    pub incoterm: String,
    pub named_place: Option<String>,
    pub valid_until: NaiveDate,
    pub lead_time_days: i32,
    pub payment_terms: Option<String>,
    pub notes: Option<String>,
    pub lines: Vec<LineContent>,
}

fn dec(d: Decimal) -> String {
    d.normalize().to_string()
}

impl Content {
    /// The content as canonical JSON input (lines and breaks sorted).
    pub fn to_json(&self) -> Value {
        let mut lines: Vec<&LineContent> = self.lines.iter().collect();
        lines.sort_by_key(|l| l.rfq_line_id);
        json!({
            "currency": self.currency,
            "incoterm": self.incoterm,
            "named_place": self.named_place,
            "valid_until": self.valid_until.format("%Y-%m-%d").to_string(),
            "lead_time_days": self.lead_time_days,
            "payment_terms": self.payment_terms,
            "notes": self.notes,
            "lines": lines.iter().map(|l| {
                let mut breaks: Vec<&BreakContent> = l.price_breaks.iter().collect();
                breaks.sort_by_key(|b| b.min_quantity);
                json!({
                    "rfq_line_id": l.rfq_line_id.to_string(),
                    "unit_price": dec(l.unit_price),
                    "freight_per_unit": dec(l.freight_per_unit),
                    "insurance_per_unit": dec(l.insurance_per_unit),
                    "min_quantity": dec(l.min_quantity),
                    "max_quantity": l.max_quantity.map(dec),
                    "price_breaks": breaks.iter().map(|b| json!({
                        "min_quantity": dec(b.min_quantity),
                        "unit_price": dec(b.unit_price),
                    })).collect::<Vec<_>>(),
                })
            }).collect::<Vec<_>>(),
        })
    }
}

/// Random bytes of a nonce (256 bits).
pub const NONCE_BYTES: usize = 32;

/// A fresh nonce: [`NONCE_BYTES`] bytes from the OS CSPRNG, lower-case hex.
pub fn new_nonce() -> anyhow::Result<String> {
    let mut raw = [0u8; NONCE_BYTES];
    getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no OS randomness: {e}"))?;
    Ok(hex::encode(raw))
}

/// The canonical document of a revision and its digest.
pub fn seal(
    rfq_id: RfqId,
    supplier_id: SupplierId,
    revision: i32,
    submitted_at: DateTime<Utc>,
    nonce: &str,
    content: &Content,
) -> (String, String) {
    let doc = json!({
        "nonce": nonce,
        "rfq_id": rfq_id.to_string(),
        "supplier_id": supplier_id.to_string(),
        "revision": revision,
        "submitted_at": timestamp(submitted_at),
        "quote": content.to_json(),
    });
    let canonical = canonical::to_string(&doc);
    let digest = digest_of(&canonical);
    (canonical, digest)
}

/// `sha256:<hex>` of a canonical document.
pub fn digest_of(canonical: &str) -> String {
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn content() -> Content {
        Content {
            currency: "USD".into(),
            incoterm: "CIF".into(),
            named_place: Some("Busan".into()),
            valid_until: NaiveDate::from_ymd_opt(2027, 1, 31).unwrap(),
            lead_time_days: 30,
            payment_terms: None,
            notes: Some("견적 \"A\"".into()),
            lines: vec![LineContent {
                rfq_line_id: RfqLineId(uuid::Uuid::nil()),
                unit_price: Decimal::from_str("8450.500").unwrap(),
                freight_per_unit: Decimal::from_str("120.00").unwrap(),
                insurance_per_unit: Decimal::ZERO,
                min_quantity: Decimal::from_str("10").unwrap(),
                max_quantity: None,
                price_breaks: vec![
                    BreakContent {
                        min_quantity: Decimal::from_str("100").unwrap(),
                        unit_price: Decimal::from_str("8300").unwrap(),
                    },
                    BreakContent {
                        min_quantity: Decimal::from_str("50.0").unwrap(),
                        unit_price: Decimal::from_str("8400").unwrap(),
                    },
                ],
            }],
        }
    }

    const NONCE: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

    #[test]
    fn the_canonical_form_is_exactly_as_documented() {
        let at = DateTime::parse_from_rfc3339("2026-11-29T06:28:46.1Z")
            .unwrap()
            .with_timezone(&Utc);
        let (canonical, digest) = seal(
            RfqId(uuid::Uuid::nil()),
            SupplierId(uuid::Uuid::max()),
            2,
            at,
            NONCE,
            &content(),
        );
        let expected = concat!(
            r#"{"nonce":"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff","#,
            r#""quote":{"currency":"USD","incoterm":"CIF","lead_time_days":30,"lines":[{"#,
            r#""freight_per_unit":"120","insurance_per_unit":"0","max_quantity":null,"#,
            r#""min_quantity":"10","price_breaks":[{"min_quantity":"50","unit_price":"8400"},"#,
            r#"{"min_quantity":"100","unit_price":"8300"}],"#,
            r#""rfq_line_id":"00000000-0000-0000-0000-000000000000","unit_price":"8450.5"}],"#,
            r#""named_place":"Busan","notes":"견적 \"A\"","payment_terms":null,"#,
            r#""valid_until":"2027-01-31"},"revision":2,"#,
            r#""rfq_id":"00000000-0000-0000-0000-000000000000","#,
            r#""submitted_at":"2026-11-29T06:28:46.100000Z","#,
            r#""supplier_id":"ffffffff-ffff-ffff-ffff-ffffffffffff"}"#
        );
        assert_eq!(canonical, expected);
        assert_eq!(
            digest,
            format!(
                "sha256:{}",
                hex::encode(Sha256::digest(expected.as_bytes()))
            )
        );
    }

    #[test]
    fn nonces_carry_256_bits_and_never_repeat() {
        let nonces: std::collections::HashSet<String> =
            (0..1000).map(|_| new_nonce().unwrap()).collect();
        assert_eq!(nonces.len(), 1000);
        for n in &nonces {
            assert_eq!(n.len(), 64);
            assert!(n
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert_eq!(hex::decode(n).unwrap().len(), NONCE_BYTES);
        }
        // Every bit position takes both values across the sample (a stuck byte would not).
        let (mut ones, mut zeros) = ([false; NONCE_BYTES * 8], [false; NONCE_BYTES * 8]);
        for n in &nonces {
            for (i, byte) in hex::decode(n).unwrap().into_iter().enumerate() {
                for bit in 0..8 {
                    if byte >> bit & 1 == 1 {
                        ones[i * 8 + bit] = true;
                    } else {
                        zeros[i * 8 + bit] = true;
                    }
                }
            }
        }
        assert!(ones.iter().chain(zeros.iter()).all(|b| *b));
    }

    #[test]
    fn any_change_changes_the_digest() {
        let at = Utc::now();
        let ids = (RfqId(uuid::Uuid::nil()), SupplierId(uuid::Uuid::nil()));
        let base = seal(ids.0, ids.1, 1, at, NONCE, &content()).1;
        assert!(base.starts_with("sha256:") && base.len() == 71);
        let mut c = content();
        c.lines[0].unit_price += Decimal::new(1, 2);
        assert_ne!(base, seal(ids.0, ids.1, 1, at, NONCE, &c).1);
        assert_ne!(base, seal(ids.0, ids.1, 2, at, NONCE, &content()).1);
        let other = new_nonce().unwrap();
        assert_ne!(base, seal(ids.0, ids.1, 1, at, &other, &content()).1);
        let mut flipped = NONCE.to_owned();
        flipped.replace_range(63.., "e");
        assert_ne!(base, seal(ids.0, ids.1, 1, at, &flipped, &content()).1);
    }

    #[test]
    fn the_content_and_time_alone_do_not_reproduce_the_digest() {
        // What the buyer side could build before the deadline: every field right, but no
        // nonce (the form without one) or a guessed one.
        let at = Utc::now();
        let (rfq, supplier) = (RfqId::new(), SupplierId::new());
        let (canonical, digest) = seal(rfq, supplier, 1, at, &new_nonce().unwrap(), &content());
        let guess = canonical::to_string(&json!({
            "rfq_id": rfq.to_string(),
            "supplier_id": supplier.to_string(),
            "revision": 1,
            "submitted_at": timestamp(at),
            "quote": content().to_json(),
        }));
        assert_ne!(digest_of(&guess), digest);
        assert_ne!(seal(rfq, supplier, 1, at, NONCE, &content()).1, digest);
        assert_ne!(seal(rfq, supplier, 1, at, "", &content()).1, digest);
        // The same nonce does reproduce it: that is how the supplier checks its receipt.
        let v: Value = serde_json::from_str(&canonical).unwrap();
        let nonce = v["nonce"].as_str().unwrap();
        assert_eq!(seal(rfq, supplier, 1, at, nonce, &content()).1, digest);
    }
}
