//! `coprocure demo`: loads a realistic demo through the same use cases the API calls, so
//! every rule, audit event and email applies. The steps, in order ([`load`]):
//!
//! 1. [`Demo::start`]: a clock two weeks in the past (so the RFQ's deadline has passed when
//!    the command ends) and the platform administrator.
//! 2. [`Demo::organisations`]: a Korean die-casting cooperative, its buyer, 12 member
//!    companies and a member user.
//! 3. [`Demo::catalog`]: 8 materials (metals in tonnes, resin in kg, pallets per piece,
//!    solvent per litre).
//! 4. [`Demo::suppliers`]: 3 domestic suppliers in KRW, one each in USD, CNY and JPY, each
//!    with a user.
//! 5. [`Demo::round`]: a demand round, every member's demand in mixed units, closed.
//! 6. [`Demo::rfq`]: an RFQ on every material of the round to every supplier, published.
//! 7. [`Demo::quotes`]: each supplier's quote, its lines attached to the RFQ's lines by
//!    material code, at the prices of [`data::MARKETS`].
//! 8. [`Demo::fx_rates`]: the rates of the day before the deadline.
//!
//! Idempotent: a second run finds the cooperative and stops.

pub mod data;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::auth::service::{create_user, CreateUser};
use crate::auth::{Locale, Principal, Role};
use crate::clock::{Clock, OffsetClock};
use crate::config::Settings;
use crate::context::Ctx;
use crate::db::{self, DbPool};
use crate::error::AppError;
use crate::ids::{CooperativeId, MaterialId, MemberId, RfqLineId, RoundId, SessionId, SupplierId};
use crate::quotes::service::submit as submit_quote;
use crate::reference::kr_check_digit;
use crate::rfqs::models::RfqOut;
use crate::rounds::service::Transition;
use crate::schema::{cooperatives, quotes};
use crate::users::service::UserOut;
use crate::{audit, cooperatives as coops, fx, materials, rfqs, rounds, suppliers, users};
use data::{Material, Supplier, ADDERS, CATALOG, FX_RATES, MARKETS, MEMBERS, SUPPLIERS};

/// Password of every demo account (printed at the end).
pub const DEMO_PASSWORD: &str = "demo-coprocure-2026";
/// Business number prefix (9 digits, check digit appended) of the demo cooperative.
const COOP_PREFIX: [u32; 9] = [1, 3, 8, 8, 2, 0, 0, 0, 1];

fn biz(prefix: [u32; 9]) -> String {
    let d = kr_check_digit(&prefix);
    let s: String = prefix.iter().map(|x| x.to_string()).collect();
    format!("{}-{}-{}{d}", &s[..3], &s[3..5], &s[5..])
}

fn biz_n(group: u32, n: u32) -> String {
    biz([2, 1, 4, 8, group, 0, 0, n / 10, n % 10])
}

/// A use case's input, written as the API's JSON.
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

fn err(e: AppError) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        serde_json::to_string(&e.problem()).unwrap_or_else(|_| e.to_string())
    )
}

/// Loads the demo into the database behind `pool`; returns what was done, for printing.
pub async fn load(pool: DbPool, settings: Settings) -> anyhow::Result<String> {
    if let Some(done) = already_loaded(&pool, &settings).await? {
        return Ok(done);
    }
    let demo = Demo::start(pool, settings).await?;
    let coop = demo.organisations().await?;
    let catalog = demo.catalog(&coop).await?;
    let suppliers = demo.suppliers(&coop).await?;
    let round = demo.round(&coop, &catalog).await?;
    let rfq = demo.rfq(&coop, round, &catalog, &suppliers).await?;
    let quotes = demo.quotes(&rfq, &suppliers).await?;
    demo.fx_rates(&coop, rfq_fx_date(&rfq)).await?;
    Ok(demo.summary(&coop, &catalog, &suppliers, &rfq, quotes))
}

/// The message of a second run, or why it cannot go on.
async fn already_loaded(pool: &DbPool, settings: &Settings) -> anyhow::Result<Option<String>> {
    let mut conn = db::conn(pool).await.map_err(err)?;
    let existing: Option<CooperativeId> = cooperatives::table
        .filter(cooperatives::business_number.eq(biz(COOP_PREFIX).replace('-', "")))
        .select(cooperatives::id)
        .first(&mut conn)
        .await
        .optional()?;
    let Some(id) = existing else { return Ok(None) };
    let quotes: i64 = quotes::table
        .filter(quotes::cooperative_id.eq(id))
        .count()
        .get_result(&mut conn)
        .await?;
    if quotes == 0 {
        anyhow::bail!("a previous demo run stopped half-way (cooperative {id} has no quotes); load the demo into a fresh database");
    }
    Ok(Some(format!(
        "The demo is loaded already (cooperative {id}). Open the portal at {}/ and sign in as buyer@demo.coprocure.kr / {DEMO_PASSWORD}.",
        settings.public_url
    )))
}

/// The date whose FX rates the comparison uses: the deadline's date in Korea.
fn rfq_fx_date(rfq: &RfqOut) -> NaiveDate {
    rfq.deadline
        .with_timezone(&chrono_tz::Asia::Seoul)
        .date_naive()
}

/// The running demo: the services' state on a clock of its own, and the platform admin.
struct Demo {
    ctx: Ctx,
    clock: Arc<OffsetClock>,
    root: Principal,
}

/// The cooperative and who acts for it.
struct Coop {
    id: CooperativeId,
    name: String,
    buyer: Principal,
    members: Vec<MemberId>,
    member_user: String,
}

/// A supplier of the demo, its id and its user.
struct DemoSupplier {
    data: &'static Supplier,
    id: SupplierId,
    user: Principal,
}

impl Demo {
    /// Step 1: the clock two weeks back and the platform administrator.
    async fn start(pool: DbPool, settings: Settings) -> anyhow::Result<Self> {
        let clock = Arc::new(OffsetClock::new());
        clock.advance(-Duration::days(14));
        let mut conn = db::conn(&pool).await.map_err(err)?;
        let root = create_user(
            &mut conn,
            audit::Actor::System,
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
        let ctx = Ctx::new(pool, settings, clock.clone());
        Ok(Self { ctx, clock, root })
    }

    /// Step 2: the cooperative, its buyer, its members and a member user.
    async fn organisations(&self) -> anyhow::Result<Coop> {
        let s = &self.ctx;
        let coop = coops::service::create_cooperative(
            s,
            &self.root,
            parse(json!({
                "name": "경기다이캐스팅협동조합 (Gyeonggi Die-Casting Cooperative)",
                "business_number": biz(COOP_PREFIX).replace('-', "")
            }))?,
        )
        .await
        .map_err(err)?;
        let buyer = users::service::create_coop_user(
            s,
            &self.root,
            coop.id,
            parse(json!({
                "email": "buyer@demo.coprocure.kr", "name": "김구매", "role": "coop_admin",
                "password": DEMO_PASSWORD, "locale": "ko"
            }))?,
        )
        .await
        .map_err(err)?;
        let buyer = principal(&buyer);
        let mut members = Vec::new();
        for (i, name) in MEMBERS.iter().enumerate() {
            let n = u32::try_from(i).unwrap_or(0) + 1;
            let m = coops::service::create_member(
                s,
                &buyer,
                coop.id,
                parse(json!({
                    "name": name, "business_number": biz_n(1, n),
                    "membership": if i < 10 { "regular" } else { "associate" },
                    "contact_email": format!("purchasing{n}@member{n}.demo.example")
                }))?,
            )
            .await
            .map_err(err)?;
            members.push(m.id);
        }
        let member_user = users::service::create_coop_user(
            s,
            &buyer,
            coop.id,
            parse(json!({
                "email": "member@demo.coprocure.kr", "name": "이회원", "role": "member",
                "member_id": members[0], "password": DEMO_PASSWORD, "locale": "ko"
            }))?,
        )
        .await
        .map_err(err)?;
        Ok(Coop {
            id: coop.id,
            name: coop.name,
            buyer,
            members,
            member_user: member_user.email,
        })
    }

    /// Step 3: the catalog.
    async fn catalog(&self, coop: &Coop) -> anyhow::Result<Vec<(MaterialId, &'static Material)>> {
        let mut out = Vec::new();
        for m in &CATALOG {
            let created = materials::service::create(
                &self.ctx,
                &coop.buyer,
                coop.id,
                parse(json!({
                    "code": m.code, "name": m.name, "name_ko": m.name_ko, "kind": m.kind,
                    "hs_code": m.hs_code, "unit": m.unit
                }))?,
            )
            .await
            .map_err(err)?;
            out.push((created.id, m));
        }
        Ok(out)
    }

    /// Step 4: the suppliers, each with a user.
    async fn suppliers(&self, coop: &Coop) -> anyhow::Result<Vec<DemoSupplier>> {
        let mut out = Vec::new();
        for (n, data) in (1..).zip(&SUPPLIERS) {
            let mut body = json!({
                "name": data.name, "country": data.country,
                "default_currency": data.currency, "contact_email": data.contact_email
            });
            match data.tax_id {
                Some(t) => body["tax_id"] = json!(t),
                None => body["business_number"] = json!(biz_n(2, n)),
            }
            let s = suppliers::service::create(&self.ctx, &coop.buyer, parse(body)?)
                .await
                .map_err(err)?;
            let u = users::service::create_supplier_user(
                &self.ctx,
                &self.root,
                s.id,
                parse(json!({
                    "email": format!("{}@supplier.demo.coprocure.kr", data.key),
                    "name": format!("Sales {}", s.name), "password": DEMO_PASSWORD
                }))?,
            )
            .await
            .map_err(err)?;
            out.push(DemoSupplier {
                data,
                id: s.id,
                user: principal(&u),
            });
        }
        Ok(out)
    }

    /// Step 5: the demand round — opened, every member's demand (entered by the buyer, in
    /// mixed units: some members count metals in kg), closed.
    async fn round(
        &self,
        coop: &Coop,
        catalog: &[(MaterialId, &'static Material)],
    ) -> anyhow::Result<RoundId> {
        let (s, buyer, now) = (&self.ctx, &coop.buyer, self.clock.now());
        let round = rounds::service::create_round(
            s,
            buyer,
            coop.id,
            parse(json!({
                "title": "2027년 1분기 원부자재 공동구매 (2027 Q1 joint purchase)",
                // Closed early below; a closing time still ahead of the database's own clock
                // keeps demand entry open meanwhile.
                "closes_at": (now + Duration::days(16)).to_rfc3339()
            }))?,
        )
        .await
        .map_err(err)?;
        rounds::service::transition(s, buyer, round.id, Transition::Open)
            .await
            .map_err(err)?;
        for (i, member) in (0_i64..).zip(&coop.members) {
            for (j, (material, m)) in (0_i64..).zip(catalog) {
                if (i + j) % 3 == 2 {
                    continue; // not every member buys everything
                }
                let (quantity, unit) = match m.unit {
                    "TNE" if i % 4 == 0 => (2500 + 500 * i, "KGM"),
                    "TNE" => (3 + (i * 7 + j) % 9, "TNE"),
                    "KGM" => (400 + 150 * i, "KGM"),
                    "C62" => (40 + 10 * i, "C62"),
                    _ => (200 + 25 * i, "LTR"),
                };
                rounds::service::submit_demand(s, buyer, round.id, parse(json!({
                    "member_id": member, "material_id": material,
                    "quantity": quantity.to_string(), "unit": unit,
                    "required_by": (now + Duration::days(75 + 7 * (i % 3))).date_naive(),
                    "delivery_site": if i % 2 == 0 { "안산 반월공단 (Ansan)" } else { "시흥 시화공단 (Siheung)" }
                }))?)
                .await
                .map_err(err)?;
            }
        }
        rounds::service::transition(s, buyer, round.id, Transition::Close)
            .await
            .map_err(err)?;
        Ok(round.id)
    }

    /// Step 6: the RFQ on every material of the round, to every supplier, published a day
    /// after the round closed, with a deadline six days later.
    async fn rfq(
        &self,
        coop: &Coop,
        round: RoundId,
        catalog: &[(MaterialId, &'static Material)],
        suppliers: &[DemoSupplier],
    ) -> anyhow::Result<RfqOut> {
        self.clock.advance(Duration::days(1));
        let duty: HashMap<String, &str> = catalog
            .iter()
            .map(|(id, m)| (id.to_string(), m.duty))
            .collect();
        let adders: HashMap<&str, &str> = ADDERS.into_iter().collect();
        let rfq = rfqs::service::create_rfq(&self.ctx, &coop.buyer, round, parse(json!({
            "title": "2027 Q1 원부자재 견적 요청 (metals, resin, pallets and solvent)",
            "deadline": (self.clock.now() + Duration::days(6)).to_rfc3339(),
            "supplier_ids": suppliers.iter().map(|s| s.id).collect::<Vec<_>>(),
            "material_ids": catalog.iter().map(|(id, _)| id).collect::<Vec<_>>(),
            "delivery_place": "경기도 안산시 단원구 반월공단 조합 공동창고 (Ansan cooperative warehouse)",
            "currencies": ["KRW", "USD", "CNY", "JPY"],
            "weights": {"price": "0.8", "lead_time": "0.2"},
            "duty_rates": duty,
            "logistics_adders": adders
        }))?)
        .await
        .map_err(err)?;
        rfqs::service::publish(&self.ctx, &coop.buyer, rfq.id)
            .await
            .map_err(err)?;
        Ok(rfq)
    }

    /// Step 7: two days later, each supplier quotes the materials it sells; each line goes
    /// to the RFQ line of its material's code. Returns how many quotes.
    async fn quotes(&self, rfq: &RfqOut, suppliers: &[DemoSupplier]) -> anyhow::Result<usize> {
        self.clock.advance(Duration::days(2));
        let line_of: HashMap<&str, RfqLineId> = rfq
            .lines
            .iter()
            .map(|l| (l.material_code.as_str(), l.id))
            .collect();
        let valid_until = rfq_fx_date(rfq) + Duration::days(60);
        let mut n = 0;
        for s in suppliers {
            let mut lines = Vec::new();
            for market in &MARKETS {
                let Some(o) = market.offers.iter().find(|o| o.supplier == s.data.key) else {
                    continue;
                };
                let line = line_of
                    .get(market.code)
                    .ok_or_else(|| anyhow::anyhow!("the RFQ has no line for {}", market.code))?;
                lines.push(json!({
                    "rfq_line_id": line, "unit_price": o.unit_price,
                    "price_breaks": o.breaks.iter()
                        .map(|(from, p)| json!({"min_quantity": from, "unit_price": p}))
                        .collect::<Vec<_>>(),
                    "min_quantity": o.min, "max_quantity": o.max,
                    "freight_per_unit": o.freight, "insurance_per_unit": o.insurance
                }));
            }
            let d = s.data;
            submit_quote(
                &self.ctx,
                &s.user,
                rfq.id,
                parse(json!({
                    "currency": d.currency, "incoterm": d.incoterm, "named_place": d.named_place,
                    "valid_until": valid_until, "lead_time_days": d.lead_time_days,
                    "payment_terms": d.payment_terms, "lines": lines
                }))?,
            )
            .await
            .map_err(err)?;
            n += 1;
        }
        Ok(n)
    }

    /// Step 8: the FX rates of the day before the deadline's date.
    async fn fx_rates(&self, coop: &Coop, fx_date: NaiveDate) -> anyhow::Result<()> {
        for (currency, rate) in FX_RATES {
            fx::service::create_manual(&self.ctx, &coop.buyer, parse(json!({
                "date": fx_date - Duration::days(1), "base": "KRW", "currency": currency, "rate": rate
            }))?)
            .await
            .map_err(err)?;
        }
        Ok(())
    }

    /// What the command prints: what was loaded, the portal's address and the accounts.
    fn summary(
        &self,
        coop: &Coop,
        catalog: &[(MaterialId, &'static Material)],
        suppliers: &[DemoSupplier],
        rfq: &RfqOut,
        quotes: usize,
    ) -> String {
        let public = &self.ctx.settings.public_url;
        format!(
            "Demo loaded: {} with {} members, {} materials, {} suppliers; a closed round and an RFQ past its deadline with {quotes} quotes.\n\
             Start the server (`coprocure serve`, or `cargo run`), open the portal at {public}/ and sign in\n\
             (every account's password is {DEMO_PASSWORD}):\n\
             \x20 buyer@demo.coprocure.kr                cooperative buyer\n\
             \x20 {:<38} member company\n\
             \x20 s1@supplier.demo.coprocure.kr … s6@…   suppliers\n\
             \x20 platform@demo.coprocure.kr             platform administrator\n\
             The RFQ: {public}/rfqs/{}",
            coop.name,
            coop.members.len(),
            catalog.len(),
            suppliers.len(),
            coop.member_user,
            rfq.id,
        )
    }
}
