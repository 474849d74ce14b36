//! The cooperative's members (coop admins): list with search and paging, create, edit,
//! and each member's users with invitations. Same services as the API's
//! `/cooperatives/{id}/members`, `/members/{id}` and `/cooperatives/{id}/users`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::FormErrors;
use crate::api::pagination::{encode, ListQuery};
use crate::auth::{Locale, Principal, Role};
use crate::cooperatives::models::MemberOut;
use crate::cooperatives::service::{self as coops, MemberPatch, NewMember};
use crate::error::{AppError, FieldError};
use crate::i18n::buyer_admin::{self, BuyerAdminMsgs};
use crate::ids::{CooperativeId, MemberId};
use crate::state::AppState;
use crate::users::service::{self as users, NewCoopUser, UserOut};
use crate::web::render::{page, page_with, see_other};
use crate::web::session::Page;
use crate::web::Routes;

/// Rows per page of the admin lists.
pub(crate) const PAGE_SIZE: i64 = 25;

/// The member pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Routes::at("/members").get(list).post(create))
        .service(Routes::at("/members/new").get(new))
        .service(Routes::at("/members/{id}").get(detail).post(update))
        .service(Routes::at("/members/{id}/users").post(invite));
}

/// The field errors of a failed form in the viewer's language: this area's own messages
/// where it has one, else the common ones.
pub(crate) fn errors_of(p: &Page, errs: &[FieldError]) -> FormErrors {
    let m = buyer_admin::msgs(p.locale);
    FormErrors::localized(p.t, errs, |code| m.field_error(code.as_str()))
}

/// The cooperative of a coop admin (members and suppliers may not use these pages).
pub(crate) fn coop_admin(p: &Page) -> Result<(Principal, CooperativeId), AppError> {
    let who = p.require(&[Role::CoopAdmin])?;
    let coop = who.cooperative_id.ok_or(AppError::Forbidden)?;
    Ok((who, coop))
}

/// An admin list's query (search and cursor) with the page size of these lists.
pub(crate) fn page_query(query: web::Query<ListQuery>) -> ListQuery {
    ListQuery {
        limit: Some(PAGE_SIZE as u32),
        ..query.into_inner()
    }
}

/// The link to the next page of a list, when this one is full.
pub(crate) fn next_link<T>(
    base: &str,
    q: Option<&str>,
    items: &[T],
    key: impl Fn(&T) -> (chrono::DateTime<chrono::Utc>, uuid::Uuid),
) -> Option<String> {
    if (items.len() as i64) < PAGE_SIZE {
        return None;
    }
    let last = items.last()?;
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        s.append_pair("q", q);
    }
    s.append_pair("cursor", &encode(key(last)));
    Some(format!("{base}?{}", s.finish()))
}

/// `?created=1`, `?saved=1`, `?invited=1` after a redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    pub created: Option<String>,
    pub saved: Option<String>,
    pub invited: Option<String>,
}

impl Notice {
    /// The notice to show, if any.
    pub fn text(&self, m: &BuyerAdminMsgs) -> Option<&'static str> {
        if self.created.is_some() {
            Some(m.created_notice)
        } else if self.invited.is_some() {
            Some(m.invited_notice)
        } else if self.saved.is_some() {
            Some(m.saved_notice)
        } else {
            None
        }
    }
}

#[derive(Template)]
#[template(path = "web/members/list.html")]
struct ListPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    q: String,
    members: Vec<MemberOut>,
    next: Option<String>,
    paged: bool,
}

/// `GET /members?q=&cursor=`.
pub async fn list(
    state: web::Data<AppState>,
    p: Page,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (who, coop) = coop_admin(&p)?;
    let query = page_query(query);
    let (q, after, limit) = query.parts()?;
    let members = coops::list_members(&state, &who, coop, q, after, limit).await?;
    page(&ListPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        next: next_link("/members", q, &members, |m| (m.created_at, m.id.0)),
        paged: after.is_some(),
        q: q.unwrap_or_default().to_owned(),
        members,
    })
}

/// The member form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    business_number: String,
    #[serde(default)]
    membership: String,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    disabled: Option<String>,
}

#[derive(Template)]
#[template(path = "web/members/new.html")]
struct NewPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    form: MemberForm,
    errors: FormErrors,
}

/// `GET /members/new`.
pub async fn new(p: Page) -> Result<HttpResponse, AppError> {
    coop_admin(&p)?;
    page(&NewPage {
        page: &p,
        m: buyer_admin::msgs(p.locale),
        form: MemberForm {
            membership: "regular".into(),
            ..MemberForm::default()
        },
        errors: FormErrors::default(),
    })
}

/// `POST /members`: creates a member; 422 with the form kept on errors.
pub async fn create(
    state: web::Data<AppState>,
    p: Page,
    form: web::Form<MemberForm>,
) -> Result<HttpResponse, AppError> {
    let (who, coop) = coop_admin(&p)?;
    let form = form.into_inner();
    let input = NewMember {
        name: form.name.clone(),
        business_number: form.business_number.clone(),
        membership: form.membership.clone(),
        contact_email: form.contact_email.clone(),
    };
    match coops::create_member(&state, &who, coop, input).await {
        Ok(member) => Ok(see_other(&format!("/members/{}?created=1", member.id))),
        Err(AppError::Validation(errs)) => page_with(
            StatusCode::UNPROCESSABLE_ENTITY,
            &NewPage {
                errors: errors_of(&p, &errs),
                page: &p,
                m: buyer_admin::msgs(p.locale),
                form,
            },
        ),
        Err(e) => Err(e),
    }
}

/// The invitation form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub locale: String,
}

impl InviteForm {
    /// The chosen language (Korean unless English is chosen).
    pub fn language(&self) -> Locale {
        Locale::parse(&self.locale).unwrap_or(Locale::Ko)
    }

    /// The cooperative user this form invites: with `role`, of `member_id` (a member's
    /// user), to set a password from the emailed link.
    pub fn coop_user(&self, role: Role, member_id: Option<MemberId>) -> NewCoopUser {
        NewCoopUser {
            email: self.email.clone(),
            name: self.name.clone(),
            role,
            member_id,
            password: None,
            locale: Some(self.language()),
        }
    }
}

#[derive(Template)]
#[template(path = "web/members/detail.html")]
struct DetailPage<'a> {
    page: &'a Page,
    m: &'static BuyerAdminMsgs,
    member: MemberOut,
    form: MemberForm,
    errors: FormErrors,
    users: Vec<UserOut>,
    invite: InviteForm,
    invite_errors: FormErrors,
    notice: Option<&'static str>,
}

impl<'a> DetailPage<'a> {
    /// The page of `member` with its `users`, the forms blank (the member form holding
    /// the member as saved).
    fn new(p: &'a Page, member: MemberOut, users: Vec<UserOut>) -> Self {
        Self {
            page: p,
            m: buyer_admin::msgs(p.locale),
            form: form_of(&member),
            member,
            errors: FormErrors::default(),
            users,
            invite: InviteForm::default(),
            invite_errors: FormErrors::default(),
            notice: None,
        }
    }

    fn is_disabled(&self) -> bool {
        self.form.disabled.is_some()
    }
}

/// What the detail page shows besides the forms.
async fn detail_parts(
    state: &AppState,
    who: &Principal,
    id: MemberId,
) -> Result<(MemberOut, Vec<UserOut>), AppError> {
    let member = coops::get_member(state, who, id).await?;
    let users = users::list_member_users(state, who, member.id, 100).await?;
    Ok((member, users))
}

fn form_of(member: &MemberOut) -> MemberForm {
    MemberForm {
        name: member.name.clone(),
        business_number: member.business_number.clone(),
        membership: member.membership.clone(),
        contact_email: member.contact_email.clone(),
        disabled: member.disabled.then(|| "on".to_owned()),
    }
}

/// `GET /members/{id}`: the member's details to edit, its users, and the invitation form.
pub async fn detail(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<MemberId>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, AppError> {
    let (who, _) = coop_admin(&p)?;
    let (member, users) = detail_parts(&state, &who, *id).await?;
    page(&DetailPage {
        notice: notice.text(buyer_admin::msgs(p.locale)),
        ..DetailPage::new(&p, member, users)
    })
}

/// `POST /members/{id}`: saves the member; 422 with the form kept on errors.
pub async fn update(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<MemberId>,
    form: web::Form<MemberForm>,
) -> Result<HttpResponse, AppError> {
    let (who, _) = coop_admin(&p)?;
    let form = form.into_inner();
    let patch = MemberPatch {
        name: Some(form.name.clone()),
        membership: Some(form.membership.clone()),
        contact_email: Some(form.contact_email.clone()),
        disabled: Some(form.disabled.is_some()),
    };
    match coops::update_member(&state, &who, *id, patch).await {
        Ok(member) => Ok(see_other(&format!("/members/{}?saved=1", member.id))),
        Err(AppError::Validation(errs)) => {
            let (member, users) = detail_parts(&state, &who, *id).await?;
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage {
                    form: MemberForm {
                        business_number: member.business_number.clone(),
                        ..form
                    },
                    errors: errors_of(&p, &errs),
                    ..DetailPage::new(&p, member, users)
                },
            )
        }
        Err(e) => Err(e),
    }
}

/// `POST /members/{id}/users`: invites a user of the member by email; 422 with the form
/// kept on errors.
pub async fn invite(
    state: web::Data<AppState>,
    p: Page,
    id: web::Path<MemberId>,
    form: web::Form<InviteForm>,
) -> Result<HttpResponse, AppError> {
    let (who, coop) = coop_admin(&p)?;
    // The member must be within reach before anything else (404 otherwise).
    let member = coops::get_member(&state, &who, *id).await?;
    let form = form.into_inner();
    let input = form.coop_user(Role::Member, Some(member.id));
    match users::create_coop_user(&state, &who, coop, input).await {
        Ok(_) => Ok(see_other(&format!("/members/{}?invited=1", member.id))),
        Err(AppError::Validation(errs)) => {
            let (member, users) = detail_parts(&state, &who, member.id).await?;
            page_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &DetailPage {
                    invite: form,
                    invite_errors: errors_of(&p, &errs),
                    ..DetailPage::new(&p, member, users)
                },
            )
        }
        Err(e) => Err(e),
    }
}
