//! Who is looking, in which language, with which CSRF token: resolved once per portal
//! request by the portal middleware into a [`Page`], which handlers extract.
//!
//! Cookies (all `Path=/`, `HttpOnly`, `SameSite=Lax`; `Secure` and the `__Host-` prefix
//! when `COPROCURE_PUBLIC_URL` is https — on plain http, for local use only, the names
//! lose the prefix because browsers refuse `__Host-` cookies without `Secure` there):
//!
//! | cookie | holds | lifetime |
//! |---|---|---|
//! | `__Host-coprocure` | the browser session token ([`crate::auth::browser`]) | 12 h (the session's absolute lifetime) |
//! | `__Host-coprocure-pre` | a random value binding the CSRF token of forms shown before sign-in | 2 h after the last page |
//! | `__Host-coprocure-lang` | `ko` or `en`, the language chosen while signed out | 1 year |
//!
//! Language: the signed-in user's stored locale, else the language cookie, else
//! `Accept-Language` ([`crate::i18n::negotiate`]).

use actix_web::cookie::{time, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};

use super::assets::{self, Urls};
use super::csrf::{self, Binding};
use crate::auth::browser::{self, ABSOLUTE_LIFETIME};
use crate::auth::{tokens, Locale, Principal, Role};
use crate::error::{AppError, ErrorCode};
use crate::i18n::{self, Msgs};
use crate::state::AppState;

/// The cookie names for an http (`secure = false`) or https deployment.
#[derive(Debug, Clone, Copy)]
pub struct CookieNames {
    pub session: &'static str,
    pub pre: &'static str,
    pub lang: &'static str,
}

/// The cookie names to use.
pub fn cookie_names(secure: bool) -> CookieNames {
    if secure {
        CookieNames {
            session: "__Host-coprocure",
            pre: "__Host-coprocure-pre",
            lang: "__Host-coprocure-lang",
        }
    } else {
        CookieNames {
            session: "coprocure",
            pre: "coprocure-pre",
            lang: "coprocure-lang",
        }
    }
}

/// Lifetime of the pre-session cookie after the last page that set it.
pub const PRE_SESSION_LIFETIME: time::Duration = time::Duration::hours(2);

/// A cookie with the portal's attributes.
pub fn cookie(
    name: &'static str,
    value: String,
    max_age: time::Duration,
    secure: bool,
) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(max_age)
        .finish()
}

/// A cookie that deletes `name`.
pub fn removal(name: &'static str, secure: bool) -> Cookie<'static> {
    cookie(name, String::new(), time::Duration::ZERO, secure)
}

/// The session cookie for a new sign-in.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    let lifetime = time::Duration::seconds(ABSOLUTE_LIFETIME.num_seconds());
    cookie(cookie_names(secure).session, token, lifetime, secure)
}

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// Everything a portal page needs to know about the request.
#[derive(Debug, Clone)]
pub struct Page {
    /// The texts of [`Page::locale`].
    pub t: &'static Msgs,
    pub locale: Locale,
    /// The signed-in user.
    pub user: Option<Principal>,
    /// The CSRF token for this page's forms.
    pub csrf: String,
    /// Path and query of this request (where to come back to).
    pub path: String,
    pub assets: &'static Urls,
    /// The raw session cookie (for sign-out).
    pub(crate) session_token: Option<String>,
    /// A session cookie came with the request but names no live session.
    pub(crate) stale_session: bool,
    /// A new pre-session value to set (anonymous pages).
    pub(crate) pre_session: Option<String>,
    pub(crate) binding: Binding,
    pub(crate) secure: bool,
}

impl Page {
    /// Resolves the session, language and CSRF binding of a request.
    pub async fn resolve(state: &AppState, req: &HttpRequest) -> Result<Self, AppError> {
        let secure = state.settings.public_url.starts_with("https://");
        let names = cookie_names(secure);
        let session_token = req
            .cookie(names.session)
            .map(|c| c.value().to_owned())
            .filter(|v| !v.is_empty() && v.len() <= 64);
        let (user, stale_session) = match &session_token {
            Some(token) => match browser::authenticate(state, token).await? {
                Ok(p) => (Some(p), false),
                Err(_) => (None, true),
            },
            None => (None, false),
        };
        let locale = match &user {
            Some(u) => u.locale,
            None => req
                .cookie(names.lang)
                .and_then(|c| Locale::parse(c.value()))
                .unwrap_or_else(|| {
                    i18n::negotiate(
                        req.headers()
                            .get(header::ACCEPT_LANGUAGE)
                            .and_then(|v| v.to_str().ok()),
                    )
                }),
        };
        let (binding, pre_session) = match &user {
            Some(u) => (Binding::Session(u.session_id.0), None),
            None => {
                let existing = req
                    .cookie(names.pre)
                    .map(|c| c.value().to_owned())
                    .filter(|v| v.len() == 43);
                let value = match existing {
                    Some(v) => v,
                    None => tokens::generate()?,
                };
                (Binding::PreSession(value.clone()), Some(value))
            }
        };
        let secret = state
            .settings
            .jwt_secret
            .as_deref()
            .ok_or_else(|| anyhow::anyhow!("the JWT secret is not resolved"))?;
        Ok(Self {
            t: i18n::msgs(locale),
            locale,
            csrf: csrf::token(secret, &binding),
            path: req
                .uri()
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            assets: assets::urls(),
            user,
            session_token,
            stale_session,
            pre_session,
            binding,
            secure,
        })
    }

    /// The signed-in user, or 401 (which the portal turns into the sign-in page).
    pub fn who(&self) -> Result<&Principal, AppError> {
        self.user.as_ref().ok_or_else(|| {
            AppError::unauthenticated(ErrorCode::SignInRequired, "Sign in to see this page.")
        })
    }

    /// The signed-in user when its role is one of `roles`: 401 signed out (as [`Page::who`]),
    /// 403 for any other role.
    pub fn require(&self, roles: &[Role]) -> Result<Principal, AppError> {
        let who = self.who()?;
        who.require(roles)?;
        Ok(who.clone())
    }

    /// The navigation for the signed-in user's role.
    pub fn nav(&self) -> Vec<NavItem> {
        let t = self.t;
        let Some(user) = &self.user else {
            return vec![];
        };
        // Every role's pages (issues 14–16); the first entry whose path prefixes the current
        // one is marked current.
        let items: Vec<(&'static str, &'static str)> = match user.role {
            Role::PlatformAdmin => vec![
                ("/", t.nav_home),
                ("/admin/cooperatives", t.nav_cooperatives),
                ("/suppliers", t.nav_suppliers),
                ("/fx-rates", t.nav_fx_rates),
                ("/admin/outbox", t.nav_outbox),
                ("/admin/audit", t.nav_audit),
                ("/api/docs/", t.nav_api_docs),
            ],
            Role::CoopAdmin => vec![
                ("/", t.nav_home),
                ("/rounds", t.nav_rounds),
                ("/rfqs", t.nav_rfqs),
                ("/purchase-orders", t.nav_purchase_orders),
                ("/members", t.nav_members),
                ("/materials", t.nav_materials),
                ("/suppliers", t.nav_suppliers),
                ("/fx-rates", t.nav_fx_rates),
                ("/audit", t.nav_audit),
            ],
            Role::Member => vec![
                ("/", t.nav_home),
                ("/rounds", t.nav_rounds),
                ("/purchase-orders", t.nav_purchase_orders),
            ],
            Role::Supplier => vec![
                ("/", t.nav_home),
                ("/rfqs", t.nav_rfqs),
                ("/purchase-orders", t.nav_purchase_orders),
                ("/company", t.nav_company),
            ],
        };
        let here = self.path.split('?').next().unwrap_or("/");
        items
            .into_iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                current: if href == "/" {
                    here == "/"
                } else {
                    here.starts_with(href)
                },
            })
            .collect()
    }

    /// The cookie names of this deployment.
    pub fn cookie_names(&self) -> CookieNames {
        cookie_names(self.secure)
    }

    /// Whether cookies are `Secure` (https).
    pub fn secure(&self) -> bool {
        self.secure
    }
}

impl FromRequest for Page {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Page>()
                .cloned()
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("portal middleware missing"))),
        )
    }
}

/// The `next=` target if it is a path on this site: it must start with one `/` (not `//`,
/// which browsers read as another host), hold no backslash (read as `/`), no whitespace or
/// control character (stripped by browsers, so `/\t/evil` would become `//evil`), and be
/// at most 2,000 bytes. Anything else is refused.
pub fn safe_next(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && raw.len() <= 2000
        && !raw
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    ok.then_some(raw)
}

/// `/login?next=<path>` (the path percent-encoded), or plain `/login` for the home page.
pub fn login_url(next: &str) -> String {
    match safe_next(next).filter(|n| *n != "/" && !n.starts_with("/login")) {
        Some(n) => format!(
            "/login?next={}",
            url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>()
        ),
        None => "/login".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_accepts_only_paths_of_this_site() {
        for ok in [
            "/",
            "/rfqs/1?x=2",
            "/purchase-orders",
            "/a/%2F%2Fevil.example",
        ] {
            assert_eq!(safe_next(ok), Some(ok), "{ok}");
        }
        for bad in [
            "",
            "rfqs",
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "https://evil.example/",
            "http:/evil.example",
            "javascript:alert(1)",
            " /rfqs",
            "\\\\evil.example",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(2000))), None);
    }

    #[test]
    fn the_sign_in_url_carries_the_encoded_path() {
        assert_eq!(
            login_url("/rfqs/1?tab=a&b=c"),
            "/login?next=%2Frfqs%2F1%3Ftab%3Da%26b%3Dc"
        );
        assert_eq!(login_url("/"), "/login");
        assert_eq!(login_url("//evil.example"), "/login");
        assert_eq!(login_url("/login?next=/x"), "/login");
    }
}
