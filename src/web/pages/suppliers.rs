//! The supplier directory: coop admins and platform admins list (search, paging), register
//! and view suppliers; platform admins also see and invite a supplier's users. Same services
//! as the API's `/suppliers` and `/suppliers/{id}/users` (which allow no edit of a supplier).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::members::{errors_of, next_link, page_query, InviteForm, Notice};
use super::FormErrors;
use crate::api::pagination::ListQuery;
use crate::auth::{Locale, Principal, Role};
use crate::error::AppError;
use crate::i18n::buyer_admin::{self, BuyerAdminMsgs};
use crate::ids::SupplierId;
use crate::state::AppState;
use crate::suppliers::service::{self as suppliers, NewSupplier, Origin, SupplierOut};
use crate::users::service::{self as users, NewSupplierUser, UserOut};
use crate::web::forms::optional;
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The supplier pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/suppliers").get(list).post(create))
        .service(Routes::at("/suppliers/new").get(new))
        .service(Routes::at("/suppliers/{id}").get(detail))
        .service(Routes::at("/suppliers/{id}/users").post(invite));
}

/// A coop admin or a platform admin (members and suppliers may not use these pages).
fn admin(p: &Page) -> Result<Principal, AppError> {
    p.require(&[Role::CoopAdmin, Role::PlatformAdmin])
}

#[derive(Template)]
#[template(path = "web/suppliers/list.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    q: String,
    suppliers: Vec<SupplierOut>,
    next: Option<String>,
    paged: bool,
    /// A cooperative's view: suppliers are domestic or overseas to it.
    coop_view: bool,
}

impl ListPage<'_> {
    fn origin_label(&self, o: &Origin) -> &'static str {
        origin_label(self.m, *o)
    }
}

fn origin_label(m: &BuyerAdminMsgs, o: Origin) -> &'static str {
    match o {
        Origin::Domestic => m.domestic,
        Origin::Overseas => m.overseas,
    }
}

/// `GET /suppliers?q=&cursor=`.
pub async fn list(
    state: web::Data<AppState>,
    p: Page,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let who = admin(&p)?;
    let query = page_query(query);
    let (q, after, limit) = query.parts()?;
    let items = suppliers::list(&state, &who, q, after, limit).await?;
    page(&ListPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        next: next_link("/suppliers", q, &items, |s| (s.created_at, s.id.0)),
        paged: after.is_some(),
        coop_view: who.role == Role::CoopAdmin,
        q: q.unwrap_or_default().to_owned(),
        suppliers: items,
    })
}

/// The supplier form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct SupplierForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    business_number: String,
    #[serde(default)]
    tax_id: String,
    #[serde(default)]
    default_currency: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    webhook_url: String,
}

#[derive(Template)]
#[template(path = "web/suppliers/new.html")]
struct NewPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    form: SupplierForm,
    errors: FormErrors,
}

/// `GET /suppliers/new`.
pub async fn new(p: Page) -> Result<HttpResponse, AppError> {
    admin(&p)?;
    page(&NewPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        form: SupplierForm {
            country: "KR".into(),
            default_currency: "KRW".into(),
            ..SupplierForm::default()
        },
        errors: FormErrors::default(),
    })
}

/// `POST /suppliers`: registers a supplier; 422 with the form kept on errors.
pub async fn create(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<SupplierForm>,
) -> Result<HttpResponse, AppError> {
    let who = admin(&p)?;
    let form = form.into_inner();
    let input = NewSupplier {
        name: form.name.clone(),
        country: form.country.clone(),
        business_number: optional(&form.business_number),
        tax_id: optional(&form.tax_id),
        default_currency: form.default_currency.clone(),
        contact_email: form.contact_email.clone(),
        locale: Locale::parse(&form.locale),
        webhook_url: optional(&form.webhook_url),
    };
    match suppliers::create(&state, &who, input).await {
        Ok(s) => Ok(see_other(&format!("/suppliers/{}?created=1", s.id))),
        Err(AppError::Validation(errs)) => page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                page: &p,
                m: buyer_admin::msgs(p.locale),
                form,
                errors: errors_of(&p, &errs),
            },
        ),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "web/suppliers/detail.html")]
struct DetailPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    supplier: SupplierOut,
    /// The supplier's users (platform admins only; none for coop admins).
    users: Option<Vec<UserOut>>,
    invite: InviteForm,
    invite_errors: FormErrors,
    notice: Option<&'static str>,
}

impl<'a> DetailPage<'a> {
    /// The page of `supplier` with its `users` (platform admins), the form blank.
    fn new(p: &'a Page, supplier: SupplierOut, users: Option<Vec<UserOut>>) -> Self {
        Self {
            page: p,
            m: buyer_admin::msgs(p.locale),
            supplier,
            users,
            invite: InviteForm::default(),
            invite_errors: FormErrors::default(),
            notice: None,
        }
    }

    fn origin_label(&self, o: &Origin) -> &'static str {
        origin_label(self.m, *o)
    }
}

async fn detail_parts(
    state: &AppState,
    who: &Principal,
    id: SupplierId,
) -> Result<(SupplierOut, Option<Vec<UserOut>>), AppError> {
    let supplier = suppliers::get(state, who, id).await?;
    let users = if who.role == Role::PlatformAdmin {
        Some(users::list_supplier_users(state, who, supplier.id, None, None, 100).await?)
    } else {
        None
    };
    Ok((supplier, users))
}

/// `GET /suppliers/{id}`.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<SupplierId>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AppError> {
    let who = admin(&p)?;
    let (supplier, users) = detail_parts(&state, &who, *id).await?;
    page(&DetailPage {
        notice: notice.text(buyer_admin::msgs(p.locale)),
        ..DetailPage::new(&p, supplier, users)
    })
}

/// `POST /suppliers/{id}/users`: invites a supplier user by email (platform admins; the
/// service refuses cooperatives); 422 with the form kept on errors.
pub async fn invite(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<SupplierId>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let who = admin(&p)?;
    let supplier = suppliers::get(&state, &who, *id).await?;
    let form = form.into_inner();
    let input = NewSupplierUser {
        email: form.email.clone(),
        name: form.name.clone(),
        password: None,
        locale: Some(form.language()),
        // The service's default: a platform admin's invitee administers the supplier.
        supplier_admin: None,
    };
    match users::create_supplier_user(&state, &who, supplier.id, input).await {
        Ok(_) => Ok(see_other(&format!("/suppliers/{}?invited=1", supplier.id))),
        Err(AppError::Validation(errs)) => {
            let (supplier, users) = detail_parts(&state, &who, supplier.id).await?;
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage {
                    invite: form,
                    invite_errors: errors_of(&p, &errs),
                    ..DetailPage::new(&p, supplier, users)
                },
            )
        }
        Err(e) => Err(e),
    }
}
