//! Email templates: askama files under `templates/email/<name>/<locale>/` — `subject.txt`,
//! `body.txt` and `body.html` (which extends `email/base.html`) — in Korean and English.
//!
//! Each email kind is a serialisable struct, stored as the outbox row's payload, that
//! carries data only: names, codes, quantities, prices and amounts as decimals with their
//! currency, dates, and instants with the time zone to show them in. The words are in the
//! templates, and the labels the portal shares in the catalogue ([`crate::i18n::Msgs`], as
//! `t`); numbers, money and dates are formatted for the locale by [`Fmt`] (as `f`). So a
//! Korean recipient reads Korean only, and an English one English only, apart from the
//! names the payload supplies ([`crate::i18n::lint`] is the rule the tests apply).

use askama::Template;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Locale, Role};
use crate::i18n::{self, format, Msgs};

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// An email kind.
pub trait EmailTemplate: Serialize + DeserializeOwned {
    /// Template directory name, stored in `outbox_emails.template`.
    const NAME: &'static str;
    /// Renders the three parts in `locale`.
    fn render(&self, locale: Locale) -> Result<Rendered, askama::Error>;
}

/// An instant and the time zone (IANA name) to show it in: the cooperative's.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ZonedTime {
    pub at: DateTime<Utc>,
    pub zone: String,
}

impl ZonedTime {
    pub fn new(at: DateTime<Utc>, zone: &str) -> Self {
        Self {
            at,
            zone: zone.to_owned(),
        }
    }
}

/// A material as an email names it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MaterialRef {
    pub code: String,
    pub name: String,
    /// The Korean name, when the catalog has one (Korean emails use it).
    pub name_ko: Option<String>,
}

impl MaterialRef {
    /// The name in `locale`.
    pub fn name_in(&self, locale: Locale) -> &str {
        match (locale, &self.name_ko) {
            (Locale::Ko, Some(ko)) => ko,
            _ => &self.name,
        }
    }
}

/// Formatting in the recipient's language, for templates (`{{ f.money(d.total, d.currency) }}`).
#[derive(Debug, Clone, Copy)]
pub struct Fmt {
    pub locale: Locale,
}

impl Fmt {
    /// `1,250.5`.
    pub fn num(&self, v: &Decimal) -> String {
        format::number(*v)
    }

    /// An amount at the currency's minor unit: `1,337,382,934원` / `KRW 1,337,382,934`.
    pub fn money(&self, v: &Decimal, currency: &str) -> String {
        format::money(*v, currency, self.locale)
    }

    /// A unit price, exact: `12.5원` / `KRW 12.5`.
    pub fn price(&self, v: &Decimal, currency: &str) -> String {
        format::price(*v, currency, self.locale)
    }

    /// `2027. 1. 10. (일)` / `Sun 10 Jan 2027`.
    pub fn date(&self, d: &NaiveDate) -> String {
        format::date(*d, self.locale)
    }

    /// The instant in its zone, labelled: `2031. 3. 14. (금) 15:00 KST`.
    pub fn local(&self, t: &ZonedTime) -> String {
        format::datetime(t.at, format::zone(&t.zone), self.locale)
    }

    /// [`Fmt::local`] followed by UTC for readers abroad:
    /// `Fri 14 Mar 2031, 15:00 KST (2031-03-14 06:00 UTC)`; UTC once when the zone is UTC.
    pub fn when(&self, t: &ZonedTime) -> String {
        let tz = format::zone(&t.zone);
        let local = format::datetime(t.at, tz, self.locale);
        if tz == chrono_tz::UTC {
            local
        } else {
            format!("{local} ({})", t.at.format("%Y-%m-%d %H:%M UTC"))
        }
    }

    /// The material's name in the locale and its code: `전기동 (CU-CATH)`.
    pub fn material(&self, m: &MaterialRef) -> String {
        format!("{} ({})", m.name_in(self.locale), m.code)
    }

    /// The material's name in the locale.
    pub fn material_name<'a>(&self, m: &'a MaterialRef) -> &'a str {
        m.name_in(self.locale)
    }

    /// `KRW, USD`.
    pub fn list(&self, items: &[String]) -> String {
        items.join(", ")
    }
}

/// Declares the six askama templates of an email kind and its [`EmailTemplate`] impl.
/// Templates see the payload as `d`, the catalogue as `t` and the formatter as `f`.
macro_rules! email_template {
    ($ty:ident, $name:literal, ko: [$ks:literal, $kt:literal, $kh:literal], en: [$es:literal, $et:literal, $eh:literal]) => {
        const _: () = {
            #[derive(Template)]
            #[template(path = $ks, escape = "none")]
            #[allow(dead_code)] // a subject may not use every field
            struct KoSubject<'a> {
                d: &'a $ty,
                t: &'static Msgs,
                f: Fmt,
            }
            #[derive(Template)]
            #[template(path = $kt, escape = "none")]
            #[allow(dead_code)]
            struct KoText<'a> {
                d: &'a $ty,
                t: &'static Msgs,
                f: Fmt,
            }
            #[derive(Template)]
            #[template(path = $kh)]
            #[allow(dead_code)]
            struct KoHtml<'a> {
                d: &'a $ty,
                t: &'static Msgs,
                f: Fmt,
                lang: &'static str,
            }
            #[derive(Template)]
            #[template(path = $es, escape = "none")]
            #[allow(dead_code)]
            struct EnSubject<'a> {
                d: &'a $ty,
                t: &'static Msgs,
                f: Fmt,
            }
            #[derive(Template)]
            #[template(path = $et, escape = "none")]
            #[allow(dead_code)]
            struct EnText<'a> {
                d: &'a $ty,
                t: &'static Msgs,
                f: Fmt,
            }
            #[derive(Template)]
            #[template(path = $eh)]
            #[allow(dead_code)]
            struct EnHtml<'a> {
                d: &'a $ty,
                t: &'static Msgs,
                f: Fmt,
                lang: &'static str,
            }

            impl EmailTemplate for $ty {
                const NAME: &'static str = $name;
                fn render(&self, locale: Locale) -> Result<Rendered, askama::Error> {
                    let (d, t, f) = (self, i18n::msgs(locale), Fmt { locale });
                    Ok(match locale {
                        Locale::Ko => Rendered {
                            subject: KoSubject { d, t, f }.render()?.trim().to_owned(),
                            text: KoText { d, t, f }.render()?,
                            html: KoHtml {
                                d,
                                t,
                                f,
                                lang: "ko",
                            }
                            .render()?,
                        },
                        Locale::En => Rendered {
                            subject: EnSubject { d, t, f }.render()?.trim().to_owned(),
                            text: EnText { d, t, f }.render()?,
                            html: EnHtml {
                                d,
                                t,
                                f,
                                lang: "en",
                            }
                            .render()?,
                        },
                    })
                }
            }
        };
    };
}

/// Declares an email kind that says what a shared notice says (a [`RoundNotice`] or an
/// [`RfqNotice`]), plus its own fields: the notice is stored flattened into the payload,
/// and templates read its fields through `Deref` (`d.rfq_title`, `d.reason`).
macro_rules! notice_email {
    ($(#[$meta:meta])* $name:ident($notice:ty) { $($(#[$fmeta:meta])* $field:ident: $fty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
        pub struct $name {
            #[serde(flatten)]
            pub notice: $notice,
            $($(#[$fmeta])* pub $field: $fty,)*
        }

        impl std::ops::Deref for $name {
            type Target = $notice;
            fn deref(&self) -> &$notice {
                &self.notice
            }
        }
    };
}

// Accounts.

/// "Your password was changed" (sent on `POST /auth/password` and after a reset).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasswordChanged {
    /// The user's name.
    pub name: String,
    /// The account email.
    pub email: String,
    pub changed_at: ZonedTime,
    /// How many other sessions were signed out.
    pub other_sessions_revoked: usize,
}

email_template!(PasswordChanged, "password_changed",
    ko: ["email/password_changed/ko/subject.txt", "email/password_changed/ko/body.txt", "email/password_changed/ko/body.html"],
    en: ["email/password_changed/en/subject.txt", "email/password_changed/en/body.txt", "email/password_changed/en/body.html"]);

/// An invitation to set a password (a user created without one).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Invitation {
    pub name: String,
    pub email: String,
    /// Cooperative or supplier name.
    pub organisation: String,
    pub role: Role,
    /// Name of the person who invited.
    pub inviter: String,
    /// `${COPROCURE_PUBLIC_URL}/invite/{token}`.
    pub link: String,
    pub expires_at: ZonedTime,
}

email_template!(Invitation, "invitation",
    ko: ["email/invitation/ko/subject.txt", "email/invitation/ko/body.txt", "email/invitation/ko/body.html"],
    en: ["email/invitation/en/subject.txt", "email/invitation/en/body.txt", "email/invitation/en/body.html"]);

/// A one-time link to set a new password ("forgot password").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasswordReset {
    pub name: String,
    pub email: String,
    /// `${COPROCURE_PUBLIC_URL}/reset-password/{token}` (dropped from the stored payload
    /// once sent).
    pub link: String,
    pub expires_at: ZonedTime,
}

email_template!(PasswordReset, "password_reset",
    ko: ["email/password_reset/ko/subject.txt", "email/password_reset/ko/body.txt", "email/password_reset/ko/body.html"],
    en: ["email/password_reset/en/subject.txt", "email/password_reset/en/body.txt", "email/password_reset/en/body.html"]);

// Demand rounds.

/// A material of a round, in its catalog unit.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoundMaterial {
    pub material: MaterialRef,
    pub unit: String,
}

/// What every round email says about the round.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoundNotice {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub round_title: String,
    pub closes_at: ZonedTime,
    pub materials: Vec<RoundMaterial>,
    pub link: String,
}

notice_email!(
    /// "A demand round is open" (to every member user when a round opens).
    RoundOpened(RoundNotice) {}
);
email_template!(RoundOpened, "round_opened",
    ko: ["email/round_opened/ko/subject.txt", "email/round_opened/ko/body.txt", "email/round_opened/ko/body.html"],
    en: ["email/round_opened/en/subject.txt", "email/round_opened/en/body.txt", "email/round_opened/en/body.html"]);

notice_email!(
    /// "The round closes in 24 hours and you have entered no demand".
    RoundReminder(RoundNotice) {}
);
email_template!(RoundReminder, "round_reminder",
    ko: ["email/round_reminder/ko/subject.txt", "email/round_reminder/ko/body.txt", "email/round_reminder/ko/body.html"],
    en: ["email/round_reminder/en/subject.txt", "email/round_reminder/en/body.txt", "email/round_reminder/en/body.html"]);

// RFQs.

/// A line of an RFQ.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RfqItem {
    pub material: MaterialRef,
    pub quantity: Decimal,
    pub unit: String,
    pub required_by: NaiveDate,
}

/// What every RFQ email says about the RFQ.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RfqNotice {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    pub deadline: ZonedTime,
    pub delivery_place: String,
    pub lines: Vec<RfqItem>,
    /// `["KRW", "USD"]`.
    pub currencies: Vec<String>,
    /// `["FOB", "CIF"]`.
    pub incoterms: Vec<String>,
    pub link: String,
}

notice_email!(
    /// "You are invited to quote" (to every user and the contact address of each invited
    /// supplier when an RFQ is published).
    RfqInvitation(RfqNotice) {
        /// For the contact address of a supplier without an active user: the one-time link
        /// that claims an account (`/claim/{token}`), valid until the deadline.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        claim_link: Option<String>,
    }
);
email_template!(RfqInvitation, "rfq_invitation",
    ko: ["email/rfq_invitation/ko/subject.txt", "email/rfq_invitation/ko/body.txt", "email/rfq_invitation/ko/body.html"],
    en: ["email/rfq_invitation/en/subject.txt", "email/rfq_invitation/en/body.txt", "email/rfq_invitation/en/body.html"]);

notice_email!(
    /// "The RFQ was cancelled" (to invited suppliers of a published RFQ).
    RfqCancelled(RfqNotice) {
        /// Why, as the buyer wrote it.
        reason: String,
    }
);
email_template!(RfqCancelled, "rfq_cancelled",
    ko: ["email/rfq_cancelled/ko/subject.txt", "email/rfq_cancelled/ko/body.txt", "email/rfq_cancelled/ko/body.html"],
    en: ["email/rfq_cancelled/en/subject.txt", "email/rfq_cancelled/en/body.txt", "email/rfq_cancelled/en/body.html"]);

notice_email!(
    /// "The deadline was extended" (to invited suppliers).
    RfqExtended(RfqNotice) {
        previous_deadline: ZonedTime,
    }
);
email_template!(RfqExtended, "rfq_extended",
    ko: ["email/rfq_extended/ko/subject.txt", "email/rfq_extended/ko/body.txt", "email/rfq_extended/ko/body.html"],
    en: ["email/rfq_extended/en/subject.txt", "email/rfq_extended/en/body.txt", "email/rfq_extended/en/body.html"]);

// Awards.

/// A line of a purchase order, in the PO's currency.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PoItem {
    pub material: MaterialRef,
    pub quantity: Decimal,
    pub unit: String,
    pub unit_price: Decimal,
    /// Freight plus insurance per unit.
    pub freight_insurance: Decimal,
    pub amount: Decimal,
    pub required_by: NaiveDate,
}

/// "You won: here is your purchase order" (each winning supplier).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PoIssued {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    /// The PO number.
    pub number: String,
    pub currency: String,
    pub total: Decimal,
    pub incoterm: String,
    pub named_place: Option<String>,
    pub delivery_place: String,
    pub lines: Vec<PoItem>,
    pub link: String,
}
email_template!(PoIssued, "po_issued",
    ko: ["email/po_issued/ko/subject.txt", "email/po_issued/ko/body.txt", "email/po_issued/ko/body.html"],
    en: ["email/po_issued/en/subject.txt", "email/po_issued/en/body.txt", "email/po_issued/en/body.html"]);

/// How a supplier's own offer on one line was evaluated (nothing about anyone else's but
/// how many offers were ranked).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OwnOffer {
    pub material: MaterialRef,
    pub unit: String,
    /// 1 = best; `None` when the offer could not be ranked.
    pub rank: Option<usize>,
    /// How many offers were ranked.
    pub ranked: usize,
    /// The offer's landed cost per unit, in the cooperative's base currency (ranked only).
    pub landed_unit_cost: Option<Decimal>,
    /// Why it could not be ranked (comparison flag codes, e.g. `expired`).
    pub flags: Vec<String>,
}

/// "Thank you; not awarded this time", with the supplier's own rank and landed cost only.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AwardRegret {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    pub base_currency: String,
    pub lines: Vec<OwnOffer>,
    pub link: String,
}
email_template!(AwardRegret, "award_regret",
    ko: ["email/award_regret/ko/subject.txt", "email/award_regret/ko/body.txt", "email/award_regret/ko/body.html"],
    en: ["email/award_regret/en/subject.txt", "email/award_regret/en/body.txt", "email/award_regret/en/body.html"]);

/// A purchase order and its supplier.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrderRef {
    pub number: String,
    pub supplier: String,
}

/// A member's share of one material.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberShare {
    pub material: MaterialRef,
    pub quantity: Decimal,
    pub unit: String,
    /// In the cooperative's base currency.
    pub cost_share: Decimal,
    pub orders: Vec<OrderRef>,
}

/// A member's allocation: per material its quantity, cost share, POs and suppliers.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MemberAllocationNotice {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    /// The member company's name.
    pub member: String,
    pub base_currency: String,
    /// The member's cost share in all.
    pub total: Decimal,
    pub lines: Vec<MemberShare>,
    pub link: String,
}
email_template!(MemberAllocationNotice, "member_allocation",
    ko: ["email/member_allocation/ko/subject.txt", "email/member_allocation/ko/body.txt", "email/member_allocation/ko/body.html"],
    en: ["email/member_allocation/en/subject.txt", "email/member_allocation/en/body.txt", "email/member_allocation/en/body.html"]);

/// A purchase order the award issued, as the admins' summary lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OrderSummary {
    pub number: String,
    pub supplier: String,
    pub currency: String,
    pub total: Decimal,
    /// In the cooperative's base currency.
    pub total_base: Decimal,
}

/// The award summary for the cooperative's admins.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AwardSummary {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    pub base_currency: String,
    /// Total landed cost of the award, in the base currency.
    pub total_landed: Decimal,
    /// Why, as the buyer wrote it.
    pub rationale: Option<String>,
    pub orders: Vec<OrderSummary>,
    pub link: String,
}
email_template!(AwardSummary, "award_summary",
    ko: ["email/award_summary/ko/subject.txt", "email/award_summary/ko/body.txt", "email/award_summary/ko/body.html"],
    en: ["email/award_summary/en/subject.txt", "email/award_summary/en/body.txt", "email/award_summary/en/body.html"]);

/// Why a stored row cannot be rendered (a permanent failure: the row is dead-lettered).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown email template `{0}`")]
    UnknownTemplate(String),
    #[error(
        "payload does not fit template `{0}` (queued by an earlier version of coprocure?): {1}"
    )]
    BadPayload(&'static str, serde_json::Error),
    #[error("template rendering failed: {0}")]
    Render(#[from] askama::Error),
}

fn render_as<T: EmailTemplate>(locale: Locale, payload: &Value) -> Result<Rendered, RenderError> {
    let data: T = serde_json::from_value(legacy::upgrade(payload))
        .map_err(|e| RenderError::BadPayload(T::NAME, e))?;
    Ok(data.render(locale)?)
}

/// The name of every email kind.
pub const KINDS: [&str; 12] = [
    PasswordChanged::NAME,
    Invitation::NAME,
    PasswordReset::NAME,
    RoundOpened::NAME,
    RoundReminder::NAME,
    RfqInvitation::NAME,
    RfqCancelled::NAME,
    RfqExtended::NAME,
    PoIssued::NAME,
    AwardRegret::NAME,
    MemberAllocationNotice::NAME,
    AwardSummary::NAME,
];

/// Renders a stored outbox row.
pub fn render(template: &str, locale: Locale, payload: &Value) -> Result<Rendered, RenderError> {
    match template {
        PasswordChanged::NAME => render_as::<PasswordChanged>(locale, payload),
        Invitation::NAME => render_as::<Invitation>(locale, payload),
        PasswordReset::NAME => render_as::<PasswordReset>(locale, payload),
        RoundOpened::NAME => render_as::<RoundOpened>(locale, payload),
        RoundReminder::NAME => render_as::<RoundReminder>(locale, payload),
        RfqInvitation::NAME => render_as::<RfqInvitation>(locale, payload),
        RfqCancelled::NAME => render_as::<RfqCancelled>(locale, payload),
        RfqExtended::NAME => render_as::<RfqExtended>(locale, payload),
        PoIssued::NAME => render_as::<PoIssued>(locale, payload),
        AwardRegret::NAME => render_as::<AwardRegret>(locale, payload),
        MemberAllocationNotice::NAME => render_as::<MemberAllocationNotice>(locale, payload),
        AwardSummary::NAME => render_as::<AwardSummary>(locale, payload),
        other => Err(RenderError::UnknownTemplate(other.to_owned())),
    }
}

/// Payloads queued by earlier versions, which stored instants as pre-formatted text
/// (`"expires_at_utc": "2026-11-29 04:12 UTC"` and a `…_kst` twin).
///
/// The account emails (invitation, password reset, password changed) carry nothing else
/// that changed, so their instants are read back (to the minute, as they were shown) in
/// Korea's zone and the email is sent as this version writes it: an invitation or reset
/// link queued just before an upgrade still arrives. The notices of rounds, RFQs and
/// awards stored their lines as English sentences, which cannot be turned back into data:
/// they fail to deserialise and are dead-lettered with [`RenderError::BadPayload`], so
/// no Korean recipient gets English lines; what they announced is in the portal.
mod legacy {
    use super::*;

    /// `"<name>_utc"` fields that became `"<name>"` instants.
    const INSTANTS: [&str; 2] = ["changed_at", "expires_at"];

    /// `payload` with old-style instants turned into [`ZonedTime`]s.
    pub fn upgrade(payload: &Value) -> Value {
        let mut v = payload.clone();
        let Some(map) = v.as_object_mut() else {
            return v;
        };
        for name in INSTANTS {
            let old = map
                .get(&format!("{name}_utc"))
                .and_then(Value::as_str)
                .and_then(|s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M UTC").ok());
            if let (Some(at), false) = (old, map.contains_key(name)) {
                let zoned = ZonedTime::new(at.and_utc(), format::HOME_ZONE);
                if let Ok(zoned) = serde_json::to_value(zoned) {
                    map.insert(name.to_owned(), zoned);
                }
            }
        }
        v
    }
}

#[cfg(test)]
#[path = "templates_tests.rs"]
mod tests;
