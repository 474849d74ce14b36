//! `/company`: a supplier's own company page — its users (a supplier admin invites
//! colleagues), its webhook (the signing secret shown only on request, by a POST, never in
//! the page by default), its contact address and language. Through the services the API
//! calls (`suppliers::service`, `users::service`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::FormErrors;
use crate::auth::{Locale, Principal, Role};
use crate::error::AppError;
use crate::i18n::company::{self as words, CompanyMsgs};
use crate::ids::SupplierId;
use crate::state::AppState;
use crate::suppliers::service::{self as suppliers, SupplierOut};
use crate::users::service::{self as users, NewSupplierUser, UserOut};
use crate::web::idempotent::{new_key, once_fields as once};
use crate::web::render::{page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The company page.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/company").get(show))
        .service(Routes::at("/company/users").post(invite))
        .service(Routes::at("/company/webhook-secret").post(reveal));
}

/// What the invite form holds (kept on errors).
#[derive(Debug, Default, Clone, Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    admin: Option<String>,
    #[serde(default, rename = "_key")]
    key: String,
}

#[derive(Template)]
#[template(path = "web/company/show.html")]
struct CompanyPage<'a> {
    page: &'a Page,
    m: &'static CompanyMsgs,
    supplier: SupplierOut,
    users: Vec<UserOut>,
    admin: bool,
    secret: Option<String>,
    form: InviteForm,
    errors: FormErrors,
    invited: bool,
}

fn supplier_of(who: &Principal) -> Result<SupplierId, AppError> {
    match (who.role, who.supplier_id) {
        (Role::Supplier, Some(s)) => Ok(s),
        _ => Err(AppError::NotFound),
    }
}

async fn render(
    state: &AppState,
    p: &Page,
    secret: bool,
    form: Option<(InviteForm, FormErrors)>,
    invited: bool,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let sid = supplier_of(&who)?;
    let mut supplier = suppliers::get(state, &who, sid).await?;
    let list = users::list_supplier_users(state, &who, sid, None, None, 200).await?;
    let admin = list.iter().any(|u| u.id == who.user_id && u.supplier_admin);
    let shown = if secret {
        supplier.webhook_secret.clone()
    } else {
        None
    };
    // Never in the page unless asked for.
    supplier.webhook_secret = None;
    let failed = form.is_some();
    let (mut form, errors) = form.unwrap_or_else(|| {
        (
            InviteForm {
                locale: supplier.locale.as_str().to_owned(),
                ..InviteForm::default()
            },
            FormErrors::default(),
        )
    });
    form.key = new_key();
    page_with(
        if failed {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &CompanyPage {
            m: words::msgs(p.locale),
            page: p,
            supplier,
            users: list,
            admin,
            secret: shown,
            form,
            errors,
            invited,
        },
    )
}

/// `?invited=1` after an invitation.
#[derive(Debug, Deserialize)]
struct ShowQuery {
    invited: Option<String>,
}

/// `GET /company`.
async fn show(
    state: web::Data<AppState>,
    p: Page,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    render(&state, &p, false, None, q.invited.is_some()).await
}

/// `POST /company/webhook-secret`: the same page with the signing secret shown.
async fn reveal(state: web::Data<AppState>, p: Page) -> Result<HttpResponse, AppError> {
    render(&state, &p, true, None, false).await
}

/// `POST /company/users`: a supplier admin invites a colleague (an invitation email with a
/// one-time link; once per form key).
async fn invite(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let who = p.who()?.clone();
    let sid = supplier_of(&who)?;
    let form = form.into_inner();
    let locale = Locale::parse(&form.locale);
    let admin = form.admin.is_some();
    let input = NewSupplierUser {
        email: form.email.clone(),
        name: form.name.clone(),
        password: None,
        locale,
        supplier_admin: Some(admin),
    };
    let fields = [
        ("path", "/company/users"),
        ("email", form.email.as_str()),
        ("name", form.name.as_str()),
        ("locale", form.locale.as_str()),
        ("admin", if admin { "1" } else { "0" }),
    ];
    let done = once(&state, &who, &form.key, &fields, || async {
        users::create_supplier_user(&state, &who, sid, input).await?;
        Ok(see_other("/company?invited=1"))
    })
    .await;
    match done {
        Err(AppError::Validation(errs)) => {
            let errors = FormErrors::from_fields(p.t, &errs);
            render(&state, &p, false, Some((form, errors)), false).await
        }
        other => other,
    }
}
