//! A member's pages over plain HTTP: demand entry with typed separators, the per-render
//! form key (a double submit stores one line), edit and delete while open, read-only after
//! the close, and no trace of another member anywhere a member can reach.

use std::collections::{BTreeSet, VecDeque};

use coprocure::clock::Clock;
use serde_json::{json, Value};

use crate::helpers::visitor::{csrf_of, Visitor};
use crate::helpers::world::{quote_body, World, BIZ};
use crate::helpers::{token, TestApp, PASSWORD};

/// The value of the first `name="{name}"` input at or after `from` in `html`.
fn input_after(html: &str, from: &str, name: &str) -> String {
    let start = html.find(from).unwrap_or_else(|| panic!("no `{from}`"));
    let needle = format!("name=\"{name}\" value=\"");
    let at = html[start..]
        .find(&needle)
        .unwrap_or_else(|| panic!("no {name} after {from}"))
        + start
        + needle.len();
    html[at..].split('"').next().unwrap().to_owned()
}

async fn lines_of(app: &TestApp, round: &str, token: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/rounds/{round}/demand"), Some(token))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.json["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_member_enters_edits_and_deletes_demand_once_per_form_and_not_after_the_close() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let v = Visitor::new(&app);
    v.sign_in("user-a@member.kr", PASSWORD).await;
    let round_path = format!("/rounds/{}", w.a.round);
    let page = v.get(&round_path).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(
        page.text.contains("Siheung plant"),
        "the own line is listed"
    );
    // Only units that convert exactly to the material's base unit (TNE) are offered.
    assert!(page.text.contains("<option value=\"KGM\""));
    assert!(!page.text.contains("<option value=\"LTR\""));
    let csrf = csrf_of(&page.text);
    let form = format!("id=\"entry-{}\"", w.a.material);
    let key = input_after(&page.text, &form, "_key");
    let add = format!("/rounds/{}/own-demand", w.a.round);
    let fields = |key: &str, quantity: &str| {
        vec![
            ("_csrf".to_owned(), csrf.clone()),
            ("_key".to_owned(), key.to_owned()),
            ("material_id".to_owned(), w.a.material.clone()),
            ("quantity".to_owned(), quantity.to_owned()),
            ("unit".to_owned(), "KGM".to_owned()),
            ("required_by".to_owned(), "2027-06-30".to_owned()),
            ("delivery_site".to_owned(), "Ansan plant".to_owned()),
        ]
    };
    let post = |f: Vec<(String, String)>| {
        let v = &v;
        let add = add.clone();
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
            v.post(&add, &pairs).await
        }
    };

    // A double click: two posts of one rendered form at once, then a third later.
    let (one, two) = tokio::join!(post(fields(&key, "1,250.5")), post(fields(&key, "1,250.5")));
    let again = post(fields(&key, "1,250.5")).await;
    for r in [&one, &two, &again] {
        assert_eq!(r.status, 303, "{}", r.text);
        assert_eq!(
            r.header("location"),
            Some(format!("/rounds/{}#my-lines", w.a.round).as_str())
        );
    }
    let ansan: Vec<Value> = lines_of(&app, &w.a.round, &w.a.member_token)
        .await
        .into_iter()
        .filter(|l| l["delivery_site"] == "Ansan plant")
        .collect();
    assert_eq!(ansan.len(), 1, "one line for one rendered form: {ansan:?}");
    assert_eq!(ansan[0]["quantity"], "1250.5");
    assert_eq!(ansan[0]["unit"], "KGM");
    assert_eq!(ansan[0]["quantity_base"], "1.2505");
    let line = ansan[0]["id"].as_str().unwrap().to_owned();
    // The same key with other values is refused, nothing stored.
    let other = post(fields(&key, "99")).await;
    assert_eq!(other.status, 409, "{}", other.text);
    assert_eq!(lines_of(&app, &w.a.round, &w.a.member_token).await.len(), 2);

    // The page shows the line and its converted quantity.
    let page = v.get(&round_path).await;
    assert!(page.text.contains("1,250.5 KGM"), "{}", page.text);
    assert!(page.text.contains("1.2505 TNE"));

    // A malformed number is refused inline, the input kept; nothing stored.
    let fresh = input_after(&page.text, &form, "_key");
    let bad = post(fields(&fresh, "1,25")).await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    assert!(bad.text.contains("value=\"1,25\""));
    assert!(bad.text.contains("aria-invalid=\"true\""));
    assert!(bad.text.contains("숫자로 입력하세요"));
    // The refused form's key was released: the corrected post with it runs.
    let ok = post(fields(&fresh, "2,000")).await;
    assert_eq!(ok.status, 303, "{}", ok.text);
    assert_eq!(lines_of(&app, &w.a.round, &w.a.member_token).await.len(), 3);

    // Edit the line.
    let edit = format!("/rounds/{}/own-demand/{line}", w.a.round);
    let form_page = v.get(&edit).await;
    assert_eq!(form_page.status, 200, "{}", form_page.text);
    assert!(form_page.text.contains("value=\"1,250.5\""));
    let saved = v
        .post(
            &edit,
            &[
                ("_csrf", &csrf),
                ("quantity", "3,000"),
                ("unit", "KGM"),
                ("required_by", "2027-07-15"),
                ("delivery_site", "Ansan plant 2"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.text);
    let edited = app
        .get(
            &format!("/api/v1/rounds/{}/demand", w.a.round),
            Some(&w.a.member_token),
        )
        .await
        .json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["id"] == line.as_str())
        .cloned()
        .unwrap();
    assert_eq!(edited["quantity_base"], "3");
    assert_eq!(edited["delivery_site"], "Ansan plant 2");
    // A required-by date before the close is refused inline.
    let early = v
        .post(
            &edit,
            &[
                ("_csrf", &csrf),
                ("quantity", "3,000"),
                ("unit", "KGM"),
                ("required_by", "2026-01-01"),
                ("delivery_site", "Ansan plant 2"),
            ],
        )
        .await;
    assert_eq!(early.status, 422, "{}", early.text);
    assert!(early.text.contains("required_by-error"));

    // Delete it: a double click answers the first deletion's redirect both times.
    let page = v.get(&round_path).await;
    let delete = format!("/rounds/{}/own-demand/{line}/delete", w.a.round);
    let del_key = input_after(&page.text, &format!("action=\"{delete}\""), "_key");
    for _ in 0..2 {
        let r = v
            .post(&delete, &[("_csrf", &csrf), ("_key", &del_key)])
            .await;
        assert_eq!(r.status, 303, "{}", r.text);
    }
    let left = lines_of(&app, &w.a.round, &w.a.member_token).await;
    assert_eq!(left.len(), 2);
    assert!(left.iter().all(|l| l["id"] != line.as_str()));

    // Another member's line (coop B) is out of reach: 404.
    let foreign = format!("/rounds/{}/own-demand/{}", w.b.round, w.b.demand_line);
    assert_eq!(v.get(&foreign).await.status, 404);

    // After the close: read-only.
    let page = v.get(&round_path).await;
    let last_key = input_after(&page.text, &form, "_key");
    let closed = app
        .post(
            &format!("/api/v1/rounds/{}/close", w.a.round),
            Some(&w.a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let page = v.get(&round_path).await;
    assert!(page.text.contains("마감된 수요조사입니다"));
    assert!(!page.text.contains("own-demand\" class=\"card demand-form"));
    assert!(!page.text.contains("delete-line"));
    let late = post(fields(&last_key, "5")).await;
    assert_eq!(late.status, 409, "{}", late.text);
    let some_line = left[0]["id"].as_str().unwrap();
    let edit_closed = v
        .get(&format!("/rounds/{}/own-demand/{some_line}", w.a.round))
        .await;
    assert_eq!(edit_closed.status, 303);
    assert_eq!(lines_of(&app, &w.a.round, &w.a.member_token).await.len(), 2);
    app.run_jobs_until_idle().await;
}

/// Every same-site link of `html` worth following (no sign-out, assets or API).
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.split('#').next().unwrap_or("").to_owned())
        .filter(|h| {
            h.starts_with('/')
                && !h.starts_with("/static")
                && !h.starts_with("/api")
                && !h.starts_with("//")
                && h != "/logout"
        })
        .collect()
}

#[tokio::test]
async fn member_pages_never_show_another_member() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let a = &w.a;
    // A rival member of the same cooperative, with demand in the same rounds.
    let rival = app
        .post(
            &format!("/api/v1/cooperatives/{}/members", a.coop),
            Some(&a.admin),
            &json!({"name": "Rival Steel", "business_number": BIZ[5], "membership": "regular", "contact_email": "boss@rival.kr"}),
        )
        .await;
    assert_eq!(rival.status, 201, "{}", rival.text);
    let r = app
        .post(
            &format!("/api/v1/cooperatives/{}/users", a.coop),
            Some(&a.admin),
            &json!({"email": "rival@member.kr", "name": "Rival Person", "role": "member", "member_id": rival.json["id"], "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let rival_token = token(&app, "rival@member.kr").await;
    let demand = |round: String, token: String, qty: &'static str, site: &'static str| {
        let app = &app;
        let material = a.material.clone();
        async move {
            let r = app
                .post(
                    &format!("/api/v1/rounds/{round}/demand"),
                    Some(&token),
                    &json!({"material_id": material, "quantity": qty, "unit": "TNE", "required_by": "2027-06-30", "delivery_site": site}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text);
        }
    };
    demand(a.round.clone(), rival_token.clone(), "77", "Rival yard").await;

    // A round that goes all the way to a PO allocated to both members.
    let round = app
        .post(
            &format!("/api/v1/cooperatives/{}/rounds", a.coop),
            Some(&a.admin),
            &json!({"title": "Round a3", "closes_at": (app.clock.now() + chrono::Duration::days(1)).to_rfc3339()}),
        )
        .await;
    let round = round.json["id"].as_str().unwrap().to_owned();
    let opened = app
        .post(
            &format!("/api/v1/rounds/{round}/open"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    demand(round.clone(), a.member_token.clone(), "40", "Siheung plant").await;
    demand(round.clone(), rival_token.clone(), "60", "Rival yard").await;
    let closed = app
        .post(
            &format!("/api/v1/rounds/{round}/close"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let rfq = app
        .post(
            &format!("/api/v1/rounds/{round}/rfqs"),
            Some(&a.admin),
            &json!({"title": "Copper Q2", "deadline": (app.clock.now() + chrono::Duration::days(2)).to_rfc3339(), "supplier_ids": [w.s1], "delivery_place": "Siheung plant"}),
        )
        .await;
    assert_eq!(rfq.status, 201, "{}", rfq.text);
    let rfq_id = rfq.json["id"].as_str().unwrap().to_owned();
    let line = rfq.json["lines"][0]["id"].as_str().unwrap().to_owned();
    let published = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/publish"),
            Some(&a.admin),
            &json!({}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text);
    let quote = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/quotes"),
            Some(&w.s1_token),
            &quote_body(&line, "KRW", "13450000"),
        )
        .await;
    assert_eq!(quote.status, 201, "{}", quote.text);
    app.clock.advance(chrono::Duration::days(3));
    // Access tokens expired with the jump.
    let admin = token(&app, "admin-a@coop.kr").await;
    let awarded = app
        .post(
            &format!("/api/v1/rfqs/{rfq_id}/award"),
            Some(&admin),
            &json!({"lines": [{"rfq_line_id": line, "allocations": [{"quote_id": quote.json["id"], "quantity": "100"}]}]}),
        )
        .await;
    assert_eq!(awarded.status, 201, "{}", awarded.text);
    let po = awarded.json["purchase_orders"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.run_jobs_until_idle().await;

    // Member A's user walks every page it can reach, in both languages.
    let forbidden = [
        "Rival Steel",
        "Rival Person",
        "rival@member.kr",
        "Rival yard",
        "boss@rival.kr",
        "77 TNE",
        "60 TNE",
    ];
    for lang in ["ko", "en"] {
        let mut v = Visitor::new(&app);
        v.accept_language = Some(if lang == "ko" { "ko-KR" } else { "en-US" });
        v.sign_in("user-a@member.kr", PASSWORD).await;
        let mut seen = BTreeSet::new();
        let mut queue = VecDeque::from(["/".to_owned()]);
        while let Some(p) = queue.pop_front() {
            if !seen.insert(p.clone()) || seen.len() > 80 {
                continue;
            }
            let r = v.get(&p).await;
            assert!(
                r.status == 200 || r.status == 303,
                "{p}: {} {}",
                r.status,
                r.text
            );
            for bad in forbidden {
                assert!(!r.text.contains(bad), "{p} ({lang}) shows {bad}");
            }
            queue.extend(links(&r.text));
        }
        for must in [
            "/".to_owned(),
            "/rounds".to_owned(),
            format!("/rounds/{}", a.round),
            format!("/rounds/{round}"),
            format!("/purchase-orders/{po}"),
        ] {
            assert!(seen.contains(&must), "{lang}: reached {must}: {seen:?}");
        }
        assert!(
            seen.iter().any(|p| p.contains("/own-demand/")),
            "the edit page was reached: {seen:?}"
        );
        // The home page shows the member's own allocation: 40 TNE of the 100.
        let home = v.get("/").await;
        assert!(home.text.contains("40 TNE"), "{}", home.text);
        assert!(home.text.contains(&format!("/purchase-orders/{po}")));
    }
}
