//! RFQs and sealed quotes: creation from a closed round, publication with invitations
//! (email in both languages, signed webhooks with retries), deadline changes and
//! cancellation, quote submission/revision/withdrawal with receipts, sealing on every read
//! path, and the deadline race.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use coprocure::clock::Clock;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::http_sink::HttpSink;
use crate::helpers::smtp::SmtpSink;
use crate::helpers::world::{quote_body, World};
use crate::helpers::{token, TestApp, PASSWORD};

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: &Value,
) -> crate::helpers::Resp {
    let req = match method {
        "POST" => app.client.post(app.url(path)).json(body),
        "PUT" => app.client.put(app.url(path)).json(body),
        "PATCH" => app.client.patch(app.url(path)).json(body),
        _ => app.client.get(app.url(path)),
    };
    app.send(req.bearer_auth(token)).await
}

/// A closed round of cooperative A with demand from its member in two units.
async fn closed_round(app: &TestApp, w: &World) -> String {
    let a = &w.a;
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/rounds", a.coop),
            Some(&a.admin),
            &json!({"title": "Round Q", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()}),
        )
        .await;
    let round = r.json["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rounds/{round}/open"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    for (q, unit, by) in [("12", "TNE", "2027-05-31"), ("500", "KGM", "2027-04-30")] {
        let d = app
            .post(
                &format!("/api/v1/rounds/{round}/demand"),
                Some(&a.member_token),
                &json!({"material_id": a.material, "quantity": q, "unit": unit, "required_by": by, "delivery_site": "Ansan"}),
            )
            .await;
        assert_eq!(d.status, 201, "{}", d.text);
    }
    round
}

#[tokio::test]
async fn rfq_lifecycle_from_a_closed_round() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    let deadline = (app.clock.now() + chrono::Duration::days(3)).to_rfc3339();
    // The World's round is still open.
    let r = app
        .post(
            &format!("/api/v1/rounds/{}/rfqs", a.round),
            Some(&a.admin),
            &json!({"title": "T", "deadline": deadline, "supplier_ids": [w.s1], "delivery_place": "Ansan"}),
        )
        .await;
    r.assert_problem(409, "round_not_closed");

    let round = closed_round(&app, &w).await;
    let path = format!("/api/v1/rounds/{round}/rfqs");
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    // Every invalid field at once, and nothing created.
    let bad = app
        .post(
            &path,
            Some(&a.admin),
            &json!({"title": " ", "deadline": "2020-01-01T00:00:00Z", "supplier_ids": [uuid::Uuid::now_v7()],
                    "delivery_place": "Ansan", "currencies": ["XXX1"], "incoterms": ["FOB", "ABC"],
                    "weights": {"price": "0", "lead_time": "0"},
                    "duty_rates": {(a.material.clone()): "101"}, "logistics_adders": {"FOB": "-1"}}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let fields: Vec<&str> = bad.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "title",
        "deadline",
        "supplier_ids",
        "currencies[0]",
        "incoterms[1]",
        "weights",
    ] {
        assert!(fields.contains(&f), "{f} missing in {fields:?}");
    }
    assert!(fields.iter().any(|f| f.starts_with("duty_rates.")));
    assert!(fields.contains(&"logistics_adders.FOB"));

    // A draft from the round's demand: 12 t + 500 kg = 12.5 t, earliest date.
    let rfq = app
        .post(
            &path,
            Some(&a.admin),
            &json!({"title": "Copper Q2", "deadline": deadline, "supplier_ids": [],
                    "delivery_place": "Ansan plant", "weights": {"price": 0.8, "lead_time": "0.2"},
                    "duty_rates": {(a.material.clone()): "3"}, "logistics_adders": {"FOB": "35000"}}),
        )
        .await;
    assert_eq!(rfq.status, 201, "{}", rfq.text);
    let id = rfq.json["id"].as_str().unwrap().to_owned();
    assert_eq!(
        rfq.header("location"),
        Some(format!("/api/v1/rfqs/{id}").as_str())
    );
    let line = &rfq.json["lines"][0];
    assert_eq!(rfq.json["status"], "draft");
    assert_eq!(line["quantity"], "12.5");
    assert_eq!(line["unit"], "TNE");
    assert_eq!(line["required_by"], "2027-04-30");
    assert_eq!(line["duty_rate"], "3");
    assert_eq!(
        rfq.json["weights"],
        json!({"price": "0.8", "lead_time": "0.2"})
    );
    assert_eq!(rfq.json["logistics_adders"], json!({"FOB": "35000"}));
    assert_eq!(rfq.json["currencies"], json!(["KRW"]));
    assert_eq!(rfq.json["incoterms"].as_array().unwrap().len(), 11);
    assert_eq!(rfq.json["submitted_count"], 0);

    // The material is in a live RFQ now.
    let twice = app
        .post(
            &path,
            Some(&a.admin),
            &json!({"title": "Again", "deadline": deadline, "delivery_place": "Ansan"}),
        )
        .await;
    twice.assert_problem(409, "material_in_live_rfq");

    // Publishing needs a supplier; a draft may take them by PATCH.
    let publish = format!("/api/v1/rfqs/{id}/publish");
    app.post(&publish, Some(&a.admin), &json!({}))
        .await
        .assert_problem(409, "no_suppliers");
    let patched = send(
        &app,
        "PATCH",
        &format!("/api/v1/rfqs/{id}"),
        &a.admin,
        &json!({"supplier_ids": [w.s1, w.s2]}),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["supplier_ids"].as_array().unwrap().len(), 2);
    let published = app.post(&publish, Some(&a.admin), &json!({})).await;
    assert_eq!(published.status, 200, "{}", published.text);
    assert_eq!(published.json["status"], "published");
    app.post(&publish, Some(&a.admin), &json!({}))
        .await
        .assert_problem(409, "invalid_transition");

    // A supplier sees the RFQ, not who else is invited nor how many quoted.
    let seen = app
        .get(&format!("/api/v1/rfqs/{id}"), Some(&w.s2_token))
        .await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert!(seen.json.get("supplier_ids").is_none());
    assert!(seen.json.get("submitted_count").is_none());
    let listed = app.get("/api/v1/rfqs", Some(&w.s2_token)).await;
    assert_eq!(listed.json["items"].as_array().unwrap().len(), 1);

    // Extending: only later than the current deadline; a published RFQ changes nothing else.
    let patch = format!("/api/v1/rfqs/{id}");
    let earlier = (app.clock.now() + chrono::Duration::days(2)).to_rfc3339();
    send(
        &app,
        "PATCH",
        &patch,
        &a.admin,
        &json!({"deadline": earlier}),
    )
    .await
    .assert_problem(422, "not_later");
    send(&app, "PATCH", &patch, &a.admin, &json!({"title": "New"}))
        .await
        .assert_problem(409, "rfq_published");
    let later = chrono::SubsecRound::trunc_subsecs(app.clock.now() + chrono::Duration::days(5), 0);
    let extended = send(
        &app,
        "PATCH",
        &patch,
        &a.admin,
        &json!({"deadline": later.to_rfc3339()}),
    )
    .await;
    assert_eq!(extended.status, 200, "{}", extended.text);
    assert_eq!(
        extended.json["deadline"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
        later
    );

    // Cancelling needs a reason; then the material is free again.
    let cancel = format!("/api/v1/rfqs/{id}/cancel");
    app.post(&cancel, Some(&a.admin), &json!({"reason": ""}))
        .await
        .assert_problem(422, "required");
    let cancelled = app
        .post(
            &cancel,
            Some(&a.admin),
            &json!({"reason": "Specification changed"}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.json["status"], "cancelled");
    assert_eq!(cancelled.json["cancel_reason"], "Specification changed");
    app.post(&cancel, Some(&a.admin), &json!({"reason": "again"}))
        .await
        .assert_problem(409, "invalid_transition");
    let again = app
        .post(
            &path,
            Some(&a.admin),
            &json!({"title": "Copper Q2 bis", "deadline": deadline, "supplier_ids": [w.s1], "delivery_place": "Ansan"}),
        )
        .await;
    assert_eq!(again.status, 201, "{}", again.text);

    // Once the deadline passes the RFQ reads closed and its deadline is frozen.
    let rfq2 = again.json["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rfqs/{rfq2}/publish"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    app.clock.advance(chrono::Duration::days(4));
    let admin = token(&app, "admin-a@coop.kr").await;
    let closed = app.get(&format!("/api/v1/rfqs/{rfq2}"), Some(&admin)).await;
    assert_eq!(closed.json["status"], "closed");
    send(
        &app,
        "PATCH",
        &format!("/api/v1/rfqs/{rfq2}"),
        &admin,
        &json!({"deadline": (app.clock.now() + chrono::Duration::days(9)).to_rfc3339()}),
    )
    .await
    .assert_problem(409, "rfq_closed");
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}

#[tokio::test]
async fn invitations_extensions_and_cancellations_reach_suppliers_in_their_language() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(&[("COPROCURE_SMTP_URL", &sink.url())]).await;
    let w = World::build(&app).await;
    let a = &w.a;
    let round = closed_round(&app, &w).await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    let deadline: DateTime<Utc> = "2031-03-14T06:00:00Z".parse().unwrap();
    let rfq = app
        .post(
            &format!("/api/v1/rounds/{round}/rfqs"),
            Some(&a.admin),
            &json!({"title": "Copper Q3", "deadline": deadline.to_rfc3339(), "supplier_ids": [w.s1, w.s2], "delivery_place": "Ansan plant"}),
        )
        .await;
    assert_eq!(rfq.status, 201, "{}", rfq.text);
    let id = rfq.json["id"].as_str().unwrap().to_owned();
    let published = app
        .post(
            &format!("/api/v1/rfqs/{id}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text);

    // s1 (Korea): its user and its contact address, in Korean.
    app.run_jobs_until_idle().await;
    for to in ["rep@kcopper.kr", "sales@kcopper.kr"] {
        let m = sink.one_to(to);
        let subject = m.header("Subject").unwrap();
        assert!(subject.contains("견적 요청"), "{subject}");
        let text = m.part("text/plain").unwrap();
        // The cooperative's time (Seoul), labelled, with UTC beside it.
        assert!(
            text.contains("2031. 3. 14. (금) 15:00 KST (2031-03-14 06:00 UTC)"),
            "{text}"
        );
        assert!(text.contains(&format!("/rfqs/{id}")), "{text}");
        assert!(text.contains("12.5 TNE"), "{text}");
        assert!(m.part("text/html").unwrap().contains("lang=\"ko\""));
    }
    // s2 (Viet Nam): in English.
    for to in ["rep@saigonmetals.vn", "sales@saigonmetals.vn"] {
        let m = sink.one_to(to);
        let subject = m.header("Subject").unwrap();
        assert!(subject.contains("Request for quotation"), "{subject}");
        let text = m.part("text/plain").unwrap();
        assert!(
            text.contains("Fri 14 Mar 2031, 15:00 KST (2031-03-14 06:00 UTC)"),
            "{text}"
        );
    }
    let to_suppliers = |sink: &SmtpSink| -> Vec<crate::helpers::smtp::Received> {
        sink.messages()
            .into_iter()
            .filter(|m| {
                m.rcpt_to
                    .iter()
                    .any(|r| r.ends_with("kcopper.kr") || r.ends_with("saigonmetals.vn"))
            })
            .collect()
    };
    assert_eq!(to_suppliers(&sink).len(), 4, "one email per address");

    // An extension and a cancellation reach every invited address too.
    let later = "2031-03-21T06:00:00Z";
    let ext = send(
        &app,
        "PATCH",
        &format!("/api/v1/rfqs/{id}"),
        &a.admin,
        &json!({"deadline": later}),
    )
    .await;
    assert_eq!(ext.status, 200, "{}", ext.text);
    let cancel = app
        .post(
            &format!("/api/v1/rfqs/{id}/cancel"),
            Some(&a.admin),
            &json!({"reason": "Budget frozen"}),
        )
        .await;
    assert_eq!(cancel.status, 200);
    app.run_jobs_until_idle().await;
    let all = to_suppliers(&sink);
    assert_eq!(all.len(), 12);
    let subjects: Vec<String> = all.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert_eq!(
        subjects.iter().filter(|s| s.contains("마감 연장")).count(),
        2
    );
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.contains("Deadline extended"))
            .count(),
        2
    );
    assert_eq!(subjects.iter().filter(|s| s.contains("취소")).count(), 2);
    assert_eq!(
        subjects
            .iter()
            .filter(|s| s.contains("RFQ cancelled"))
            .count(),
        2
    );
    let cancel_text = all
        .iter()
        .find(|m| m.header("Subject").unwrap().contains("RFQ cancelled"))
        .unwrap()
        .part("text/plain")
        .unwrap();
    assert!(cancel_text.contains("Budget frozen"));
    // Invitation, extension and cancellation each in the recipient's language only.
    let (ko, en) = crate::helpers::language::assert_in_own_language(&app, &all).await;
    assert_eq!((ko, en), (6, 6));
}

fn hmac_hex(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

#[tokio::test]
async fn webhooks_are_signed_and_retried_until_the_receiver_answers() {
    let app = TestApp::spawn_with(&[("COPROCURE_ALLOW_LOOPBACK_WEBHOOKS", "1")]).await;
    let w = World::build(&app).await;
    let a = &w.a;
    let up = HttpSink::start().await;
    // A port with nothing listening (yet).
    let down_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut ids = Vec::new();
    for (name, tax, url) in [
        ("Hook Up GmbH", "DE123456789", up.url("/hooks/coprocure")),
        (
            "Hook Down Ltd",
            "GB123456789",
            format!("http://127.0.0.1:{down_port}/hook"),
        ),
    ] {
        let s = app
            .post(
                "/api/v1/suppliers",
                Some(&w.platform),
                &json!({"name": name, "country": &tax[..2], "tax_id": tax, "default_currency": "EUR",
                        "contact_email": format!("x@{}.example", &tax[..2].to_lowercase()), "webhook_url": url}),
            )
            .await;
        assert_eq!(s.status, 201, "{}", s.text);
        ids.push((
            s.json["id"].as_str().unwrap().to_owned(),
            s.json["webhook_secret"].as_str().unwrap().to_owned(),
        ));
    }
    // https only, unless loopback is allowed (it is here); private addresses never.
    let private = app
        .post(
            "/api/v1/suppliers",
            Some(&w.platform),
            &json!({"name": "P", "country": "DE", "tax_id": "DE999999999", "default_currency": "EUR", "contact_email": "p@p.de", "webhook_url": "http://10.0.0.5/hook"}),
        )
        .await;
    private.assert_problem(422, "invalid_webhook_url");

    let round = closed_round(&app, &w).await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&a.admin),
        &json!({}),
    )
    .await;
    let rfq = app
        .post(
            &format!("/api/v1/rounds/{round}/rfqs"),
            Some(&a.admin),
            &json!({"title": "Copper Q4", "deadline": (app.clock.now() + chrono::Duration::days(3)).to_rfc3339(),
                    "supplier_ids": [ids[0].0, ids[1].0], "delivery_place": "Ansan plant"}),
        )
        .await;
    let id = rfq.json["id"].as_str().unwrap().to_owned();
    let p = app
        .post(
            &format!("/api/v1/rfqs/{id}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);

    app.run_jobs_until_idle().await;
    let hits = up.hits();
    assert_eq!(hits.len(), 1);
    let hit = hits[0].clone();
    assert_eq!(hit.method, "POST");
    assert_eq!(hit.path, "/hooks/coprocure");
    assert_eq!(hit.header("content-type"), Some("application/json"));
    assert_eq!(hit.header("x-coprocure-event"), Some("rfq.published"));
    let secret = hex::decode(&ids[0].1).unwrap();
    assert_eq!(
        hit.header("x-coprocure-signature").unwrap(),
        format!("sha256={}", hmac_hex(&secret, &hit.body))
    );
    let body: Value = serde_json::from_slice(&hit.body).unwrap();
    assert_eq!(body["event"], "rfq.published");
    assert_eq!(body["rfq"]["id"], id.as_str());
    assert_eq!(body["rfq"]["lines"][0]["quantity"], "12.5");
    assert!(body["rfq"].get("supplier_ids").is_none());

    // A receiver that refuses (4xx) is not retried: the delivery is dead-lettered.
    up.answer(410);
    let ext = send(
        &app,
        "PATCH",
        &format!("/api/v1/rfqs/{id}"),
        &a.admin,
        &json!({"deadline": (app.clock.now() + chrono::Duration::days(4)).to_rfc3339()}),
    )
    .await;
    assert_eq!(ext.status, 200, "{}", ext.text);
    app.run_jobs_until_idle().await;
    let hits = up.hits();
    assert_eq!(hits.len(), 2, "the dead letter is not retried");
    let second = hits[1].clone();
    assert_eq!(
        second.header("x-coprocure-event"),
        Some("rfq.deadline_extended")
    );
    let mut conn = app.conn().await;
    use coprocure::schema::outbox_webhooks as ow;
    let dead: Vec<(String, Option<i32>)> = ow::table
        .filter(ow::event.eq("rfq.deadline_extended"))
        .filter(ow::url.like("%/hooks/coprocure"))
        .select((ow::status, ow::response_status))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(dead, [("dead".to_owned(), Some(410))]);

    // The receiver that is down: the attempt failed and is scheduled again with backoff.
    let (attempts, next, error, status): (i32, DateTime<Utc>, Option<String>, String) = ow::table
        .filter(ow::url.like(format!("%:{down_port}/%")))
        .filter(ow::event.eq("rfq.published"))
        .select((
            ow::attempts,
            ow::next_attempt_at,
            ow::last_error,
            ow::status,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(attempts, 1);
    assert!(
        next > app.clock.now() + chrono::Duration::seconds(5),
        "backoff applied"
    );
    assert!(error.unwrap().contains("error"));
    // The receiver comes up; once the retry is due it gets the same delivery, signed.
    let recovered = HttpSink::start_on(down_port).await;
    app.clock.advance(chrono::Duration::seconds(20));
    app.run_jobs_until_idle().await;
    let hits = recovered.hits();
    assert_eq!(
        hits.len(),
        2,
        "the publication and the extension, once each"
    );
    let secret = hex::decode(&ids[1].1).unwrap();
    for hit in &hits {
        assert_eq!(
            hit.header("x-coprocure-signature").unwrap(),
            format!("sha256={}", hmac_hex(&secret, &hit.body))
        );
    }
    let (status, attempts): (String, i32) = ow::table
        .filter(ow::url.like(format!("%:{down_port}/%")))
        .filter(ow::event.eq("rfq.published"))
        .select((ow::status, ow::attempts))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("sent", 2));
}

/// The canonical form as docs/api.md "Quote receipts" documents it, implemented here
/// independently of the application's code.
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let parts: Vec<String> = keys
                .iter()
                .map(|k| format!("{}:{}", Value::String((*k).clone()), canonical(&m[*k])))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn normal(d: &str) -> String {
    let d = d.trim();
    if !d.contains('.') {
        return d.to_owned();
    }
    let t = d.trim_end_matches('0').trim_end_matches('.');
    t.to_owned()
}

#[tokio::test]
async fn quotes_are_validated_revised_withdrawn_and_receipted() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let quotes = format!("/api/v1/rfqs/{}/quotes", f.rfq);

    // The receipt of the fixture's quote, recomputed from the documented canonical form.
    let q = app
        .get(&format!("/api/v1/quotes/{}", f.quote), Some(&w.s1_token))
        .await;
    assert_eq!(q.status, 200, "{}", q.text);
    let line = &q.json["lines"][0];
    let nonce = q.json["nonce"].as_str().unwrap();
    assert_eq!(nonce.len(), 64, "{nonce}");
    assert!(nonce
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    assert_eq!(f.receipt["nonce"], nonce, "the receipt carries the nonce");
    assert_eq!(f.receipt["digest"], q.json["digest"]);
    let doc = json!({
        "nonce": nonce,
        "rfq_id": f.rfq, "supplier_id": w.s1, "revision": 1,
        "submitted_at": q.json["submitted_at"],
        "quote": {
            "currency": "KRW", "incoterm": "DAP", "named_place": "Siheung plant",
            "valid_until": "2027-12-31", "lead_time_days": 21, "payment_terms": "T/T 30 days", "notes": null,
            "lines": [{"rfq_line_id": f.line, "unit_price": normal("13450000"), "freight_per_unit": normal("12.5"),
                       "insurance_per_unit": "0", "min_quantity": "1", "max_quantity": "100", "price_breaks": []}]
        }
    });
    assert_eq!(line["unit_price"], "13450000");
    let submitted_at = q.json["submitted_at"].as_str().unwrap();
    assert_eq!(
        submitted_at.len(),
        "2026-11-29T06:28:46.123456Z".len(),
        "{submitted_at}"
    );
    let expected = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical(&doc).as_bytes()))
    );
    assert_eq!(q.json["digest"], expected.as_str());

    // Validation: every problem at once, nothing stored.
    let bad = app
        .post(
            &quotes,
            Some(&w.s1_token),
            &json!({"currency": "JPY", "incoterm": "XYZ", "valid_until": "2020-01-01", "lead_time_days": 400,
                    "lines": [{"rfq_line_id": uuid::Uuid::now_v7(), "unit_price": "0", "min_quantity": "5", "max_quantity": "2",
                               "freight_per_unit": "-1",
                               "price_breaks": [{"min_quantity": "10", "unit_price": "5"}, {"min_quantity": "10", "unit_price": "6"}]}]}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let codes: Vec<(String, String)> = bad.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (field, code) in [
        ("currency", "currency_not_allowed"),
        ("incoterm", "incoterm_not_allowed"),
        ("valid_until", "before_deadline"),
        ("lead_time_days", "out_of_range"),
        ("lines[0].rfq_line_id", "unknown_line"),
        ("lines[0].unit_price", "not_positive"),
        ("lines[0].freight_per_unit", "negative"),
        ("lines[0].min_quantity", "min_above_max"),
        ("lines[0].price_breaks[1].min_quantity", "not_increasing"),
        ("lines[0].price_breaks[1].unit_price", "not_a_discount"),
    ] {
        assert!(
            codes.contains(&(field.to_owned(), code.to_owned())),
            "{field}/{code} missing in {codes:?}"
        );
    }
    // One quote per supplier.
    app.post(
        &quotes,
        Some(&w.s1_token),
        &quote_body(&f.line, "KRW", "13000000"),
    )
    .await
    .assert_problem(409, "quote_exists");

    // Revision: full replacement, revision 2, a new digest; every revision kept.
    let mut body = quote_body(&f.line, "KRW", "13200000.50");
    body["lines"][0]["price_breaks"] = json!([{"min_quantity": "30", "unit_price": "13100000"}]);
    let put = send(
        &app,
        "PUT",
        &format!("/api/v1/quotes/{}", f.quote),
        &w.s1_token,
        &body,
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json["revision"], 2);
    assert_eq!(put.json["lines"][0]["unit_price"], "13200000.5");
    assert_eq!(
        put.json["lines"][0]["price_breaks"][0]["unit_price"],
        "13100000"
    );
    assert_ne!(put.json["digest"], q.json["digest"]);
    assert_ne!(
        put.json["nonce"], q.json["nonce"],
        "a new nonce per revision"
    );
    let revs = app
        .get(
            &format!("/api/v1/quotes/{}/revisions", f.quote),
            Some(&w.s1_token),
        )
        .await;
    let items = revs.json["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["digest"], q.json["digest"]);
    assert_eq!(items[1]["digest"], put.json["digest"]);
    assert_eq!(items[0]["nonce"], q.json["nonce"]);
    assert_eq!(items[1]["nonce"], put.json["nonce"]);
    for r in items {
        let c = r["canonical"].as_str().unwrap();
        assert_eq!(canonical(&r["document"]), c, "stored document is canonical");
        assert_eq!(r["document"]["nonce"], r["nonce"]);
        assert_eq!(
            r["digest"].as_str().unwrap(),
            format!("sha256:{}", hex::encode(Sha256::digest(c.as_bytes())))
        );
    }
    assert_eq!(
        items[1]["document"]["quote"]["lines"][0]["unit_price"],
        "13200000.5"
    );

    // Supplier B cannot read, revise or withdraw A's quote; uninvited, it cannot quote.
    for (m, p) in [
        ("GET", format!("/api/v1/quotes/{}", f.quote)),
        ("GET", format!("/api/v1/quotes/{}/revisions", f.quote)),
        ("PUT", format!("/api/v1/quotes/{}", f.quote)),
        ("POST", format!("/api/v1/quotes/{}/withdraw", f.quote)),
        ("POST", quotes.clone()),
        ("GET", format!("/api/v1/rfqs/{}", f.rfq)),
    ] {
        send(&app, m, &p, &w.s2_token, &quote_body(&f.line, "KRW", "1"))
            .await
            .assert_problem(404, "not_found");
    }

    // Withdrawal is final.
    let wd = app
        .post(
            &format!("/api/v1/quotes/{}/withdraw", f.quote),
            Some(&w.s1_token),
            &json!({}),
        )
        .await;
    assert_eq!(wd.status, 200, "{}", wd.text);
    assert_eq!(wd.json["status"], "withdrawn");
    send(
        &app,
        "PUT",
        &format!("/api/v1/quotes/{}", f.quote),
        &w.s1_token,
        &body,
    )
    .await
    .assert_problem(409, "quote_withdrawn");
    let rfq = app
        .get(&format!("/api/v1/rfqs/{}", f.rfq), Some(&w.a.admin))
        .await;
    assert_eq!(rfq.json["submitted_count"], 0);

    // At the deadline nothing changes any more.
    app.clock.advance(chrono::Duration::days(2));
    let s1 = token(&app, "rep@kcopper.kr").await;
    send(
        &app,
        "PUT",
        &format!("/api/v1/quotes/{}", f.quote),
        &s1,
        &body,
    )
    .await
    .assert_problem(409, "rfq_closed");
    app.post(
        &format!("/api/v1/quotes/{}/withdraw", f.quote),
        Some(&s1),
        &json!({}),
    )
    .await
    .assert_problem(409, "rfq_closed");
    let revs = app
        .get(&format!("/api/v1/quotes/{}/revisions", f.quote), Some(&s1))
        .await;
    assert_eq!(revs.json["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn quotes_are_sealed_on_every_read_path_until_the_deadline() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let price = "13450000";
    app.run_jobs_until_idle().await;
    let s1_user = w.s1_user.clone();
    let paths = |f: &crate::helpers::world::RfqFixture| {
        vec![
            format!("/api/v1/rfqs/{}", f.rfq),
            "/api/v1/rfqs".to_owned(),
            format!("/api/v1/rfqs/{}/quotes", f.rfq),
            format!("/api/v1/quotes/{}", f.quote),
            format!("/api/v1/quotes/{}/revisions", f.quote),
            format!("/api/v1/cooperatives/{}/audit", w.a.coop),
            format!(
                "/api/v1/cooperatives/{}/audit?entity=quote&entity_id={}",
                w.a.coop, f.quote
            ),
            format!("/api/v1/rounds/{}/aggregate?format=csv", f.round),
            "/api/v1/admin/outbox".to_owned(),
        ]
    };
    for (who, tok) in [("coop_admin", &w.a.admin), ("platform_admin", &w.platform)] {
        for p in paths(&f) {
            let r = app.get(&p, Some(tok)).await;
            assert!(
                !r.text.contains(price),
                "{who} {p} shows the price: {}",
                r.text
            );
            assert!(
                !r.text.contains(&s1_user),
                "{who} {p} shows the quoting user"
            );
            assert!(
                !r.text.contains("T/T 30 days"),
                "{who} {p} shows quote terms"
            );
            if p.contains("/quotes/") {
                r.assert_problem(409, "sealed");
            } else if p.ends_with("/outbox") && who == "coop_admin" {
                assert_eq!(r.status, 403);
            } else {
                assert_eq!(r.status, 200, "{who} {p}: {}", r.text);
            }
        }
        let list = app
            .get(&format!("/api/v1/rfqs/{}/quotes", f.rfq), Some(tok))
            .await;
        assert_eq!(
            list.json,
            json!({"sealed": true, "submitted_count": 1, "items": []})
        );
        // The quote's audit event is withheld until the deadline (its time and digest are
        // the receipt's).
        let audit = app
            .get(
                &format!("/api/v1/cooperatives/{}/audit?entity=quote", w.a.coop),
                Some(tok),
            )
            .await;
        assert_eq!(audit.status, 200, "{}", audit.text);
        assert_eq!(audit.json["items"], json!([]), "{who}");
    }
    // Nothing in the outbox or the audit table carries the price either.
    let mut conn = app.conn().await;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let n: N = diesel::sql_query(format!(
        "SELECT (SELECT count(*) FROM outbox_emails WHERE payload::text LIKE '%{price}%') + \
                (SELECT count(*) FROM audit_events WHERE data::text LIKE '%{price}%') AS n"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(n.n, 0);

    // At the deadline everything opens to the buyer side.
    app.clock.advance(chrono::Duration::days(2));
    for email in ["admin-a@coop.kr", "platform@coprocure.kr"] {
        let tok = token(&app, email).await;
        let list = app
            .get(&format!("/api/v1/rfqs/{}/quotes", f.rfq), Some(&tok))
            .await;
        assert_eq!(list.json["sealed"], false);
        assert_eq!(list.json["items"][0]["lines"][0]["unit_price"], price);
        assert_eq!(list.json["items"][0]["supplier_id"], w.s1.as_str());
        let q = app
            .get(&format!("/api/v1/quotes/{}", f.quote), Some(&tok))
            .await;
        assert_eq!(q.status, 200, "{}", q.text);
        assert_eq!(q.json["incoterm"], "DAP");
        let revs = app
            .get(&format!("/api/v1/quotes/{}/revisions", f.quote), Some(&tok))
            .await;
        assert_eq!(revs.json["items"].as_array().unwrap().len(), 1);
        // Who submitted is on the revision, behind the sealing gate.
        assert_eq!(
            revs.json["items"][0]["digest"],
            list.json["items"][0]["digest"]
        );
        let audit = app
            .get(
                &format!("/api/v1/cooperatives/{}/audit?entity=quote", w.a.coop),
                Some(&tok),
            )
            .await;
        let ev = &audit.json["items"][0];
        assert_eq!(ev["action"], "quote.submitted");
        assert_eq!(ev["data"]["digest"], list.json["items"][0]["digest"]);
        // No user in the chain: its hashes would let a guessed actor be tested.
        assert_eq!(
            (ev["actor_kind"].as_str(), &ev["actor_id"]),
            (Some("system"), &Value::Null)
        );
        let keys: Vec<&String> = ev["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["digest", "revision"]);
    }
    // Another cooperative's admin still sees nothing of it.
    let b = token(&app, "admin-b@coop.kr").await;
    app.get(&format!("/api/v1/quotes/{}", f.quote), Some(&b))
        .await
        .assert_problem(404, "not_found");
}

/// Every 64-digit hex run in `text` (digests, nonces, link hashes), lower-cased, as all of
/// its 64-character windows.
fn hex64(text: &str) -> HashSet<String> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut out = HashSet::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_hexdigit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        for s in start..(i + 1).saturating_sub(64) {
            out.insert(lower[s..s + 64].to_owned());
        }
    }
    out
}

/// Every date-time in `text`: RFC 3339, or with a space for `T`, or without a zone (UTC).
fn date_times(text: &str) -> Vec<DateTime<Utc>> {
    let b = text.as_bytes();
    let shape = b"0000-00-00T00:00:00";
    let digits = |from: usize, n: usize| {
        from + n <= b.len() && b[from..from + n].iter().all(u8::is_ascii_digit)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i + shape.len() <= b.len() {
        let fits = shape.iter().enumerate().all(|(k, c)| match c {
            b'0' => b[i + k].is_ascii_digit(),
            b'T' => b[i + k] == b'T' || b[i + k] == b' ',
            c => b[i + k] == *c,
        });
        if !fits {
            i += 1;
            continue;
        }
        let mut j = i + shape.len();
        if j < b.len() && b[j] == b'.' {
            j += 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
        }
        let base = text[i..j].replacen(' ', "T", 1);
        let zone = if j < b.len() && b[j] == b'Z' {
            j += 1;
            "Z".to_owned()
        } else if j < b.len() && (b[j] == b'+' || b[j] == b'-') && digits(j + 1, 2) {
            if j + 3 < b.len() && b[j + 3] == b':' && digits(j + 4, 2) {
                j += 6;
                text[j - 6..j].to_owned()
            } else {
                j += 3;
                format!("{}:00", &text[j - 3..j])
            }
        } else {
            "Z".to_owned()
        };
        if let Ok(t) = DateTime::parse_from_rfc3339(&format!("{base}{zone}")) {
            out.push(t.to_utc());
        }
        i = j;
    }
    out
}

/// Everything one principal can read on `paths`: status, headers and bodies, every page of
/// the paged lists, and each page cursor decoded. `asked` (ids the caller put in the paths)
/// is blanked out where a response echoes it.
async fn everything_visible(app: &TestApp, tok: &str, paths: &[String], asked: &str) -> String {
    use base64::Engine;
    let mut seen = String::new();
    for p in paths {
        let mut url = p.clone();
        loop {
            let r = app.get(&url, Some(tok)).await;
            assert!(r.status < 500, "{url}: {}", r.text);
            let mut text = format!("{}\n", r.status);
            for (k, v) in &r.headers {
                text.push_str(&format!("{k}: {}\n", v.to_str().unwrap_or_default()));
            }
            text.push_str(&r.text);
            seen.push_str(&text.replace(asked, "<asked>"));
            seen.push('\n');
            let Some(cursor) = r.json.get("next_cursor").and_then(Value::as_str) else {
                break;
            };
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(cursor)
                .unwrap();
            seen.push_str(&String::from_utf8_lossy(&raw));
            seen.push('\n');
            let sep = if p.contains('?') { '&' } else { '?' };
            url = format!("{p}{sep}cursor={cursor}");
        }
    }
    seen
}

/// The attacker's grid of the issue: every field of a quote guessed from what the buyer
/// side knows (invited suppliers, the RFQ's currencies and Incoterms, usual lead times and
/// validity dates, round prices), the other fields at their true values.
struct Grid {
    rfq: String,
    suppliers: Vec<String>,
    /// Canonical `quote` objects with the field values they were built from.
    quotes: Vec<(String, Value)>,
}

impl Grid {
    fn new(rfq: &Value, line: &str, suppliers: Vec<String>) -> Self {
        let mut currencies: Vec<String> = rfq["currencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        for c in ["KRW", "USD"] {
            if !currencies.iter().any(|x| x == c) {
                currencies.push(c.to_owned());
            }
        }
        let incoterms: Vec<&Value> = rfq["incoterms"].as_array().unwrap().iter().collect();
        let mut quotes = Vec::new();
        for currency in &currencies {
            for incoterm in &incoterms {
                for lead in [14, 21, 30] {
                    for valid in ["2027-06-30", "2027-12-31"] {
                        for price in ["13000000", "13200000", "13450000", "14000000"] {
                            let q = json!({
                                "currency": currency, "incoterm": incoterm, "lead_time_days": lead,
                                "named_place": "Siheung plant", "notes": null,
                                "payment_terms": "T/T 30 days", "valid_until": valid,
                                "lines": [{"rfq_line_id": line, "unit_price": price,
                                           "freight_per_unit": "12.5", "insurance_per_unit": "0",
                                           "min_quantity": "1", "max_quantity": "100",
                                           "price_breaks": []}],
                            });
                            quotes.push((canonical(&q), q));
                        }
                    }
                }
            }
        }
        Grid {
            rfq: rfq["id"].as_str().unwrap().to_owned(),
            suppliers,
            quotes,
        }
    }

    /// A candidate document, canonical: the form without a nonce (all a guesser can
    /// build), or with one.
    fn document(
        &self,
        quote: &str,
        revision: i64,
        at: &str,
        supplier: &str,
        nonce: Option<&str>,
    ) -> String {
        let nonce = nonce.map_or(String::new(), |n| format!(r#""nonce":"{n}","#));
        format!(
            r#"{{{nonce}"quote":{quote},"revision":{revision},"rfq_id":"{}","submitted_at":"{at}","supplier_id":"{supplier}"}}"#,
            self.rfq
        )
    }
}

/// A revision as its supplier's receipt states it.
struct Receipt {
    revision: i64,
    digest: String,
    nonce: Option<String>,
    submitted_at: String,
    body: Value,
}

impl Receipt {
    fn of(r: &Value, body: &Value) -> Self {
        Receipt {
            revision: r["revision"].as_i64().unwrap(),
            digest: r["digest"].as_str().unwrap().to_owned(),
            nonce: r["nonce"].as_str().map(str::to_owned),
            submitted_at: r["submitted_at"].as_str().unwrap().to_owned(),
            body: body.clone(),
        }
    }

    fn at(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&self.submitted_at)
            .unwrap()
            .to_utc()
    }
}

/// The attack of issue 12 against what `who` saw: rebuild every candidate document over
/// the grid at the true times (as if they had leaked) and look for its digest among every
/// hex string visible. Then: no true digest or nonce, no exact time of a revision or
/// withdrawal, no id of the quote or its events is visible at all. Returns the number of
/// candidates tried.
#[track_caller]
fn assert_no_guess_confirmed(
    who: &str,
    seen: &str,
    grid: &Grid,
    receipts: &[Receipt],
    other_times: &[DateTime<Utc>],
    hidden_ids: &[String],
) -> usize {
    let hexes = hex64(seen);
    // The guesser is granted each revision's number and exact time (what the audit trail
    // used to show); neither is visible any more (below).
    let mut tried = 0;
    for (quote, _) in &grid.quotes {
        for supplier in &grid.suppliers {
            for r in receipts {
                let doc = grid.document(quote, r.revision, &r.submitted_at, supplier, None);
                let hex = hex::encode(Sha256::digest(doc.as_bytes()));
                assert!(
                    !hexes.contains(&hex),
                    "{who} can confirm a guess: sha256 of {doc} is visible"
                );
                tried += 1;
            }
        }
    }
    for r in receipts {
        let hex = r.digest.trim_start_matches("sha256:");
        assert!(
            !hexes.contains(hex),
            "{who} sees the digest of revision {}",
            r.revision
        );
        if let Some(n) = &r.nonce {
            assert!(
                !hexes.contains(n),
                "{who} sees the nonce of revision {}",
                r.revision
            );
        }
    }
    let times = date_times(seen);
    let true_times = receipts
        .iter()
        .map(Receipt::at)
        .chain(other_times.iter().copied());
    for t in true_times {
        assert!(!times.contains(&t), "{who} sees the exact time {t:?}");
    }
    for id in hidden_ids {
        assert!(!seen.contains(id.as_str()), "{who} sees the id {id}");
    }
    tried
}

#[tokio::test]
async fn a_guess_of_a_sealed_quote_is_confirmed_by_nothing_the_buyer_side_sees() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let f = w.rfq_fixture(&app).await;
    let a = &w.a;
    let rfq = app
        .get(&format!("/api/v1/rfqs/{}", f.rfq), Some(&a.admin))
        .await;
    let grid = Grid::new(&rfq.json, &f.line, vec![w.s1.clone(), w.s2.clone()]);
    let mut receipts = vec![Receipt::of(
        &f.receipt,
        &quote_body(&f.line, "KRW", "13450000"),
    )];
    // The grid holds the true quote, and with the receipt's nonce (when there is one) it
    // reproduces the receipt's digest: only the nonce is missing to a guesser.
    let reproduces = |grid: &Grid, r: &Receipt| {
        let q = &r.body;
        grid.quotes.iter().any(|(c, v)| {
            v["currency"] == q["currency"]
                && v["lead_time_days"] == q["lead_time_days"]
                && v["incoterm"] == q["incoterm"]
                && v["valid_until"] == q["valid_until"]
                && v["lines"][0]["unit_price"] == q["lines"][0]["unit_price"]
                && format!(
                    "sha256:{}",
                    hex::encode(Sha256::digest(
                        grid.document(c, r.revision, &r.submitted_at, &w.s1, r.nonce.as_deref())
                            .as_bytes()
                    ))
                ) == r.digest
        })
    };
    assert!(reproduces(&grid, &receipts[0]));
    // (The scanners below find what they look for, in the forms the API and CSV use.)
    let t = receipts[0].at();
    let forms = format!(
        "a{}b \"{}\" {};{}",
        receipts[0].submitted_at,
        t.to_rfc3339(),
        t.format("%Y-%m-%d %H:%M:%S%.6f+00"),
        t.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
            .to_rfc3339()
    );
    assert_eq!(date_times(&forms), [t, t, t, t], "{forms}");
    let hex = receipts[0].digest.trim_start_matches("sha256:");
    assert!(hex64(&format!("x{}\"", receipts[0].digest)).contains(hex));
    assert!(hex64(&hex.to_uppercase()).contains(hex));
    // (The candidate form is the documented canonical form.)
    let (c0, v0) = &grid.quotes[0];
    assert_eq!(
        grid.document(c0, 1, "2026-01-01T00:00:00.000000Z", &w.s1, Some("ab")),
        canonical(
            &json!({"nonce": "ab", "quote": v0, "revision": 1, "rfq_id": f.rfq,
            "submitted_at": "2026-01-01T00:00:00.000000Z", "supplier_id": w.s1})
        )
    );

    let paths: Vec<String> = [
        "/api/v1/rfqs?limit=200".to_owned(),
        format!("/api/v1/rfqs/{}", f.rfq),
        format!("/api/v1/rfqs/{}/quotes", f.rfq),
        format!("/api/v1/quotes/{}", f.quote),
        format!("/api/v1/quotes/{}/revisions", f.quote),
        format!("/api/v1/rfqs/{}/comparison", f.rfq),
        format!("/api/v1/rfqs/{}/comparison?format=csv", f.rfq),
        format!("/api/v1/cooperatives/{}/audit?limit=7", a.coop),
        format!("/api/v1/cooperatives/{}/audit?entity=quote", a.coop),
        format!(
            "/api/v1/cooperatives/{}/audit?entity=quote&entity_id={}",
            a.coop, f.quote
        ),
        format!("/api/v1/cooperatives/{}/audit/verify", a.coop),
        "/api/v1/admin/audit/verify".to_owned(),
        "/api/v1/admin/outbox?limit=7".to_owned(),
        format!("/api/v1/rounds/{}", f.round),
        format!("/api/v1/rounds/{}/demand", f.round),
        format!("/api/v1/rounds/{}/aggregate", f.round),
        format!("/api/v1/rounds/{}/aggregate?format=csv", f.round),
        format!("/api/v1/cooperatives/{}/rounds", a.coop),
        format!("/api/v1/cooperatives/{}", a.coop),
        "/api/v1/purchase-orders".to_owned(),
        "/api/v1/purchase-orders?format=csv".to_owned(),
        "/api/v1/suppliers".to_owned(),
        format!("/api/v1/suppliers/{}", w.s1),
        format!("/api/v1/suppliers/{}/users", w.s1),
        format!("/api/v1/users/{}", w.s1_user),
        "/api/v1/fx-rates".to_owned(),
        "/api/v1/me".to_owned(),
    ]
    .into();
    let buyers = [
        ("coop_admin", a.admin.clone()),
        ("platform_admin", w.platform.clone()),
        ("member", a.member_token.clone()),
    ];
    let mut tried = 0;
    let mut withdrawn_at = Vec::new();
    for stage in ["submitted", "revised", "withdrawn"] {
        match stage {
            "revised" => {
                let mut body = quote_body(&f.line, "KRW", "13200000");
                body["lead_time_days"] = json!(30);
                let put = send(
                    &app,
                    "PUT",
                    &format!("/api/v1/quotes/{}", f.quote),
                    &w.s1_token,
                    &body,
                )
                .await;
                assert_eq!(put.status, 200, "{}", put.text);
                receipts.push(Receipt::of(&put.json, &body));
                assert!(reproduces(&grid, &receipts[1]));
            }
            "withdrawn" => {
                let wd = app
                    .post(
                        &format!("/api/v1/quotes/{}/withdraw", f.quote),
                        Some(&w.s1_token),
                        &json!({}),
                    )
                    .await;
                assert_eq!(wd.status, 200, "{}", wd.text);
                let at = wd.json["withdrawn_at"].as_str().unwrap();
                withdrawn_at.push(DateTime::parse_from_rfc3339(at).unwrap().to_utc());
            }
            _ => {}
        }
        app.run_jobs_until_idle().await;
        // The ids of the quote and its audit events (v7 ids carry their time).
        let mut hidden: Vec<String> = coprocure::schema::audit_events::table
            .filter(coprocure::schema::audit_events::entity_id.eq(&f.quote))
            .select(coprocure::schema::audit_events::id)
            .load::<uuid::Uuid>(&mut app.conn().await)
            .await
            .unwrap()
            .into_iter()
            .map(|id| id.to_string())
            .collect();
        hidden.push(f.quote.clone());
        for (who, tok) in &buyers {
            let seen = everything_visible(&app, tok, &paths, &f.quote).await;
            tried += assert_no_guess_confirmed(
                &format!("{who} after the quote was {stage}"),
                &seen,
                &grid,
                &receipts,
                &withdrawn_at,
                &hidden,
            );
        }
        // Nor does any email: none carries a digest, nonce or time of the quote.
        let mut conn = app.conn().await;
        let payloads: Vec<Value> = coprocure::schema::outbox_emails::table
            .select(coprocure::schema::outbox_emails::payload)
            .load(&mut conn)
            .await
            .unwrap();
        let payloads = serde_json::to_string(&payloads).unwrap();
        assert_no_guess_confirmed(
            &format!("an email after the quote was {stage}"),
            &payloads,
            &grid,
            &receipts,
            &withdrawn_at,
            &hidden,
        );
    }
    eprintln!(
        "{tried} candidate documents over {} quote contents tried against everything visible",
        grid.quotes.len()
    );

    // The supplier recomputes each digest from what it sent and its receipt.
    for r in &receipts {
        let nonce = r.nonce.as_deref().expect("the receipt carries the nonce");
        let q = &r.body;
        let doc = json!({
            "nonce": nonce, "rfq_id": f.rfq, "supplier_id": w.s1, "revision": r.revision,
            "submitted_at": r.submitted_at,
            "quote": {
                "currency": q["currency"], "incoterm": q["incoterm"],
                "named_place": q["named_place"], "valid_until": q["valid_until"],
                "lead_time_days": q["lead_time_days"], "payment_terms": q["payment_terms"],
                "notes": null,
                "lines": [{"rfq_line_id": f.line, "unit_price": q["lines"][0]["unit_price"],
                           "freight_per_unit": "12.5", "insurance_per_unit": "0",
                           "min_quantity": "1", "max_quantity": "100", "price_breaks": []}],
            }
        });
        assert_eq!(
            format!(
                "sha256:{}",
                hex::encode(Sha256::digest(canonical(&doc).as_bytes()))
            ),
            r.digest
        );
    }
    assert_ne!(receipts[0].nonce, receipts[1].nonce);
    // Its own reads carry the nonces too.
    let own = app
        .get(
            &format!("/api/v1/quotes/{}/revisions", f.quote),
            Some(&w.s1_token),
        )
        .await;
    for (item, r) in own.json["items"].as_array().unwrap().iter().zip(&receipts) {
        assert_eq!(item["nonce"].as_str(), r.nonce.as_deref());
    }
    let own = app
        .get(&format!("/api/v1/quotes/{}", f.quote), Some(&w.s1_token))
        .await;
    assert_eq!(own.json["nonce"].as_str(), receipts[1].nonce.as_deref());

    // From the deadline on, the buyer side verifies every revision from the revealed
    // documents, and the audit trail shows the quote's events with their digests and times.
    app.clock.advance(chrono::Duration::days(2));
    for email in ["admin-a@coop.kr", "platform@coprocure.kr"] {
        let tok = token(&app, email).await;
        let revs = app
            .get(&format!("/api/v1/quotes/{}/revisions", f.quote), Some(&tok))
            .await;
        assert_eq!(revs.status, 200, "{}", revs.text);
        let items = revs.json["items"].as_array().unwrap();
        assert_eq!(items.len(), 2);
        for (item, r) in items.iter().zip(&receipts) {
            let c = item["canonical"].as_str().unwrap();
            assert_eq!(canonical(&item["document"]), c);
            assert_eq!(item["document"]["nonce"], item["nonce"]);
            assert_eq!(item["nonce"].as_str(), r.nonce.as_deref());
            let digest = format!("sha256:{}", hex::encode(Sha256::digest(c.as_bytes())));
            assert_eq!(item["digest"], digest.as_str());
            assert_eq!(digest, r.digest, "the supplier's receipt");
        }
        let audit = app
            .get(
                &format!(
                    "/api/v1/cooperatives/{}/audit?entity=quote&entity_id={}",
                    a.coop, f.quote
                ),
                Some(&tok),
            )
            .await;
        let events: Vec<(String, String, DateTime<Utc>)> = audit.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["data"]["digest"].as_str().unwrap().to_owned(),
                    DateTime::parse_from_rfc3339(e["at"].as_str().unwrap())
                        .unwrap()
                        .to_utc(),
                )
            })
            .collect();
        assert_eq!(
            events,
            [
                (
                    "quote.withdrawn".to_owned(),
                    receipts[1].digest.clone(),
                    withdrawn_at[0]
                ),
                (
                    "quote.revised".to_owned(),
                    receipts[1].digest.clone(),
                    receipts[1].at()
                ),
                (
                    "quote.submitted".to_owned(),
                    receipts[0].digest.clone(),
                    receipts[0].at()
                ),
            ]
        );
        let v = app
            .get(
                &format!("/api/v1/cooperatives/{}/audit/verify", a.coop),
                Some(&tok),
            )
            .await;
        assert_eq!(v.json["ok"], true, "{}", v.text);
    }
}

#[tokio::test]
async fn fifty_submissions_straddling_the_deadline_commit_only_before_it() {
    let app = TestApp::spawn_with(&[("COPROCURE_DB_POOL_SIZE", "12")]).await;
    let w = World::build(&app).await;
    // 50 suppliers, each with a user.
    let mut suppliers = Vec::new();
    for i in 0..50 {
        let s = app
            .post(
                "/api/v1/suppliers",
                Some(&w.platform),
                &json!({"name": format!("Racer {i}"), "country": "US", "tax_id": format!("US{i:09}"), "default_currency": "USD", "contact_email": format!("racer{i}@race.example")}),
            )
            .await;
        assert_eq!(s.status, 201, "{}", s.text);
        let id = s.json["id"].as_str().unwrap().to_owned();
        let u = app
            .post(
                &format!("/api/v1/suppliers/{id}/users"),
                Some(&w.platform),
                &json!({"email": format!("u{i}@race.example"), "name": "R", "password": PASSWORD}),
            )
            .await;
        assert_eq!(u.status, 201, "{}", u.text);
        suppliers.push(id);
    }
    let tokens = futures_util::future::join_all((0..50).map(|i| {
        let app = &app;
        async move { token(app, &format!("u{i}@race.example")).await }
    }))
    .await;
    let round = closed_round(&app, &w).await;
    app.post(
        &format!("/api/v1/rounds/{round}/close"),
        Some(&w.a.admin),
        &json!({}),
    )
    .await;
    // Close enough that the tokens (15 min) outlive the jump past it.
    let deadline = app.clock.now() + chrono::Duration::minutes(5);
    let rfq = app
        .post(
            &format!("/api/v1/rounds/{round}/rfqs"),
            Some(&w.a.admin),
            &json!({"title": "Race", "deadline": deadline.to_rfc3339(), "supplier_ids": suppliers, "delivery_place": "Ansan", "currencies": ["USD"]}),
        )
        .await;
    let id = rfq.json["id"].as_str().unwrap().to_owned();
    let line = rfq.json["lines"][0]["id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/rfqs/{id}/publish"),
        Some(&w.a.admin),
        &json!({}),
    )
    .await;

    // Group A (30) starts at once; when 10 of its responses are back the clock jumps past
    // the deadline and group B (20) starts, while the rest of A is still in flight.
    let path = format!("/api/v1/rfqs/{id}/quotes");
    let (first_tx, first_rx) = tokio::sync::watch::channel(0usize);
    let (advanced_tx, advanced_rx) = tokio::sync::watch::channel(false);
    let submit = |i: usize| {
        let (app, path, line, tok) = (&app, path.clone(), line.clone(), tokens[i].clone());
        let (first_tx, mut advanced_rx) = (first_tx.clone(), advanced_rx.clone());
        async move {
            if i >= 30 {
                advanced_rx.wait_for(|a| *a).await.unwrap();
            }
            let r = app
                .post(
                    &path,
                    Some(&tok),
                    &quote_body(&line, "USD", &format!("{}.25", 9000 + i)),
                )
                .await;
            first_tx.send_modify(|n| *n += 1);
            r
        }
    };
    let advance = async {
        let mut rx = first_rx.clone();
        rx.wait_for(|n| *n >= 10).await.unwrap();
        app.clock.advance(chrono::Duration::minutes(5));
        advanced_tx.send(true).unwrap();
    };
    let (results, ()) = tokio::join!(futures_util::future::join_all((0..50).map(submit)), advance);
    let mut accepted = 0;
    for (i, r) in results.iter().enumerate() {
        match r.status {
            201 => {
                accepted += 1;
                let at: DateTime<Utc> = r.json["submitted_at"].as_str().unwrap().parse().unwrap();
                assert!(at < deadline, "accepted at {at}, deadline {deadline}");
                assert!(
                    i < 30,
                    "a submission started after the deadline was accepted"
                );
            }
            409 => r.assert_problem(409, "rfq_closed"),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    eprintln!("deadline race: {accepted} of 50 accepted (30 started before the jump)");
    assert!(
        accepted >= 10,
        "{accepted} accepted: the 10 answered before the jump must be"
    );
    assert!(accepted <= 30);
    // The database agrees: exactly the accepted quotes, all before the deadline.
    let mut conn = app.conn().await;
    use coprocure::schema::{quote_revisions as qr, quotes as q};
    let stored: Vec<DateTime<Utc>> = q::table
        .filter(q::rfq_id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .select(q::submitted_at)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), accepted);
    assert!(stored.iter().all(|t| *t < deadline));
    let revisions: i64 = qr::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(revisions as usize, accepted);
    // Deliver what the test's actions queued.
    app.run_jobs_until_idle().await;
}
