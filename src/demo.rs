//! `coprocure demo`: loads a realistic demo — a Korean die-casting cooperative with 12
//! members, 8 materials, 6 suppliers (3 domestic in KRW, one each in USD, CNY and JPY), FX
//! rates, a closed demand round, and an RFQ past its deadline with quotes and price tiers —
//! through the same use cases the API calls, so every rule, audit event and email applies.
//! The history is written on a clock two weeks in the past, so the RFQ's deadline has
//! passed when the command ends. Idempotent: a second run finds the cooperative and stops.

use std::sync::Arc;

use chrono::Duration;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::auth::service::{create_user, CreateUser};
use crate::auth::{Locale, Principal, Role};
use crate::clock::{Clock, OffsetClock};
use crate::config::Settings;
use crate::context::Ctx;
use crate::ids::SessionId;
use crate::users::service::UserOut;

/// Password of every demo account (printed at the end).
pub const DEMO_PASSWORD: &str = "demo-coprocure-2026";
/// Business number prefix (9 digits, check digit appended) of the demo cooperative.
const COOP_PREFIX: [u32; 9] = [1, 3, 8, 8, 2, 0, 0, 0, 1];

fn biz(prefix: [u32; 9]) -> String {
    let d = crate::reference::kr_check_digit(&prefix);
    let s: String = prefix.iter().map(|x| x.to_string()).collect();
    format!("{}-{}-{}{d}", &s[..3], &s[3..5], &s[5..])
}

fn biz_n(group: u32, n: u32) -> String {
    biz([2, 1, 4, 8, group, 0, 0, n / 10, n % 10])
}

fn parse<T: DeserializeOwned>(v: Value) -> anyhow::Result<T> {
    Ok(serde_json::from_value(v)?)
}

fn principal(u: &UserOut) -> Principal {
    Principal {
        user_id: u.id,
        session_id: SessionId::new(),
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role,
        cooperative_id: u.cooperative_id,
        member_id: u.member_id,
        supplier_id: u.supplier_id,
        locale: u.locale,
    }
}

fn err(e: crate::error::AppError) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        serde_json::to_string(&e.problem()).unwrap_or_else(|_| e.to_string())
    )
}

/// Loads the demo into the database behind `pool`; returns what was done, for printing.
pub async fn load(pool: crate::db::DbPool, settings: Settings) -> anyhow::Result<String> {
    let coop_biz = biz(COOP_PREFIX).replace('-', "");
    let mut conn = crate::db::conn(&pool).await.map_err(err)?;
    let existing: Option<uuid::Uuid> = crate::schema::cooperatives::table
        .filter(crate::schema::cooperatives::business_number.eq(&coop_biz))
        .select(crate::schema::cooperatives::id)
        .first(&mut conn)
        .await
        .optional()?;
    if let Some(id) = existing {
        let quotes: i64 = crate::schema::quotes::table
            .filter(crate::schema::quotes::cooperative_id.eq(id))
            .count()
            .get_result(&mut conn)
            .await?;
        if quotes == 0 {
            anyhow::bail!("a previous demo run stopped half-way (cooperative {id} has no quotes); load the demo into a fresh database");
        }
        return Ok(format!(
            "The demo is loaded already (cooperative {id}). Open the portal at {}/ and sign in as buyer@demo.coprocure.kr / {DEMO_PASSWORD}.", settings.public_url
        ));
    }
    // History on a clock two weeks back: the round and the RFQ are over by today.
    let clock = Arc::new(OffsetClock::new());
    clock.advance(-Duration::days(14));
    let state = Ctx::new(pool.clone(), settings, clock.clone());
    let root = create_user(
        &mut conn,
        crate::audit::Actor::System,
        CreateUser {
            email: "platform@demo.coprocure.kr".into(),
            name: "Demo Platform Admin".into(),
            password: DEMO_PASSWORD.into(),
            role: Role::PlatformAdmin,
            locale: Locale::En,
        },
        clock.now(),
    )
    .await
    .map_err(err)?;
    let root = Principal {
        user_id: root.id,
        session_id: SessionId::new(),
        email: root.email,
        name: root.name,
        role: Role::PlatformAdmin,
        cooperative_id: None,
        member_id: None,
        supplier_id: None,
        locale: Locale::En,
    };
    drop(conn);

    let coop = crate::cooperatives::service::create_cooperative(&state, &root, parse(json!({
        "name": "경기다이캐스팅협동조합 (Gyeonggi Die-Casting Cooperative)", "business_number": coop_biz
    }))?).await.map_err(err)?;
    let buyer = crate::users::service::create_coop_user(&state, &root, coop.id, parse(json!({
        "email": "buyer@demo.coprocure.kr", "name": "김구매", "role": "coop_admin", "password": DEMO_PASSWORD, "locale": "ko"
    }))?).await.map_err(err)?;
    let buyer = principal(&buyer);

    let member_names = [
        "대한정밀다이캐스팅",
        "한일금속",
        "서울합금",
        "경인주물",
        "삼성다이텍",
        "동양캐스팅",
        "신화알루미늄",
        "우진정공",
        "태성금속",
        "현대주조",
        "미래다이캐스트",
        "성원산업",
    ];
    let mut members = Vec::new();
    for (i, name) in member_names.iter().enumerate() {
        let n = u32::try_from(i).unwrap_or(0) + 1;
        let m = crate::cooperatives::service::create_member(&state, &buyer, coop.id, parse(json!({
            "name": name, "business_number": biz_n(1, n), "membership": if i < 10 { "regular" } else { "associate" },
            "contact_email": format!("purchasing{n}@member{n}.demo.example")
        }))?).await.map_err(err)?;
        members.push(m.id);
    }
    let member_user = crate::users::service::create_coop_user(&state, &buyer, coop.id, parse(json!({
        "email": "member@demo.coprocure.kr", "name": "이회원", "role": "member", "member_id": members[0], "password": DEMO_PASSWORD, "locale": "ko"
    }))?).await.map_err(err)?;

    let catalog = [
        (
            "CU-CATH",
            "Copper cathode",
            "전기동",
            "raw",
            "7403.11",
            "TNE",
        ),
        (
            "AL-ADC12",
            "Aluminium ingot ADC12",
            "알루미늄 합금 ADC12",
            "raw",
            "7601.20",
            "TNE",
        ),
        (
            "ZN-SHG",
            "Zinc ingot SHG",
            "아연괴",
            "raw",
            "7901.11",
            "TNE",
        ),
        ("NI-CATH", "Nickel cathode", "니켈", "raw", "7502.10", "TNE"),
        (
            "SI-553",
            "Silicon metal 553",
            "금속규소",
            "raw",
            "2804.69",
            "TNE",
        ),
        (
            "RS-PA66",
            "Resin PA66 GF30",
            "수지 PA66",
            "subsidiary",
            "3908.10",
            "KGM",
        ),
        (
            "PL-1111",
            "Wooden pallet 1100×1100",
            "목재 팔레트",
            "subsidiary",
            "4415.20",
            "C62",
        ),
        (
            "SV-IPA",
            "Solvent IPA",
            "이소프로필알코올 용제",
            "subsidiary",
            "2905.12",
            "LTR",
        ),
    ];
    let mut materials = Vec::new();
    for (code, name, name_ko, kind, hs, unit) in catalog {
        let m = crate::materials::service::create(&state, &buyer, coop.id, parse(json!({
            "code": code, "name": name, "name_ko": name_ko, "kind": kind, "hs_code": hs, "unit": unit
        }))?).await.map_err(err)?;
        materials.push((m.id, unit));
    }

    let supplier_specs = [
        (
            "s1",
            json!({"name": "풍산메탈 (Poongsan Metal)", "country": "KR", "business_number": biz_n(2, 1), "default_currency": "KRW", "contact_email": "sales@poongsan.demo.example"}),
        ),
        (
            "s2",
            json!({"name": "한국알루미늄 (Korea Aluminium)", "country": "KR", "business_number": biz_n(2, 2), "default_currency": "KRW", "contact_email": "sales@koreaal.demo.example"}),
        ),
        (
            "s3",
            json!({"name": "대림케미칼 (Daerim Chemical)", "country": "KR", "business_number": biz_n(2, 3), "default_currency": "KRW", "contact_email": "sales@daerim.demo.example"}),
        ),
        (
            "s4",
            json!({"name": "Pacific Metals Inc.", "country": "US", "tax_id": "US-47-1234567", "default_currency": "USD", "contact_email": "sales@pacificmetals.demo.example"}),
        ),
        (
            "s5",
            json!({"name": "Jiangsu Nonferrous Co., Ltd.", "country": "CN", "tax_id": "91320000MA1DEMO01X", "default_currency": "CNY", "contact_email": "sales@jsnf.demo.example"}),
        ),
        (
            "s6",
            json!({"name": "Osaka Alloy K.K.", "country": "JP", "tax_id": "T1234567890123", "default_currency": "JPY", "contact_email": "sales@osakaalloy.demo.example"}),
        ),
    ];
    let mut suppliers = Vec::new();
    for (key, body) in supplier_specs {
        let s = crate::suppliers::service::create(&state, &buyer, parse(body)?)
            .await
            .map_err(err)?;
        let u = crate::users::service::create_supplier_user(&state, &root, s.id, parse(json!({
            "email": format!("{key}@supplier.demo.coprocure.kr"), "name": format!("Sales {}", s.name), "password": DEMO_PASSWORD
        }))?).await.map_err(err)?;
        suppliers.push((s.id, principal(&u)));
    }

    // The round: every member's demand, entered by the buyer, in mixed units.
    let round = crate::rounds::service::create_round(
        &state,
        &buyer,
        coop.id,
        parse(json!({
            "title": "2027년 1분기 원부자재 공동구매 (2027 Q1 joint purchase)",
            // Closed early below; a closing time still ahead of the database's own clock keeps
            // demand entry open meanwhile.
            "closes_at": (clock.now() + Duration::days(16)).to_rfc3339()
        }))?,
    )
    .await
    .map_err(err)?;
    crate::rounds::service::transition(
        &state,
        &buyer,
        round.id,
        crate::rounds::service::Transition::Open,
    )
    .await
    .map_err(err)?;
    for (i, member) in members.iter().enumerate() {
        let k = i64::try_from(i).unwrap_or(0);
        for (j, (material, unit)) in materials.iter().enumerate() {
            if (i + j) % 3 == 2 {
                continue; // not every member buys everything
            }
            let (quantity, unit) = match *unit {
                "TNE" if i % 4 == 0 => (format!("{}", 2500 + 500 * k), "KGM".to_owned()),
                "TNE" => (format!("{}", 3 + (k * 7 + j as i64) % 9), "TNE".to_owned()),
                "KGM" => (format!("{}", 400 + 150 * k), "KGM".to_owned()),
                "C62" => (format!("{}", 40 + 10 * k), "C62".to_owned()),
                _ => (format!("{}", 200 + 25 * k), "LTR".to_owned()),
            };
            crate::rounds::service::submit_demand(&state, &buyer, round.id, parse(json!({
                "member_id": member, "material_id": material, "quantity": quantity, "unit": unit,
                "required_by": (clock.now() + Duration::days(75 + 7 * (k % 3))).date_naive(),
                "delivery_site": if i % 2 == 0 { "안산 반월공단 (Ansan)" } else { "시흥 시화공단 (Siheung)" }
            }))?).await.map_err(err)?;
        }
    }
    crate::rounds::service::transition(
        &state,
        &buyer,
        round.id,
        crate::rounds::service::Transition::Close,
    )
    .await
    .map_err(err)?;

    // The RFQ on the metals and the resin, to every supplier.
    clock.advance(Duration::days(1));
    let material_ids: Vec<_> = materials.iter().take(6).map(|(m, _)| *m).collect();
    let rfq = crate::rfqs::service::create_rfq(&state, &buyer, round.id, parse(json!({
        "title": "2027 Q1 비철금속·수지 견적 요청 (non-ferrous metals and resin)",
        "deadline": (clock.now() + Duration::days(6)).to_rfc3339(),
        "supplier_ids": suppliers.iter().map(|(s, _)| s).collect::<Vec<_>>(),
        "material_ids": material_ids,
        "delivery_place": "경기도 안산시 단원구 반월공단 조합 공동창고 (Ansan cooperative warehouse)",
        "currencies": ["KRW", "USD", "CNY", "JPY"],
        "weights": {"price": "0.8", "lead_time": "0.2"},
        "duty_rates": {(material_ids[0].to_string()): "0", (material_ids[1].to_string()): "3",
                       (material_ids[2].to_string()): "3", (material_ids[3].to_string()): "0",
                       (material_ids[4].to_string()): "5.5", (material_ids[5].to_string()): "6.5"},
        "logistics_adders": {"FOB": "45", "CIF": "12", "EXW": "60"}
    }))?).await.map_err(err)?;
    crate::rfqs::service::publish(&state, &buyer, rfq.id)
        .await
        .map_err(err)?;
    let fx_date = (clock.now() + Duration::days(6))
        .with_timezone(&chrono_tz::Asia::Seoul)
        .date_naive();

    // Quotes: per supplier, (line index, unit price, [(tier from, price)], min, max,
    // freight, insurance) in its currency per base unit of the line.
    clock.advance(Duration::days(2));
    type Line = (
        usize,
        &'static str,
        &'static [(&'static str, &'static str)],
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
    );
    let offers: [(usize, &str, &str, i64, &[Line]); 6] = [
        (
            0,
            "KRW",
            "DAP",
            14,
            &[
                (
                    0,
                    "13450000",
                    &[("50", "13300000"), ("100", "13150000")],
                    "5",
                    Some("150"),
                    "0",
                    "0",
                ),
                (2, "4150000", &[("30", "4080000")], "5", None, "0", "0"),
            ],
        ),
        (
            1,
            "KRW",
            "DAP",
            10,
            &[
                (
                    1,
                    "3320000",
                    &[("40", "3260000"), ("80", "3210000"), ("120", "3180000")],
                    "10",
                    Some("120"),
                    "0",
                    "0",
                ),
                (
                    4,
                    "3050000",
                    &[("20", "2990000")],
                    "5",
                    Some("40"),
                    "0",
                    "0",
                ),
            ],
        ),
        (
            2,
            "KRW",
            "DAP",
            7,
            &[(
                5,
                "4850",
                &[("3000", "4720"), ("6000", "4610")],
                "500",
                None,
                "0",
                "0",
            )],
        ),
        (
            3,
            "USD",
            "CIF",
            38,
            &[
                (
                    0,
                    "9020",
                    &[("50", "8960"), ("100", "8900"), ("150", "8850")],
                    "25",
                    None,
                    "95",
                    "9",
                ),
                (3, "16850", &[("10", "16700")], "5", Some("30"), "110", "15"),
                (
                    1,
                    "2150",
                    &[("60", "2110"), ("100", "2080")],
                    "40",
                    None,
                    "70",
                    "4",
                ),
            ],
        ),
        (
            4,
            "CNY",
            "FOB",
            30,
            &[
                (
                    1,
                    "15100",
                    &[("50", "14900"), ("100", "14650"), ("150", "14500")],
                    "30",
                    None,
                    "0",
                    "0",
                ),
                (
                    4,
                    "13900",
                    &[("20", "13600"), ("40", "13400")],
                    "10",
                    None,
                    "0",
                    "0",
                ),
                (
                    5,
                    "23.5",
                    &[("2000", "22.8"), ("5000", "22.1"), ("8000", "21.6")],
                    "1000",
                    None,
                    "0",
                    "0",
                ),
            ],
        ),
        (
            5,
            "JPY",
            "CIF",
            25,
            &[
                (
                    2,
                    "452000",
                    &[("20", "446000"), ("40", "441000")],
                    "10",
                    Some("60"),
                    "9500",
                    "600",
                ),
                (
                    3,
                    "2480000",
                    &[("10", "2450000")],
                    "5",
                    Some("25"),
                    "12000",
                    "900",
                ),
            ],
        ),
    ];
    for (s, currency, incoterm, lead, lines) in offers {
        let body = json!({
            "currency": currency, "incoterm": incoterm,
            "named_place": if incoterm == "FOB" { "Shanghai port" } else if currency == "KRW" { "Ansan" } else { "Busan port" },
            "valid_until": (fx_date + Duration::days(60)), "lead_time_days": lead,
            "payment_terms": if currency == "KRW" { "월말 마감 익월 말 현금 (cash, end of next month)" } else { "T/T 30 days after B/L" },
            "lines": lines.iter().map(|(l, price, breaks, min, max, freight, insurance)| json!({
                "rfq_line_id": rfq.lines[*l].id, "unit_price": price,
                "price_breaks": breaks.iter().map(|(from, p)| json!({"min_quantity": from, "unit_price": p})).collect::<Vec<_>>(),
                "min_quantity": min, "max_quantity": max, "freight_per_unit": freight, "insurance_per_unit": insurance
            })).collect::<Vec<_>>()
        });
        crate::quotes::service::submit(&state, &suppliers[s].1, rfq.id, parse(body)?)
            .await
            .map_err(err)?;
    }
    for (currency, rate) in [
        ("USD", "1386.8"),
        ("CNY", "190.55"),
        ("JPY", "9.1245"),
        ("EUR", "1462.3"),
    ] {
        crate::fx::service::create_manual(&state, &buyer, parse(json!({
            "date": fx_date - Duration::days(1), "base": "KRW", "currency": currency, "rate": rate
        }))?).await.map_err(err)?;
    }
    let public = &state.settings.public_url;
    Ok(format!(
        "Demo loaded: {} with {} members, {} materials, {} suppliers; a closed round and an RFQ past its deadline with 6 quotes.\n\
         Start the server (`coprocure serve`, or `cargo run`), open the portal at {public}/ and sign in\n\
         (every account's password is {DEMO_PASSWORD}):\n\
         \x20 buyer@demo.coprocure.kr                cooperative buyer\n\
         \x20 {:<38} member company\n\
         \x20 s1@supplier.demo.coprocure.kr … s6@…   suppliers\n\
         \x20 platform@demo.coprocure.kr             platform administrator\n\
         The RFQ: {public}/rfqs/{}",
        coop.name,
        members.len(),
        materials.len(),
        suppliers.len(),
        member_user.email,
        rfq.id,
    ))
}
