//! Email templates: askama files under `templates/email/<name>/<locale>/` — `subject.txt`,
//! `body.txt` and `body.html` (which extends `email/base.html`) — in Korean and English.
//! Each email kind is a serialisable struct (stored as the outbox row's payload) that
//! renders itself in a locale.

use askama::Template;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::Locale;

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

/// Declares the six askama templates of an email kind and its [`EmailTemplate`] impl.
macro_rules! email_template {
    ($ty:ident, $name:literal, ko: [$ks:literal, $kt:literal, $kh:literal], en: [$es:literal, $et:literal, $eh:literal]) => {
        const _: () = {
            #[derive(Template)]
            #[template(path = $ks, escape = "none")]
            #[allow(dead_code)] // a subject may not use every field
            struct KoSubject<'a> {
                d: &'a $ty,
            }
            #[derive(Template)]
            #[template(path = $kt, escape = "none")]
            struct KoText<'a> {
                d: &'a $ty,
            }
            #[derive(Template)]
            #[template(path = $kh)]
            struct KoHtml<'a> {
                d: &'a $ty,
                lang: &'static str,
            }
            #[derive(Template)]
            #[template(path = $es, escape = "none")]
            #[allow(dead_code)]
            struct EnSubject<'a> {
                d: &'a $ty,
            }
            #[derive(Template)]
            #[template(path = $et, escape = "none")]
            struct EnText<'a> {
                d: &'a $ty,
            }
            #[derive(Template)]
            #[template(path = $eh)]
            struct EnHtml<'a> {
                d: &'a $ty,
                lang: &'static str,
            }

            impl EmailTemplate for $ty {
                const NAME: &'static str = $name;
                fn render(&self, locale: Locale) -> Result<Rendered, askama::Error> {
                    let d = self;
                    Ok(match locale {
                        Locale::Ko => Rendered {
                            subject: KoSubject { d }.render()?.trim().to_owned(),
                            text: KoText { d }.render()?,
                            html: KoHtml { d, lang: "ko" }.render()?,
                        },
                        Locale::En => Rendered {
                            subject: EnSubject { d }.render()?.trim().to_owned(),
                            text: EnText { d }.render()?,
                            html: EnHtml { d, lang: "en" }.render()?,
                        },
                    })
                }
            }
        };
    };
}

/// "Your password was changed" (sent on `POST /auth/password`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasswordChanged {
    /// The user's name.
    pub name: String,
    /// The account email.
    pub email: String,
    /// When, in UTC (`2026-11-29 04:12 UTC`).
    pub changed_at_utc: String,
    /// When, in Korea (`2026-11-29 13:12 KST`).
    pub changed_at_kst: String,
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
    pub role: String,
    /// Name of the person who invited.
    pub inviter: String,
    /// `${COPROCURE_PUBLIC_URL}/invite/{token}`.
    pub link: String,
    pub expires_at_utc: String,
    pub expires_at_kst: String,
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
    pub expires_at_utc: String,
    pub expires_at_kst: String,
}

email_template!(PasswordReset, "password_reset",
    ko: ["email/password_reset/ko/subject.txt", "email/password_reset/ko/body.txt", "email/password_reset/ko/body.html"],
    en: ["email/password_reset/en/subject.txt", "email/password_reset/en/body.txt", "email/password_reset/en/body.html"]);

/// What every round email says about the round (the payload of both round emails).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RoundNotice {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub round_title: String,
    pub closes_at_kst: String,
    pub closes_at_utc: String,
    /// `Name (CODE, UNIT)` of each material.
    pub materials: Vec<String>,
    pub link: String,
}

/// Declares an email kind whose payload is a [`RoundNotice`] (templates read `d.name`…
/// through `Deref`).
macro_rules! round_email {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
        #[serde(transparent)]
        pub struct $name(pub RoundNotice);

        impl std::ops::Deref for $name {
            type Target = RoundNotice;
            fn deref(&self) -> &RoundNotice {
                &self.0
            }
        }
    };
}

round_email!(
    /// "A demand round is open" (to every member user when a round opens).
    RoundOpened
);

email_template!(RoundOpened, "round_opened",
    ko: ["email/round_opened/ko/subject.txt", "email/round_opened/ko/body.txt", "email/round_opened/ko/body.html"],
    en: ["email/round_opened/en/subject.txt", "email/round_opened/en/body.txt", "email/round_opened/en/body.html"]);

round_email!(
    /// "The round closes in 24 hours and you have entered no demand".
    RoundReminder
);

email_template!(RoundReminder, "round_reminder",
    ko: ["email/round_reminder/ko/subject.txt", "email/round_reminder/ko/body.txt", "email/round_reminder/ko/body.html"],
    en: ["email/round_reminder/en/subject.txt", "email/round_reminder/en/body.txt", "email/round_reminder/en/body.html"]);

/// What every RFQ email says about the RFQ (the payload of the three RFQ emails).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RfqNotice {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    pub deadline_utc: String,
    pub deadline_kst: String,
    pub delivery_place: String,
    /// `Name (CODE): 120 TNE, required by 2027-01-10` per line.
    pub lines: Vec<String>,
    /// `KRW, USD`.
    pub currencies: String,
    /// `FOB, CIF`.
    pub incoterms: String,
    pub link: String,
    /// Why it was cancelled (cancellation only).
    pub reason: Option<String>,
    /// The deadline before an extension (extension only).
    pub previous_deadline_utc: Option<String>,
    pub previous_deadline_kst: Option<String>,
}

/// Declares an email kind whose payload is an [`RfqNotice`].
macro_rules! rfq_email {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
        #[serde(transparent)]
        pub struct $name(pub RfqNotice);

        impl std::ops::Deref for $name {
            type Target = RfqNotice;
            fn deref(&self) -> &RfqNotice {
                &self.0
            }
        }
    };
}

rfq_email!(
    /// "You are invited to quote" (to every user and the contact address of each invited
    /// supplier when an RFQ is published).
    RfqInvitation
);

email_template!(RfqInvitation, "rfq_invitation",
    ko: ["email/rfq_invitation/ko/subject.txt", "email/rfq_invitation/ko/body.txt", "email/rfq_invitation/ko/body.html"],
    en: ["email/rfq_invitation/en/subject.txt", "email/rfq_invitation/en/body.txt", "email/rfq_invitation/en/body.html"]);

rfq_email!(
    /// "The RFQ was cancelled" (to invited suppliers of a published RFQ).
    RfqCancelled
);

email_template!(RfqCancelled, "rfq_cancelled",
    ko: ["email/rfq_cancelled/ko/subject.txt", "email/rfq_cancelled/ko/body.txt", "email/rfq_cancelled/ko/body.html"],
    en: ["email/rfq_cancelled/en/subject.txt", "email/rfq_cancelled/en/body.txt", "email/rfq_cancelled/en/body.html"]);

rfq_email!(
    /// "The deadline was extended" (to invited suppliers).
    RfqExtended
);

email_template!(RfqExtended, "rfq_extended",
    ko: ["email/rfq_extended/ko/subject.txt", "email/rfq_extended/ko/body.txt", "email/rfq_extended/ko/body.html"],
    en: ["email/rfq_extended/en/subject.txt", "email/rfq_extended/en/body.txt", "email/rfq_extended/en/body.html"]);

/// What every award email says (the payload of the four award emails).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AwardNotice {
    /// The recipient's name.
    pub name: String,
    pub cooperative: String,
    pub rfq_title: String,
    /// The PO number (a winner's email), or the member's name (a member's email).
    pub reference: Option<String>,
    /// One line per PO line, material or offer, already formatted.
    pub lines: Vec<String>,
    /// `1,288,928,000 KRW`.
    pub total: Option<String>,
    /// Incoterm, named place and delivery place (a winner's email).
    pub terms: Option<String>,
    /// The rationale (the admins' summary).
    pub note: Option<String>,
    pub link: String,
}

/// Declares an email kind whose payload is an [`AwardNotice`].
macro_rules! award_email {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
        #[serde(transparent)]
        pub struct $name(pub AwardNotice);

        impl std::ops::Deref for $name {
            type Target = AwardNotice;
            fn deref(&self) -> &AwardNotice {
                &self.0
            }
        }
    };
}

award_email!(
    /// "You won: here is your purchase order" (each winning supplier).
    PoIssued
);
email_template!(PoIssued, "po_issued",
    ko: ["email/po_issued/ko/subject.txt", "email/po_issued/ko/body.txt", "email/po_issued/ko/body.html"],
    en: ["email/po_issued/en/subject.txt", "email/po_issued/en/body.txt", "email/po_issued/en/body.html"]);

award_email!(
    /// "Thank you; not awarded this time", with the supplier's own rank and landed cost only.
    AwardRegret
);
email_template!(AwardRegret, "award_regret",
    ko: ["email/award_regret/ko/subject.txt", "email/award_regret/ko/body.txt", "email/award_regret/ko/body.html"],
    en: ["email/award_regret/en/subject.txt", "email/award_regret/en/body.txt", "email/award_regret/en/body.html"]);

award_email!(
    /// A member's allocation: per material its quantity, cost share, POs and suppliers.
    MemberAllocationNotice
);
email_template!(MemberAllocationNotice, "member_allocation",
    ko: ["email/member_allocation/ko/subject.txt", "email/member_allocation/ko/body.txt", "email/member_allocation/ko/body.html"],
    en: ["email/member_allocation/en/subject.txt", "email/member_allocation/en/body.txt", "email/member_allocation/en/body.html"]);

award_email!(
    /// The award summary for the cooperative's admins.
    AwardSummary
);
email_template!(AwardSummary, "award_summary",
    ko: ["email/award_summary/ko/subject.txt", "email/award_summary/ko/body.txt", "email/award_summary/ko/body.html"],
    en: ["email/award_summary/en/subject.txt", "email/award_summary/en/body.txt", "email/award_summary/en/body.html"]);

/// Why a stored row cannot be rendered (a permanent failure).
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("unknown email template `{0}`")]
    UnknownTemplate(String),
    #[error("payload does not fit template `{0}`: {1}")]
    BadPayload(&'static str, serde_json::Error),
    #[error("template rendering failed: {0}")]
    Render(#[from] askama::Error),
}

fn render_as<T: EmailTemplate>(locale: Locale, payload: &Value) -> Result<Rendered, RenderError> {
    let data: T =
        serde_json::from_value(payload.clone()).map_err(|e| RenderError::BadPayload(T::NAME, e))?;
    Ok(data.render(locale)?)
}

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

/// Formats an instant for emails: `(UTC text, Korea text)`. Korea has had no daylight
/// saving since 1988, so KST is a fixed UTC+9.
pub fn utc_and_kst(at: chrono::DateTime<chrono::Utc>) -> (String, String) {
    let utc = at.format("%Y-%m-%d %H:%M UTC").to_string();
    let kst = match chrono::FixedOffset::east_opt(9 * 3600) {
        Some(offset) => at
            .with_timezone(&offset)
            .format("%Y-%m-%d %H:%M KST")
            .to_string(),
        None => utc.clone(),
    };
    (utc, kst)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> PasswordChanged {
        PasswordChanged {
            name: "김 <Kim>".into(),
            email: "kim@coop.kr".into(),
            changed_at_utc: "2026-11-29 04:12 UTC".into(),
            changed_at_kst: "2026-11-29 13:12 KST".into(),
            other_sessions_revoked: 2,
        }
    }

    #[test]
    fn renders_in_both_locales_with_escaping_only_in_html() {
        let ko = sample().render(Locale::Ko).unwrap();
        let en = sample().render(Locale::En).unwrap();
        assert!(ko.subject.contains("비밀번호"), "{}", ko.subject);
        assert!(
            en.subject.to_lowercase().contains("password"),
            "{}",
            en.subject
        );
        assert!(!ko.subject.contains('\n') && !en.subject.contains('\n'));
        assert!(
            ko.text.contains("2026-11-29 13:12 KST") && en.text.contains("2026-11-29 04:12 UTC")
        );
        assert!(
            ko.text.contains("김 <Kim>"),
            "text part is not HTML-escaped"
        );
        assert!(
            ko.html.contains("김 &#60;Kim&#62;") || ko.html.contains("김 &lt;Kim&gt;"),
            "{}",
            ko.html
        );
        assert!(ko.html.contains("lang=\"ko\"") && en.html.contains("lang=\"en\""));
    }

    #[test]
    fn stored_payloads_render_and_bad_ones_fail_permanently() {
        let payload = serde_json::to_value(sample()).unwrap();
        assert_eq!(
            render("password_changed", Locale::En, &payload).unwrap(),
            sample().render(Locale::En).unwrap()
        );
        assert!(matches!(
            render("nope", Locale::En, &payload),
            Err(RenderError::UnknownTemplate(_))
        ));
        assert!(matches!(
            render("password_changed", Locale::En, &serde_json::json!({})),
            Err(RenderError::BadPayload(..))
        ));
    }

    #[test]
    fn kst_is_utc_plus_nine() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T20:30:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(
            utc_and_kst(at),
            ("2026-11-29 20:30 UTC".into(), "2026-11-30 05:30 KST".into())
        );
    }
}
