//! Cooperatives (platform admins): list with search and paging, create, and each
//! cooperative's buyers (coop admins) with invitations. Same services as the API's
//! `/cooperatives` and `/cooperatives/{id}/users` (which allow no edit of a cooperative).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::members::{errors_of, next_link, page_query, InviteForm, Notice};
use super::FormErrors;
use crate::api::pagination::ListQuery;
use crate::auth::{Principal, Role};
use crate::cooperatives::models::CooperativeOut;
use crate::cooperatives::service::{self as coops, CooperativePatch, NewCooperative};
use crate::error::AppError;
use crate::i18n::buyer_admin::{self, BuyerAdminMsgs};
use crate::ids::CooperativeId;
use crate::state::AppState;
use crate::users::service::{self as users, UserOut};
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The cooperative pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/admin/cooperatives").get(list).post(create))
        .service(Routes::at("/admin/cooperatives/new").get(new))
        .service(
            Routes::at("/admin/cooperatives/{id}")
                .get(detail)
                .post(rename),
        )
        .service(Routes::at("/admin/cooperatives/{id}/users").post(invite));
}

/// A platform admin (every other role: 403).
fn platform_admin(p: &Page) -> Result<Principal, AppError> {
    p.require(&[Role::PlatformAdmin])
}

#[derive(Template)]
#[template(path = "web/admin/cooperatives.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    q: String,
    cooperatives: Vec<CooperativeOut>,
    next: Option<String>,
    paged: bool,
}

/// `GET /admin/cooperatives?q=&cursor=`.
pub async fn list(
    state: web::Data<AppState>,
    p: Page,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let who = platform_admin(&p)?;
    let query = page_query(query);
    let (q, after, limit) = query.parts()?;
    let items = coops::list_cooperatives(&state, &who, q, after, limit).await?;
    page(&ListPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        next: next_link("/admin/cooperatives", q, &items, |c| (c.created_at, c.id.0)),
        paged: after.is_some(),
        q: q.unwrap_or_default().to_owned(),
        cooperatives: items,
    })
}

/// The cooperative form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct CooperativeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    business_number: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    base_currency: String,
    #[serde(default)]
    timezone: String,
}

#[derive(Template)]
#[template(path = "web/admin/cooperative_new.html")]
struct NewPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    form: CooperativeForm,
    errors: FormErrors,
}

/// `GET /admin/cooperatives/new`.
pub async fn new(p: Page) -> Result<HttpResponse, AppError> {
    platform_admin(&p)?;
    page(&NewPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        form: CooperativeForm {
            country: "KR".into(),
            base_currency: "KRW".into(),
            timezone: "Asia/Seoul".into(),
            ..CooperativeForm::default()
        },
        errors: FormErrors::default(),
    })
}

/// `POST /admin/cooperatives`: creates a cooperative; 422 with the form kept on errors.
pub async fn create(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<CooperativeForm>,
) -> Result<HttpResponse, AppError> {
    let who = platform_admin(&p)?;
    let form = form.into_inner();
    let input = NewCooperative {
        name: form.name.clone(),
        business_number: form.business_number.clone(),
        country: form.country.clone(),
        base_currency: form.base_currency.clone(),
        timezone: form.timezone.clone(),
    };
    match coops::create_cooperative(&state, &who, input).await {
        Ok(c) => Ok(see_other(&format!(
            "/admin/cooperatives/{}?created=1",
            c.id
        ))),
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
#[template(path = "web/admin/cooperative.html")]
struct DetailPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    coop: CooperativeOut,
    /// The name as typed in the rename form.
    new_name: String,
    errors: FormErrors,
    admins: Vec<UserOut>,
    invite: InviteForm,
    invite_errors: FormErrors,
    notice: Option<&'static str>,
}

impl<'a> DetailPage<'a> {
    /// The page of `coop` with its buyers `admins`, the forms blank (the rename form
    /// holding the current name).
    fn new(p: &'a Page, coop: CooperativeOut, admins: Vec<UserOut>) -> Self {
        Self {
            page: p,
            m: buyer_admin::msgs(p.locale),
            new_name: coop.name.clone(),
            errors: FormErrors::default(),
            coop,
            admins,
            invite: InviteForm::default(),
            invite_errors: FormErrors::default(),
            notice: None,
        }
    }
}

/// The cooperative's buyers (coop admins), as many as the page shows.
async fn admins_of(
    state: &AppState,
    who: &Principal,
    coop: CooperativeId,
) -> Result<Vec<UserOut>, AppError> {
    users::list_coop_admins(state, who, coop, 100).await
}

/// `GET /admin/cooperatives/{id}`: the cooperative and its buyers.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<CooperativeId>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AppError> {
    let who = platform_admin(&p)?;
    let coop = coops::get_cooperative(&state, &who, *id).await?;
    let admins = admins_of(&state, &who, coop.id).await?;
    page(&DetailPage {
        notice: notice.text(buyer_admin::msgs(p.locale)),
        ..DetailPage::new(&p, coop, admins)
    })
}

/// `POST /admin/cooperatives/{id}/users`: invites a buyer (coop admin) by email; 422 with
/// the form kept on errors.
pub async fn invite(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<CooperativeId>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let who = platform_admin(&p)?;
    let coop = coops::get_cooperative(&state, &who, *id).await?;
    let form = form.into_inner();
    let input = form.coop_user(Role::CoopAdmin, None);
    match users::create_coop_user(&state, &who, coop.id, input).await {
        Ok(_) => Ok(see_other(&format!(
            "/admin/cooperatives/{}?invited=1",
            coop.id
        ))),
        Err(AppError::Validation(errs)) => {
            let admins = admins_of(&state, &who, coop.id).await?;
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage {
                    invite: form,
                    invite_errors: errors_of(&p, &errs),
                    ..DetailPage::new(&p, coop, admins)
                },
            )
        }
        Err(e) => Err(e),
    }
}

/// The rename form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

/// `POST /admin/cooperatives/{id}`: renames the cooperative; 422 with the name kept on
/// errors.
pub async fn rename(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<CooperativeId>,
    form: web::Form<RenameForm>,
) -> Result<HttpResponse, AppError> {
    let who = platform_admin(&p)?;
    let form = form.into_inner();
    let patch = CooperativePatch {
        name: Some(form.name.clone()),
    };
    match coops::update_cooperative(&state, &who, *id, patch).await {
        Ok(c) => Ok(see_other(&format!("/admin/cooperatives/{}?saved=1", c.id))),
        Err(AppError::Validation(errs)) => {
            let coop = coops::get_cooperative(&state, &who, *id).await?;
            let admins = admins_of(&state, &who, coop.id).await?;
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage {
                    new_name: form.name,
                    errors: errors_of(&p, &errs),
                    ..DetailPage::new(&p, coop, admins)
                },
            )
        }
        Err(e) => Err(e),
    }
}
