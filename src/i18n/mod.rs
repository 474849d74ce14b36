//! Korean and English: one typed message catalogue and the locale's formatting rules,
//! shared by the portal (`web/`) and the emails (`notifications/`).
//!
//! - [`Msgs`] holds every word the product shows; [`KO`] and [`EN`] fill it. A message
//!   added to the struct but not translated is a compile error, not a blank at run time.
//!   Messages with parameters are methods that `match` on the locale, so they cannot be
//!   forgotten either. Templates receive `t: &'static Msgs` and write `{{ t.sign_in }}`.
//! - [`format`] formats numbers, money, dates and countdowns per locale.
//! - [`negotiate`] picks ko or en from an `Accept-Language` header.
//!
//! Area catalogues: the frame, sign-in and common words are in [`Msgs`]; the pages of one
//! area (rounds, RFQs, the comparison, a member's demand, a supplier's quotes…) keep their
//! own words in `i18n/<area>.rs` — `catalogue!(AreaMsgs { … })`, `pub static KO`, `pub static
//! EN` and `pub fn msgs(locale) -> &'static AreaMsgs` — and their templates get it as `m`
//! beside the page's `t`. Areas grow without touching each other's lists.
//!
//! Area catalogues: the frame, sign-in and common words are in [`Msgs`]; the pages of one
//! area (rounds, RFQs, the comparison, a member's demand, a supplier's quotes…) keep their
//! own words in `i18n/<area>.rs`: `catalogue!(AreaMsgs { … })`, `pub static KO`, `pub static
//! EN` and `pub fn msgs(locale) -> &'static AreaMsgs`; its templates get it as `m` beside the
//! page's `t`. So areas grow without touching each other's lists.

/// Declares a catalogue: a struct of `&'static str` messages plus its `locale`, and
/// `all()` listing them: `catalogue!(/** doc */ Name { /** doc */ field, … });`, followed by
/// `pub static KO: Name` and `pub static EN: Name` filling every field (a missing one does
/// not compile).
macro_rules! catalogue {
    ($(#[doc = $sdoc:literal])* $name:ident { $($(#[doc = $doc:literal])* $field:ident),* $(,)? }) => {
        $(#[doc = $sdoc])*
        #[derive(Debug)]
        pub struct $name {
            /// The language of these texts.
            pub locale: $crate::auth::Locale,
            $($(#[doc = $doc])* pub $field: &'static str,)*
        }

        impl $name {
            /// Every plain message (for completeness checks).
            pub fn all(&self) -> Vec<&'static str> {
                vec![$(self.$field),*]
            }
        }
    };
}

pub mod buyer;
pub mod buyer_admin;
pub mod company;
pub mod comparison;
pub mod demand;
pub mod format;
pub mod lint;
mod messages;
pub mod operations;
pub mod quotes;
pub mod report;

pub use messages::{Msgs, EN, KO};

use crate::auth::{Locale, Role};

/// The catalogue of a locale.
pub fn msgs(locale: Locale) -> &'static Msgs {
    match locale {
        Locale::Ko => &KO,
        Locale::En => &EN,
    }
}

/// The preferred of ko and en in an `Accept-Language` header (RFC 9110 §12.5.4): the one
/// with the highest weight (`ko-KR` counts as `ko`, `*` as ko); a header naming neither
/// means a reader of English; no header at all means the product's home, Korean.
pub fn negotiate(accept_language: Option<&str>) -> Locale {
    let Some(header) = accept_language.filter(|h| !h.trim().is_empty()) else {
        return Locale::Ko;
    };
    let mut best: Option<(u32, usize, Locale)> = None;
    for (pos, item) in header.split(',').enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        let weight = parts
            .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
            .map_or(1000, |q| parse_weight(&q));
        if weight == 0 {
            continue;
        }
        let primary = tag.split('-').next().unwrap_or("");
        let locale = match primary {
            "ko" | "*" => Locale::Ko,
            "en" => Locale::En,
            _ => continue,
        };
        // Highest weight wins; among equal weights, the first listed.
        if best.is_none_or(|(w, p, _)| weight > w || (weight == w && pos < p)) {
            best = Some((weight, pos, locale));
        }
    }
    best.map_or(Locale::En, |(_, _, l)| l)
}

/// A quality value as thousandths (`0.8` → 800); malformed ones count as 0.
fn parse_weight(q: &str) -> u32 {
    let q = q.trim();
    let (int, frac) = q.split_once('.').unwrap_or((q, ""));
    let int: u32 = match int {
        "0" => 0,
        "1" => 1,
        _ => return 0,
    };
    let mut thousandths = 0;
    for (i, c) in frac.chars().take(3).enumerate() {
        let Some(d) = c.to_digit(10) else { return 0 };
        thousandths += d * 10u32.pow(2 - i as u32);
    }
    (int * 1000 + thousandths).min(1000)
}

impl Msgs {
    /// The name of a role.
    pub fn role(&self, role: &Role) -> &'static str {
        match role {
            Role::PlatformAdmin => self.role_platform_admin,
            Role::CoopAdmin => self.role_coop_admin,
            Role::Member => self.role_member,
            Role::Supplier => self.role_supplier,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_heaviest_of_ko_and_en() {
        assert_eq!(negotiate(None), Locale::Ko);
        assert_eq!(negotiate(Some("")), Locale::Ko);
        assert_eq!(negotiate(Some("ko-KR,ko;q=0.9,en-US;q=0.8")), Locale::Ko);
        assert_eq!(negotiate(Some("en-US,en;q=0.9,ko;q=0.8")), Locale::En);
        assert_eq!(negotiate(Some("ko;q=0.5, en;q=0.7")), Locale::En);
        assert_eq!(
            negotiate(Some("vi-VN,vi;q=0.9")),
            Locale::En,
            "neither: English"
        );
        assert_eq!(negotiate(Some("de, en;q=0.1")), Locale::En);
        assert_eq!(
            negotiate(Some("en;q=0, ko;q=0.2")),
            Locale::Ko,
            "q=0 refuses"
        );
        assert_eq!(
            negotiate(Some("en;q=0.5, ko;q=0.5")),
            Locale::En,
            "tie: first"
        );
        assert_eq!(negotiate(Some("zh, *;q=0.1")), Locale::Ko);
        assert_eq!(negotiate(Some("en;q=abc, ko;q=0.3")), Locale::Ko);
        assert_eq!(parse_weight("0.875"), 875);
        assert_eq!(parse_weight("1.0"), 1000);
        assert_eq!(parse_weight("2"), 0);
    }

    #[test]
    fn catalogues_are_in_their_language() {
        assert_eq!(msgs(Locale::Ko).lang, "ko");
        assert_eq!(msgs(Locale::En).lang, "en");
        assert_eq!(KO.other_lang, "en");
        assert_eq!(EN.other_lang, "ko");
        let hangul = |s: &str| s.chars().any(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        // The language switch names the other language in that language.
        let exempt = [
            KO.lang_name,
            KO.other_lang,
            KO.other_lang_name,
            KO.switch_language_hint,
            EN.other_lang_name,
            EN.switch_language_hint,
        ];
        for (k, e) in KO.all().into_iter().zip(EN.all()).skip(1) {
            if exempt.contains(&k) || exempt.contains(&e) {
                continue;
            }
            assert!(hangul(k), "not Korean: {k}");
            assert!(!hangul(e), "not English: {e}");
        }
        assert_eq!(KO.role(&Role::CoopAdmin), "조합 구매담당");
        assert_eq!(
            EN.submitted_of(1, 3),
            "1 of 3 invited suppliers have quoted"
        );
        assert_eq!(KO.submitted_of(2, 3), "초대한 공급사 3곳 중 2곳 제출");
    }
}
