//! The portal: server-rendered pages for people (askama templates under `templates/web/`),
//! beside the JSON API. Pages call the same services as the API — no SQL and no business
//! rule here — and work without JavaScript; htmx (vendored, served by the app) may improve
//! them.
//!
//! Every portal route is wrapped in [`portal`], which per request:
//! 1. resolves the browser session, the language and the CSRF binding into a
//!    [`session::Page`] (handlers extract it);
//! 2. refuses a state-changing request that is cross-site or lacks this session's CSRF
//!    token ([`csrf`]) with a localized 403 page, before any handler runs;
//! 3. turns failures into localized HTML pages (401 → the sign-in page; 403, 404, 409,
//!    429, 500…) where the API answers problem+json;
//! 4. sets the page headers ([`headers`]) and the pre-session cookie.

pub mod assets;
pub mod csrf;
pub mod forms;
pub mod headers;
pub mod idempotent;
pub mod pages;
pub mod render;
pub mod session;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::{from_fn, Next};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};

use crate::error::AppError;
use crate::state::AppState;
use session::Page;

/// Registers the portal's routes: each area of `pages` registers its own.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/{name}").route(web::get().to(assets::serve)));
    pages::auth::routes(cfg);
    pages::home::routes(cfg);
    pages::rfqs::routes(cfg);
    pages::rounds::routes(cfg);
    pages::purchase_orders::routes(cfg);
    pages::audit::routes(cfg);
    pages::fx_rates::routes(cfg);
    pages::outbox::routes(cfg);
    pages::comparison::routes(cfg);
    pages::awards::routes(cfg);
    pages::quotes::routes(cfg);
    pages::demand::routes(cfg);
    pages::claim::routes(cfg);
    pages::company::routes(cfg);
    pages::members::routes(cfg);
    pages::materials::routes(cfg);
    pages::suppliers::routes(cfg);
    pages::admin_cooperatives::routes(cfg);
    pages::award_report::routes(cfg);
}

/// A portal page's routes at one path, wrapped in [`portal`]; any other method answers 405
/// with `Allow` naming the ones declared: `cfg.service(Routes::at("/x").get(a).post(b))`.
pub struct Routes {
    resource: actix_web::Resource,
    allow: Vec<&'static str>,
}

impl Routes {
    /// The routes at `path` (an actix path pattern, `/rfqs/{id}`).
    pub fn at(path: &str) -> Self {
        Self {
            resource: web::resource(path),
            allow: Vec::new(),
        }
    }

    /// `GET` (and `HEAD`) by `handler`.
    pub fn get<F, Args>(mut self, handler: F) -> Self
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.resource = self.resource.route(web::get().to(handler));
        self.allow.push("GET");
        self
    }

    /// `POST` by `handler`.
    pub fn post<F, Args>(mut self, handler: F) -> Self
    where
        F: actix_web::Handler<Args>,
        Args: actix_web::FromRequest + 'static,
        F::Output: actix_web::Responder + 'static,
    {
        self.resource = self.resource.route(web::post().to(handler));
        self.allow.push("POST");
        self
    }
}

impl actix_web::dev::HttpServiceFactory for Routes {
    fn register(self, config: &mut actix_web::dev::AppService) {
        let allow: &'static str = Box::leak(self.allow.join(", ").into_boxed_str());
        self.resource
            .default_service(web::to(move || async move {
                Err::<HttpResponse, _>(AppError::MethodNotAllowed { allow })
            }))
            .wrap(from_fn(portal))
            .register(config)
    }
}

fn is_form(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The portal middleware (see the module documentation).
pub async fn portal(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("AppState is not registered")))?;
    let page = match Page::resolve(&state, req.request()).await {
        Ok(p) => p,
        // The database is unreachable, say: the API's answer is all there is to give.
        Err(e) => return Ok(req.error_response(e)),
    };
    let method = req.method().clone();
    let get = method == Method::GET || method == Method::HEAD;
    if !get && method != Method::OPTIONS {
        let origin = csrf::origin_of(&state.settings.public_url);
        if !csrf::same_origin(req.headers(), &origin) {
            tracing::warn!(path = %req.path(), "cross-site request refused");
            let res = req.into_response(render::csrf_refused(&page));
            return Ok(finish(res, &page));
        }
        let submitted = match req.headers().get(csrf::HEADER) {
            Some(v) => v.to_str().ok().map(str::to_owned),
            None if is_form(&req) => {
                let body = req.extract::<web::Bytes>().await?;
                let token = csrf::form_field(&body);
                req.set_payload(body.into());
                token
            }
            None => None,
        };
        let secret = state.settings.jwt_secret.as_deref().unwrap_or_default();
        let valid = submitted.is_some_and(|s| csrf::verify(secret, &page.binding, &s));
        if !valid {
            // A form of a session that ended meanwhile: sign in again rather than a 403.
            let res = if page.stale_session {
                render::see_other("/login?expired=1")
            } else {
                tracing::warn!(path = %req.path(), "request without a valid CSRF token refused");
                render::csrf_refused(&page)
            };
            return Ok(finish(req.into_response(res), &page));
        }
    }
    req.extensions_mut().insert(page.clone());
    let res = next.call(req).await?;
    let replacement = res
        .response()
        .error()
        .map(|err| render::error_response(&page, res.status(), err.as_error::<AppError>(), get));
    let res = match replacement {
        Some(r) => res.into_response(r),
        None => res.map_into_boxed_body(),
    };
    Ok(finish(res, &page))
}

/// Page headers and cookies on a portal response.
fn finish(mut res: ServiceResponse<BoxBody>, page: &Page) -> ServiceResponse<BoxBody> {
    decorate(res.response_mut(), page);
    res
}

/// Sets the page headers, the pre-session cookie of an anonymous page, and removes a
/// session cookie that names no live session (unless the handler set cookies itself).
fn decorate(res: &mut HttpResponse<BoxBody>, page: &Page) {
    headers::apply(res.headers_mut(), page.secure());
    let names = page.cookie_names();
    let sets = |res: &HttpResponse<BoxBody>, name: &str| res.cookies().any(|c| c.name() == name);
    if let Some(pre) = &page.pre_session {
        if !sets(res, names.pre) {
            let c = session::cookie(
                names.pre,
                pre.clone(),
                session::PRE_SESSION_LIFETIME,
                page.secure(),
            );
            let _ = res.add_cookie(&c);
        }
    }
    if page.stale_session && !sets(res, names.session) {
        let _ = res.add_cookie(&session::removal(names.session, page.secure()));
    }
}

/// The answer for an unknown path: a localized HTML page for a browser navigating outside
/// `/api/`, the API's problem+json for everyone else.
pub async fn fallback(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let html = !req.path().starts_with("/api/")
        && matches!(*req.method(), Method::GET | Method::HEAD)
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
    if !html {
        return Err(AppError::NotFound);
    }
    let page = Page::resolve(&state, &req).await?;
    let mut res = render::error_response(
        &page,
        StatusCode::NOT_FOUND,
        Some(&AppError::NotFound),
        true,
    );
    decorate(&mut res, &page);
    Ok(res)
}
