//! Round emails: "the round is open" to every member user when it opens, and 24 hours
//! before closing a reminder to the users of members that have entered no demand yet.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;

use super::models::Round;
use crate::audit::{self, Actor, Event};
use crate::auth::Locale;
use crate::cooperatives::models::Cooperative;
use crate::cooperatives::repo as coop_repo;
use crate::ids::{CooperativeId, MemberId, RoundId, UserId};
use crate::notifications::templates::{
    RoundMaterial, RoundNotice, RoundOpened, RoundReminder, ZonedTime,
};
use crate::notifications::{self, material_refs};
use crate::schema::{demand_lines, demand_rounds, members, users};

/// How long before closing the reminder goes out.
pub const REMINDER_LEAD: Duration = Duration::hours(24);

/// Active users of active members of a cooperative: (user, member, email, name, locale).
async fn member_users(
    conn: &mut AsyncPgConnection,
    coop: CooperativeId,
) -> QueryResult<Vec<(UserId, MemberId, String, String, String)>> {
    users::table
        .inner_join(members::table.on(users::member_id.eq(members::id.nullable())))
        .filter(users::cooperative_id.eq(coop))
        .filter(users::disabled.eq(false))
        .filter(members::disabled.eq(false))
        .select((
            users::id,
            members::id,
            users::email,
            users::name,
            users::locale,
        ))
        .load(conn)
        .await
}

/// The round's materials as its emails list them.
async fn materials(
    conn: &mut AsyncPgConnection,
    round: RoundId,
) -> QueryResult<Vec<RoundMaterial>> {
    let rows = super::repo::round_materials(conn, round).await?;
    let ids: Vec<_> = rows.iter().map(|(id, ..)| *id).collect();
    let refs = material_refs(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, _, _, unit)| {
            Some(RoundMaterial {
                material: refs.get(&id)?.clone(),
                unit,
            })
        })
        .collect())
}

/// What a round email says to one recipient.
fn notice(
    coop: &Cooperative,
    round: &Round,
    name: String,
    materials: &[RoundMaterial],
    public_url: &str,
) -> RoundNotice {
    RoundNotice {
        name,
        cooperative: coop.name.clone(),
        round_title: round.title.clone(),
        closes_at: ZonedTime::new(round.closes_at, &coop.timezone),
        materials: materials.to_vec(),
        link: format!("{public_url}/rounds/{}", round.id),
    }
}

/// Queues the "round open" email to every member user; returns how many.
pub async fn notify_opened(
    conn: &mut AsyncPgConnection,
    coop: &Cooperative,
    round: &Round,
    public_url: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let recipients = member_users(conn, coop.id).await?;
    let materials = materials(conn, round.id).await?;
    let mut n = 0;
    for (user, _, email, name, locale) in recipients {
        let t = RoundOpened {
            notice: notice(coop, round, name, &materials, public_url),
        };
        if notifications::enqueue_once(
            conn,
            now,
            &email,
            Locale::parse(&locale).unwrap_or(Locale::Ko),
            &t,
            format!("round:{}:opened:{user}", round.id),
        )
        .await?
        {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends the 24-hour reminder of every open round that is due, once per round; returns
/// the number of emails queued. Rounds are claimed with `SKIP LOCKED`, so several
/// instances share the work.
pub async fn send_due_reminders(
    conn: &mut AsyncPgConnection,
    public_url: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    conn.transaction(async |conn| -> anyhow::Result<usize> {
        let due: Vec<Round> = demand_rounds::table
            .filter(demand_rounds::status.eq("open"))
            .filter(demand_rounds::reminder_sent_at.is_null())
            .filter(demand_rounds::closes_at.gt(now))
            .filter(demand_rounds::closes_at.le(now + REMINDER_LEAD))
            .select(Round::as_select())
            .for_update()
            .skip_locked()
            .limit(20)
            .load(conn)
            .await?;
        let mut queued = 0;
        for round in due {
            let coop = coop_repo::find_cooperative(conn, round.cooperative_id).await?;
            let Some(coop) = coop else { continue };
            let with_demand: Vec<MemberId> = demand_lines::table
                .filter(demand_lines::round_id.eq(round.id))
                .select(demand_lines::member_id)
                .distinct()
                .load(conn)
                .await?;
            let materials = materials(conn, round.id).await?;
            let mut members_reminded = std::collections::BTreeSet::new();
            for (user, member, email, name, locale) in member_users(conn, coop.id).await? {
                if with_demand.contains(&member) {
                    continue;
                }
                let t = RoundReminder {
                    notice: notice(&coop, &round, name, &materials, public_url),
                };
                if notifications::enqueue_once(
                    conn,
                    now,
                    &email,
                    Locale::parse(&locale).unwrap_or(Locale::Ko),
                    &t,
                    format!("round:{}:reminder:{user}", round.id),
                )
                .await?
                {
                    queued += 1;
                    members_reminded.insert(member);
                }
            }
            diesel::update(demand_rounds::table.find(round.id))
                .set(demand_rounds::reminder_sent_at.eq(Some(now)))
                .execute(conn)
                .await?;
            audit::record(
                conn,
                now,
                Event::platform(
                    Actor::System,
                    "round.reminder_sent",
                    "round",
                    round.id,
                    json!({"members": members_reminded.len(), "emails": queued}),
                )
                .in_cooperative(Some(round.cooperative_id)),
            )
            .await?;
        }
        Ok(queued)
    })
    .await
}
