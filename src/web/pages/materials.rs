//! The cooperative's material catalogue (coop admins): list with search and paging,
//! create, edit. Same services as the API's `/cooperatives/{id}/materials` and
//! `/materials/{id}`; the units offered are the API's `GET /units`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::members::{coop_admin, errors_of, next_link, page_query, Notice};
use super::FormErrors;
use crate::api::pagination::ListQuery;
use crate::error::AppError;
use crate::i18n::buyer_admin::{self, BuyerAdminMsgs};
use crate::ids::MaterialId;
use crate::materials::service::{
    self as materials, MaterialOut, MaterialPatch, NewMaterial, UnitOut,
};
use crate::state::AppState;
use crate::web::forms::optional;
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// The material pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/materials").get(list).post(create))
        .service(Routes::at("/materials/new").get(new))
        .service(Routes::at("/materials/{id}").get(detail).post(update));
}

#[derive(Template)]
#[template(path = "web/materials/list.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    q: String,
    materials: Vec<MaterialOut>,
    next: Option<String>,
    paged: bool,
}

/// `GET /materials?q=&cursor=`.
pub async fn list(
    state: web::Data<AppState>,
    p: Page,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (who, coop) = coop_admin(&p)?;
    let query = page_query(query);
    let (q, after, limit) = query.parts()?;
    let items = materials::list(&state, &who, coop, q, after, limit).await?;
    page(&ListPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        next: next_link("/materials", q, &items, |m| (m.created_at, m.id.0)),
        paged: after.is_some(),
        q: q.unwrap_or_default().to_owned(),
        materials: items,
    })
}

/// The material form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct MaterialForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    name_ko: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    hs_code: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    spec: String,
}

impl MaterialForm {
    fn of(m: &MaterialOut) -> Self {
        Self {
            code: m.code.clone(),
            name: m.name.clone(),
            name_ko: m.name_ko.clone().unwrap_or_default(),
            kind: m.kind.clone(),
            hs_code: m.hs_code.clone().unwrap_or_default(),
            unit: m.unit.clone(),
            spec: m.spec.clone().unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "web/materials/form.html")]
struct FormPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    /// The material being edited (a new one when none).
    material: Option<MaterialOut>,
    form: MaterialForm,
    errors: FormErrors,
    units: Vec<UnitOut>,
    notice: Option<&'static str>,
}

impl FormPage<'_> {
    fn action(&self) -> String {
        match &self.material {
            Some(m) => format!("/materials/{}", m.id),
            None => "/materials".to_owned(),
        }
    }
}

fn form_page<'a>(
    p: &'a Page,
    material: Option<MaterialOut>,
    form: MaterialForm,
    errors: FormErrors,
    notice: Option<&'static str>,
) -> FormPage<'a> {
    FormPage {
        page: p,
        m: buyer_admin::msgs(p.locale),
        material,
        form,
        errors,
        units: materials::list_units(),
        notice,
    }
}

/// `GET /materials/new`.
pub async fn new(p: Page) -> Result<HttpResponse, AppError> {
    coop_admin(&p)?;
    let form = MaterialForm {
        kind: "raw".into(),
        ..MaterialForm::default()
    };
    page(&form_page(&p, None, form, FormErrors::default(), None))
}

/// `POST /materials`: creates a material; 422 with the form kept on errors.
pub async fn create(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<MaterialForm>,
) -> Result<HttpResponse, AppError> {
    let (who, coop) = coop_admin(&p)?;
    let form = form.into_inner();
    let input = NewMaterial {
        code: form.code.clone(),
        name: form.name.clone(),
        name_ko: optional(&form.name_ko),
        kind: form.kind.clone(),
        hs_code: optional(&form.hs_code),
        unit: form.unit.clone(),
        spec: optional(&form.spec),
    };
    match materials::create(&state, &who, coop, input).await {
        Ok(m) => Ok(see_other(&format!("/materials/{}?created=1", m.id))),
        Err(AppError::Validation(errs)) => page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &form_page(&p, None, form, errors_of(&p, &errs), None),
        ),
        Err(e) => Err(e),
    }
}

/// `GET /materials/{id}`: the material to edit.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<MaterialId>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AppError> {
    let (who, _) = coop_admin(&p)?;
    let material = materials::get(&state, &who, *id).await?;
    let form = MaterialForm::of(&material);
    let notice = notice.text(buyer_admin::msgs(p.locale));
    page(&form_page(
        &p,
        Some(material),
        form,
        FormErrors::default(),
        notice,
    ))
}

/// `POST /materials/{id}`: saves the material (code and unit are fixed); 422 with the form
/// kept on errors.
pub async fn update(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<MaterialId>,
    form: web::Form<MaterialForm>,
) -> Result<HttpResponse, AppError> {
    let (who, _) = coop_admin(&p)?;
    let form = form.into_inner();
    let patch = MaterialPatch {
        name: Some(form.name.clone()),
        name_ko: Some(form.name_ko.clone()),
        kind: Some(form.kind.clone()),
        hs_code: Some(form.hs_code.clone()),
        spec: Some(form.spec.clone()),
    };
    match materials::update(&state, &who, *id, patch).await {
        Ok(m) => Ok(see_other(&format!("/materials/{}?saved=1", m.id))),
        Err(AppError::Validation(errs)) => {
            let material = materials::get(&state, &who, *id).await?;
            let form = MaterialForm {
                code: material.code.clone(),
                unit: material.unit.clone(),
                ..form
            };
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &form_page(&p, Some(material), form, errors_of(&p, &errs), None),
            )
        }
        Err(e) => Err(e),
    }
}
