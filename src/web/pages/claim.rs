//! `/claim/{token}`: a supplier's contact address claims the supplier's account from the
//! link of an RFQ invitation (see [`crate::users::claim`]) — sets a password, is signed in,
//! and lands on the RFQ.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::auth::{dead_link, new_password_errors, start, unconfirmed};
use super::FormErrors;
use crate::api::extract::AuthRateLimit;
use crate::auth::browser;
use crate::auth::service::ClientMeta;
use crate::error::AppError;
use crate::i18n::company::{self as words, CompanyMsgs};
use crate::state::AppState;
use crate::users::claim::{self, ClaimAccount, Claimable};
use crate::web::render::page_with;
use crate::web::session::Page;
use crate::web::Routes;

/// The claim page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Routes::at("/claim/{token}")
            .get(claim_form)
            .post(claim_post),
    );
}

#[derive(Template)]
#[template(path = "web/company/claim.html")]
struct ClaimPage<'a> {
    page: &'a Page,
    m: &'static CompanyMsgs,
    intro: String,
    email: String,
    name: String,
    errors: FormErrors,
}

fn invalid(p: &Page) -> Result<HttpResponse, AppError> {
    let m = words::msgs(p.locale);
    dead_link(
        p,
        m.claim_title,
        m.claim_invalid,
        ("/login", p.t.back_to_sign_in),
    )
}

fn form_page(
    p: &Page,
    c: &Claimable,
    name: String,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let m = words::msgs(p.locale);
    page_with(
        status,
        &ClaimPage {
            page: p,
            m,
            intro: m.claim_intro(&c.email, &c.supplier),
            email: c.email.clone(),
            name,
            errors,
        },
    )
}

/// `GET /claim/{token}`.
async fn claim_form(
    state: web::Data<AppState>,
    p: Page,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    match claim::open(&state, &token).await? {
        None => invalid(&p),
        Some(c) => {
            let name = c.supplier.clone();
            form_page(&p, &c, name, FormErrors::default(), StatusCode::OK)
        }
    }
}

/// The claim form's fields.
#[derive(Debug, Deserialize)]
struct ClaimForm {
    #[serde(default)]
    name: String,
    new_password: String,
    confirm_password: String,
}

/// `POST /claim/{token}`: the API's claim use case, then signed in and on to the RFQ.
async fn claim_post(
    _limit: AuthRateLimit,
    state: web::Data<AppState>,
    p: Page,
    meta: ClientMeta,
    token: web::Path<String>,
    form: web::Form<ClaimForm>,
) -> Result<HttpResponse, AppError> {
    let Some(c) = claim::open(&state, &token).await? else {
        return invalid(&p);
    };
    let form = form.into_inner();
    let unprocessable = StatusCode::UNPROCESSABLE_ENTITY;
    if let Some(errors) = unconfirmed(p.t, &form.new_password, &form.confirm_password) {
        return form_page(&p, &c, form.name, errors, unprocessable);
    }
    let claimed = claim::claim(
        &state,
        ClaimAccount {
            token: token.into_inner(),
            password: form.new_password.clone(),
            name: Some(form.name.clone()),
        },
    )
    .await;
    let claimed = match claimed {
        Ok(c) => c,
        Err(AppError::Validation(errs)) if errs.iter().any(|e| e.field == "token") => {
            return invalid(&p)
        }
        Err(AppError::Validation(errs)) => {
            let errors = new_password_errors(p.t, &errs);
            return form_page(&p, &c, form.name, errors, unprocessable);
        }
        Err(e) => return Err(e),
    };
    let (session_token, _) = browser::sign_in(
        &state,
        &state.jwt,
        &claimed.user.email,
        form.new_password,
        meta,
    )
    .await?;
    start(
        &state,
        &p,
        session_token,
        &format!("/rfqs/{}", claimed.rfq_id),
    )
    .await
}
