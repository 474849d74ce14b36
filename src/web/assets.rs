//! Static files of the portal, compiled into the binary (`include_bytes!`) and served under
//! content-hashed names (`/static/portal.3f9a1c2e4b5d.css`), so they can be cached for a
//! year (`immutable`) and a new build is fetched at once.

use std::sync::LazyLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use sha2::{Digest, Sha256};

/// One file.
struct Asset {
    /// Content-hashed name (the URL path after `/static/`).
    name: String,
    body: &'static [u8],
    content_type: &'static str,
}

fn asset(stem: &str, ext: &str, body: &'static [u8], content_type: &'static str) -> Asset {
    let hash = hex::encode(&Sha256::digest(body)[..6]);
    Asset {
        name: format!("{stem}.{hash}.{ext}"),
        body,
        content_type,
    }
}

static ASSETS: LazyLock<[Asset; 4]> = LazyLock::new(|| {
    [
        asset(
            "portal",
            "css",
            include_bytes!("../../templates/static/portal.css"),
            "text/css; charset=utf-8",
        ),
        asset(
            "portal",
            "js",
            include_bytes!("../../templates/static/portal.js"),
            "text/javascript; charset=utf-8",
        ),
        // htmx 4.0.1 (`npm pack htmx.org@4.0.1`, dist/htmx.min.js; 0BSD, see htmx.LICENSE).
        asset(
            "htmx-4.0.1.min",
            "js",
            include_bytes!("../../templates/static/htmx.min.js"),
            "text/javascript; charset=utf-8",
        ),
        asset(
            "icon",
            "svg",
            include_bytes!("../../templates/static/icon.svg"),
            "image/svg+xml",
        ),
    ]
});

/// The URLs of the assets, for templates.
#[derive(Debug)]
pub struct Urls {
    pub css: String,
    pub js: String,
    pub htmx: String,
    pub icon: String,
}

static URLS: LazyLock<Urls> = LazyLock::new(|| {
    let url = |i: usize| format!("/static/{}", ASSETS[i].name);
    Urls {
        css: url(0),
        js: url(1),
        htmx: url(2),
        icon: url(3),
    }
});

/// The asset URLs.
pub fn urls() -> &'static Urls {
    &URLS
}

/// Total bytes of the CSS and scripts every page loads (for the page-weight figure).
pub fn page_weight() -> usize {
    ASSETS[..3].iter().map(|a| a.body.len()).sum()
}

/// `GET /static/{name}`: the asset with that hashed name, cached for a year; anything else
/// (including an outdated hash) is a 404.
pub async fn serve(name: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|a| a.name == *name) {
        Some(a) => HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, a.content_type))
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(a.body),
        None => HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_a_content_hash() {
        let u = urls();
        assert!(u.css.starts_with("/static/portal.") && u.css.ends_with(".css"));
        assert!(u.htmx.starts_with("/static/htmx-4.0.1.min."));
        assert_eq!(u.css.len(), "/static/portal..css".len() + 12);
        assert_ne!(u.css, u.js);
    }
}
