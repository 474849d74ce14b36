//! Response headers of portal pages (the JSON API keeps its own). Together with the
//! application-wide `nosniff`, `X-Frame-Options: DENY` and request id:
//!
//! - a Content-Security-Policy that allows only this origin's scripts, styles and images
//!   (no inline script, no `style=""`, no `eval`), no plugins, no `<base>`, no framing,
//!   and forms that post only here;
//! - `Referrer-Policy: same-origin` instead of the API's `no-referrer`: same-origin form
//!   posts then carry a real `Origin` (the CSRF check's fallback), other sites learn
//!   nothing;
//! - `Cache-Control: no-store`: no page (they hold personal and sealed data) is kept by
//!   the browser or a proxy, so the back button after sign-out shows nothing;
//! - HSTS for a year when the portal is served over https.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The portal's Content-Security-Policy.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Sets the page headers (replacing any set before).
pub fn apply(headers: &mut HeaderMap, https: bool) {
    let set = |h: &mut HeaderMap, name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(
        headers,
        HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    if https {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
}
