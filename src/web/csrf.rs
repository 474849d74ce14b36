//! Cross-site request forgery defences of the portal, in two layers that must both pass
//! on every state-changing request (anything but GET, HEAD and OPTIONS):
//!
//! 1. **Where it came from** ([`same_origin`]): `Sec-Fetch-Site` must be `same-origin` (or
//!    `none`, a user-typed navigation); browsers that do not send it must send an `Origin`
//!    equal to the origin of `COPROCURE_PUBLIC_URL`. `Sec-Fetch-Site` decides first:
//!    under `Referrer-Policy: no-referrer` Chromium sends `Origin: null` on same-origin form
//!    posts. A request with neither header is refused.
//! 2. **A token bound to the session** ([`token`]): `base64url(HMAC-SHA256(k, "csrf" ‖
//!    binding))` with `k` derived from the JWT secret, sent as the `_csrf` field of every
//!    form or the `X-CSRF-Token` header (htmx), compared in constant time. The binding is
//!    the session id when signed in, else the value of a short-lived pre-session cookie
//!    (sign-in, language switch, password reset before any session exists).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use actix_web::http::header::{HeaderMap, ORIGIN};

type HmacSha256 = Hmac<Sha256>;

/// Name of the form field carrying the token.
pub const FIELD: &str = "_csrf";
/// Name of the header carrying the token (htmx requests).
pub const HEADER: &str = "x-csrf-token";

/// What a token is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// A signed-in browser session.
    Session(uuid::Uuid),
    /// The pre-session cookie's value.
    PreSession(String),
}

impl Binding {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Session(id) => [b"s:".as_slice(), id.as_bytes()].concat(),
            Self::PreSession(v) => [b"p:".as_slice(), v.as_bytes()].concat(),
        }
    }
}

fn keyed(key: &[u8]) -> HmacSha256 {
    match HmacSha256::new_from_slice(key) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC takes keys of any length"),
    }
}

fn mac(secret: &[u8], binding: &Binding) -> HmacSha256 {
    // A key of its own, so a CSRF token can never be mistaken for anything else signed
    // with the JWT secret.
    let mut kdf = keyed(secret);
    kdf.update(b"coprocure/web/csrf/v1");
    let key = kdf.finalize().into_bytes();
    let mut m = keyed(&key);
    m.update(b"csrf");
    m.update(&binding.bytes());
    m
}

/// The token for `binding`.
pub fn token(secret: &[u8], binding: &Binding) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, binding).finalize().into_bytes())
}

/// Whether `submitted` is the token for `binding` (constant-time comparison).
pub fn verify(secret: &[u8], binding: &Binding, submitted: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(submitted.trim()) {
        Ok(raw) => mac(secret, binding).verify_slice(&raw).is_ok(),
        Err(_) => false,
    }
}

/// The origin (`scheme://host[:port]`) of the public URL.
pub fn origin_of(public_url: &str) -> String {
    url::Url::parse(public_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

/// Layer 1: whether the request's fetch metadata (or, lacking it, its `Origin`) says it
/// comes from a page of this site.
pub fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match get("sec-fetch-site") {
        Some(site) => matches!(site.trim(), "same-origin" | "none"),
        None => headers
            .get(ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|o| o.trim() == public_origin),
    }
}

/// The `_csrf` value of a urlencoded form body.
pub fn form_field(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FIELD)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderName, HeaderValue};

    const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn tokens_are_bound_to_their_session_and_key() {
        let a = Binding::Session(uuid::Uuid::now_v7());
        let b = Binding::Session(uuid::Uuid::now_v7());
        let t = token(SECRET, &a);
        assert_eq!(t.len(), 43);
        assert!(verify(SECRET, &a, &t));
        assert!(!verify(SECRET, &b, &t), "another session's token");
        assert!(!verify(b"another-secret-another-secret-0000", &a, &t));
        assert!(!verify(SECRET, &a, ""));
        assert!(!verify(SECRET, &a, "not base64 !"));
        assert!(!verify(SECRET, &a, &t[..42]));
        let pre = Binding::PreSession("abc".into());
        assert!(!verify(SECRET, &pre, &t));
        assert!(verify(SECRET, &pre, &token(SECRET, &pre)));
    }

    #[test]
    fn fetch_metadata_decides_before_origin() {
        let o = origin_of("https://coop.example/");
        assert_eq!(o, "https://coop.example");
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            &o
        ));
        // Chromium under no-referrer: Origin null, fetch metadata same-origin.
        assert!(same_origin(
            &headers(&[("sec-fetch-site", "same-origin"), ("origin", "null")]),
            &o
        ));
        assert!(same_origin(&headers(&[("sec-fetch-site", "none")]), &o));
        for site in ["cross-site", "same-site"] {
            assert!(!same_origin(
                &headers(&[("sec-fetch-site", site), ("origin", "https://coop.example")]),
                &o
            ));
        }
        assert!(same_origin(
            &headers(&[("origin", "https://coop.example")]),
            &o
        ));
        assert!(!same_origin(
            &headers(&[("origin", "https://evil.example")]),
            &o
        ));
        assert!(!same_origin(&headers(&[("origin", "null")]), &o));
        assert!(!same_origin(&headers(&[]), &o), "neither header: refused");
    }

    #[test]
    fn the_form_field_is_found_in_a_urlencoded_body() {
        assert_eq!(
            form_field(b"email=a%40b.kr&_csrf=abc-DEF_1&x=1").as_deref(),
            Some("abc-DEF_1")
        );
        assert_eq!(form_field(b"email=a"), None);
    }
}
