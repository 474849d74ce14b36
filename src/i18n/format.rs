//! Locale-aware formatting of numbers, money, dates, times and countdowns, shared by the
//! portal and the emails. Pure functions; Korean and English styles:
//!
//! | what | ko | en |
//! |---|---|---|
//! | number | `1,337,382,934.5` | `1,337,382,934.5` |
//! | money (KRW) | `1,337,382,934원` | `KRW 1,337,382,934` |
//! | money (USD) | `USD 12,400.50` | `USD 12,400.50` |
//! | unit price (exact) | `12.5원` | `KRW 12.5` |
//! | date | `2026. 12. 4. (금)` | `Fri 4 Dec 2026` |
//! | date and time | `2026. 12. 4. (금) 15:00 KST` | `Fri 4 Dec 2026, 15:00 KST` |
//! | countdown | `3일 4시간 남음` | `3 days 4 hours left` |
//!
//! Money is rounded half away from zero to the currency's ISO 4217 minor unit, as DESIGN
//! rule 5 rounds amounts that are shown.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::auth::Locale;
use crate::reference::currency_minor_unit;

/// The ISO 4217 minor unit of `currency` (2 when unknown).
pub fn minor_unit(currency: &str) -> u32 {
    currency_minor_unit(currency).unwrap_or(2)
}

/// Groups the integer part in threes with commas; keeps the fraction as given
/// (`-1234567.50` → `-1,234,567.50`).
pub fn group(raw: &str) -> String {
    let (sign, rest) = match raw.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", raw),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(raw.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A decimal with thousands separators, without trailing zeros (`12500.500` → `12,500.5`).
pub fn number(v: Decimal) -> String {
    group(&v.normalize().to_string())
}

/// A decimal rounded (half away from zero) to exactly `dp` places, with separators.
pub fn fixed(v: Decimal, dp: u32) -> String {
    let mut r = v.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(dp);
    group(&r.to_string())
}

/// An amount of money in `currency`, at its minor unit, in the locale's style.
pub fn money(amount: Decimal, currency: &str, locale: Locale) -> String {
    let n = fixed(amount, minor_unit(currency));
    match (locale, currency) {
        (Locale::Ko, "KRW") => format!("{n}원"),
        _ => format!("{currency} {n}"),
    }
}

/// A unit price or rate in `currency`, exact (not rounded to the minor unit: unit prices
/// carry more decimals), in the locale's style (`12.5원` / `KRW 12.5`).
pub fn price(amount: Decimal, currency: &str, locale: Locale) -> String {
    let n = number(amount);
    match (locale, currency) {
        (Locale::Ko, "KRW") => format!("{n}원"),
        _ => format!("{currency} {n}"),
    }
}

fn weekday_ko(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "월",
        Weekday::Tue => "화",
        Weekday::Wed => "수",
        Weekday::Thu => "목",
        Weekday::Fri => "금",
        Weekday::Sat => "토",
        Weekday::Sun => "일",
    }
}

fn month_en(m: u32) -> &'static str {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M.get(m.wrapping_sub(1) as usize).copied().unwrap_or("")
}

/// A calendar date (`2026. 12. 4. (금)` / `Fri 4 Dec 2026`).
pub fn date(d: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Ko => format!(
            "{}. {}. {}. ({})",
            d.year(),
            d.month(),
            d.day(),
            weekday_ko(d.weekday())
        ),
        Locale::En => format!(
            "{} {} {} {}",
            d.weekday(),
            d.day(),
            month_en(d.month()),
            d.year()
        ),
    }
}

/// The zone of users outside any cooperative (the product's deadline rules are Korean).
pub const HOME_ZONE: &str = "Asia/Seoul";

/// The IANA zone named `zone`, Asia/Seoul when it is not one.
pub fn zone(name: &str) -> chrono_tz::Tz {
    name.parse().unwrap_or(chrono_tz::Asia::Seoul)
}

/// An instant in `tz`, with the zone's abbreviation (`2026. 12. 4. (금) 15:00 KST` /
/// `Fri 4 Dec 2026, 15:00 KST`).
pub fn datetime(at: DateTime<Utc>, tz: chrono_tz::Tz, locale: Locale) -> String {
    let local = at.with_timezone(&tz);
    let day = date(local.date_naive(), locale);
    let time = local.format("%H:%M %Z");
    match locale {
        Locale::Ko => format!("{day} {time}"),
        Locale::En => format!("{day}, {time}"),
    }
}

/// The time left until `until`, in days and hours, or hours and minutes under a day, or
/// minutes under an hour (`3일 4시간 남음` / `3 days 4 hours left`); `None` once passed.
pub fn countdown(now: DateTime<Utc>, until: DateTime<Utc>, locale: Locale) -> Option<String> {
    let secs = (until - now).num_seconds();
    if secs <= 0 {
        return None;
    }
    let minutes = (secs + 59) / 60;
    let (days, hours, mins) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    let en = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    Some(match locale {
        Locale::Ko => {
            let s = if days > 0 {
                format!("{days}일 {hours}시간")
            } else if hours > 0 {
                format!("{hours}시간 {mins}분")
            } else {
                format!("{mins}분")
            };
            format!("{s} 남음")
        }
        Locale::En => {
            let s = if days > 0 {
                format!("{} {}", en(days, "day", "days"), en(hours, "hour", "hours"))
            } else if hours > 0 {
                format!(
                    "{} {}",
                    en(hours, "hour", "hours"),
                    en(mins, "minute", "minutes")
                )
            } else {
                en(mins, "minute", "minutes")
            };
            format!("{s} left")
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn numbers_group_by_thousands() {
        assert_eq!(group("0"), "0");
        assert_eq!(group("999"), "999");
        assert_eq!(group("1000"), "1,000");
        assert_eq!(group("-1234567.50"), "-1,234,567.50");
        assert_eq!(number(d("1337382934")), "1,337,382,934");
        assert_eq!(number(d("12500.500")), "12,500.5");
        assert_eq!(number(d("-0.25")), "-0.25");
        assert_eq!(fixed(d("9420.505"), 2), "9,420.51");
        assert_eq!(fixed(d("-2.5"), 0), "-3", "half away from zero");
        assert_eq!(fixed(d("7"), 2), "7.00");
    }

    #[test]
    fn money_follows_the_minor_unit_and_the_locale() {
        assert_eq!(
            money(d("1337382934.4"), "KRW", Locale::Ko),
            "1,337,382,934원"
        );
        assert_eq!(
            money(d("1337382934.5"), "KRW", Locale::En),
            "KRW 1,337,382,935"
        );
        assert_eq!(money(d("12400.5"), "USD", Locale::Ko), "USD 12,400.50");
        assert_eq!(money(d("12400.5"), "USD", Locale::En), "USD 12,400.50");
        assert_eq!(money(d("1500"), "JPY", Locale::En), "JPY 1,500");
        assert_eq!(money(d("1.2345"), "BHD", Locale::En), "BHD 1.235");
        assert_eq!(minor_unit("KRW"), 0);
        assert_eq!(price(d("12.50"), "KRW", Locale::Ko), "12.5원");
        assert_eq!(price(d("9420.505"), "USD", Locale::En), "USD 9,420.505");
        assert_eq!(minor_unit("XXX-unknown"), 2);
    }

    #[test]
    fn dates_and_times_are_labelled_with_their_zone() {
        let t = at("2026-12-04T06:00:00Z");
        assert_eq!(
            datetime(t, chrono_tz::Asia::Seoul, Locale::Ko),
            "2026. 12. 4. (금) 15:00 KST"
        );
        assert_eq!(
            datetime(t, chrono_tz::Asia::Seoul, Locale::En),
            "Fri 4 Dec 2026, 15:00 KST"
        );
        assert_eq!(
            datetime(t, chrono_tz::UTC, Locale::En),
            "Fri 4 Dec 2026, 06:00 UTC"
        );
        // The local date can differ from the UTC one.
        assert_eq!(
            datetime(at("2026-12-31T20:30:00Z"), zone("Asia/Seoul"), Locale::Ko),
            "2027. 1. 1. (금) 05:30 KST"
        );
        assert_eq!(zone("Not/AZone"), chrono_tz::Asia::Seoul);
        let day = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
        assert_eq!(date(day, Locale::Ko), "2027. 1. 10. (일)");
        assert_eq!(date(day, Locale::En), "Sun 10 Jan 2027");
    }

    #[test]
    fn countdowns_round_up_to_the_minute_and_stop_at_zero() {
        let now = at("2026-12-01T00:00:00Z");
        let plus = |s: i64| now + chrono::Duration::seconds(s);
        assert_eq!(
            countdown(now, plus(3 * 86400 + 4 * 3600 + 120), Locale::Ko).as_deref(),
            Some("3일 4시간 남음")
        );
        assert_eq!(
            countdown(now, plus(86400 + 3600), Locale::En).as_deref(),
            Some("1 day 1 hour left")
        );
        assert_eq!(
            countdown(now, plus(2 * 3600 + 5 * 60), Locale::En).as_deref(),
            Some("2 hours 5 minutes left")
        );
        assert_eq!(
            countdown(now, plus(30), Locale::Ko).as_deref(),
            Some("1분 남음")
        );
        assert_eq!(countdown(now, now, Locale::En), None);
        assert_eq!(countdown(now, plus(-5), Locale::Ko), None);
    }
}
