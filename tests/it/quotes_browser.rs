//! A supplier on a phone (390 × 844) in real Chromium: the inbox, a quote with two price
//! breaks typed with thousands separators, the receipt whose digest the test recomputes
//! from the documented canonical form, a revision, a withdrawal; no page scrolls sideways,
//! and axe-core finds nothing serious on any supplier page in Korean or English.

use fantoccini::{Client, Locator};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::browser::{
    assert_accessible, check_pages, click_and_wait, fill, path, screenshot, scrolls_sideways,
    sign_in, text, wait_css, with_browser, Viewport,
};
use crate::helpers::world::World;
use crate::helpers::{TestApp, PASSWORD};
use crate::quotes_pages::open_rfq;

/// The canonical form as docs/api.md "Quote receipts" documents it (keys sorted at every
/// level, no whitespace), written here independently of the application's code.
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

/// The digest of a receipt: what the test typed, and the receipt's revision, time and
/// nonce as the page shows them.
fn digest(
    receipt: &(String, String, String),
    rfq: &str,
    supplier: &str,
    revision: i64,
    content: Value,
) -> String {
    let (_, submitted_at, nonce) = receipt;
    let doc = json!({
        "nonce": nonce, "rfq_id": rfq, "supplier_id": supplier, "revision": revision,
        "submitted_at": submitted_at, "quote": content,
    });
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical(&doc).as_bytes()))
    )
}

/// (digest, submitted_at, nonce) as the receipt page shows them.
async fn receipt_of(c: &Client) -> (String, String, String) {
    let get = |css: &'static str| async move { wait_css(c, css).await.text().await.unwrap() };
    (
        get("#digest").await,
        get("#submitted-at").await,
        get("#nonce").await,
    )
}

async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![json!(id), json!(value)],
    )
    .await
    .unwrap();
}

async fn value_of(c: &Client, css: &str) -> String {
    wait_css(c, css)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_supplier_quotes_revises_and_withdraws_on_a_phone() {
    let app = TestApp::spawn().await;
    let w = World::build(&app).await;
    let (rfq, line) = open_rfq(&app, &w, "Copper Q4", &[&w.s1]).await;
    // A second RFQ left unquoted: its page shows the blank form for the accessibility check.
    let (rfq2, _) = open_rfq(&app, &w, "Copper Q5", &[&w.s1]).await;
    let (app_ref, w_ref, rfq_ref) = (&app, &w, &rfq);
    with_browser("quotes", Viewport::Phone, |c| async move {
        let (app, rfq) = (app_ref, rfq_ref.clone());
        sign_in(&c, app, "rep@kcopper.kr", PASSWORD).await;
        // Home: the RFQs awaiting a quote.
        assert!(text(&c).await.contains("견적을 기다리는 요청"));
        assert!(text(&c).await.contains("Copper Q4"));
        assert!(!scrolls_sideways(&c).await, "home");
        c.goto(&app.url("/rfqs")).await.unwrap();
        let inbox = text(&c).await;
        assert!(inbox.contains("Coop a") && inbox.contains("미제출"), "{inbox}");
        assert!(!scrolls_sideways(&c).await, "inbox");
        screenshot(&c, "quotes-inbox-phone-ko").await;
        click_and_wait(&c, &format!("a[href='/rfqs/{rfq}']")).await;
        assert!(text(&c)
            .await
            .contains("마감 시각 전에는 구매 조합이 귀사의 가격을 볼 수 없습니다"));
        assert!(!scrolls_sideways(&c).await, "form");

        // The script adds a fourth break row and removes it again.
        let rows = |c: Client| async move {
            c.find_all(Locator::Css(".break-row")).await.unwrap().len()
        };
        assert_eq!(rows(c.clone()).await, 3);
        wait_css(&c, "[data-add-break]").await.click().await.unwrap();
        assert_eq!(rows(c.clone()).await, 4);
        wait_css(&c, "#l0-b3-min_quantity").await;
        let last = c.find_all(Locator::Css("[data-remove-break]")).await.unwrap();
        last[3].click().await.unwrap();
        assert_eq!(rows(c.clone()).await, 3);

        set_value(&c, "currency", "KRW").await;
        set_value(&c, "incoterm", "DAP").await;
        fill(&c, "#named_place", "Busan port").await;
        set_value(&c, "valid_until", "2027-12-31").await;
        fill(&c, "#lead_time_days", "21").await;
        fill(&c, "#l0-unit_price", "9,500").await;
        fill(&c, "#l0-b0-min_quantity", "20").await;
        fill(&c, "#l0-b0-unit_price", "9,420.50").await;
        fill(&c, "#l0-b1-min_quantity", "35").await;
        fill(&c, "#l0-b1-unit_price", "9,390.25").await;
        screenshot(&c, "quote-form-phone-ko").await;
        click_and_wait(&c, "#submit-quote").await;

        // The receipt.
        assert!(path(&c).await.starts_with("/quotes/"), "{}", path(&c).await);
        let page = text(&c).await;
        assert!(page.contains("견적이 접수되었습니다"), "{page}");
        assert!(page.contains("1차"));
        let content = |price: &str| {
            json!({
                "currency": "KRW", "incoterm": "DAP", "named_place": "Busan port",
                "valid_until": "2027-12-31", "lead_time_days": 21, "payment_terms": null, "notes": null,
                "lines": [{"rfq_line_id": line, "unit_price": price, "freight_per_unit": "0",
                           "insurance_per_unit": "0", "min_quantity": "0", "max_quantity": null,
                           "price_breaks": [{"min_quantity": "20", "unit_price": "9420.5"},
                                            {"min_quantity": "35", "unit_price": "9390.25"}]}]
            })
        };
        let first = receipt_of(&c).await;
        assert_eq!(
            first.0,
            digest(&first, &rfq, &w_ref.s1, 1, content("9500")),
            "the receipt's digest, recomputed"
        );
        assert!(!scrolls_sideways(&c).await, "receipt");
        screenshot(&c, "quote-receipt-phone-ko").await;

        // Revise: the form holds the current revision.
        click_and_wait(&c, "#revise").await;
        assert_eq!(value_of(&c, "#l0-unit_price").await, "9,500");
        assert_eq!(value_of(&c, "#l0-b1-unit_price").await, "9,390.25");
        assert_eq!(value_of(&c, "#named_place").await, "Busan port");
        fill(&c, "#l0-unit_price", "9,450").await;
        click_and_wait(&c, "#submit-quote").await;
        let second = receipt_of(&c).await;
        assert_ne!(second.0, first.0);
        assert_eq!(second.0, digest(&second, &rfq, &w_ref.s1, 2, content("9450")));
        let page = text(&c).await;
        assert!(page.contains("2차 (현재)"), "{page}");
        assert!(page.contains(&first.0), "the history keeps revision 1's digest");
        let receipt = path(&c).await;
        let quote = receipt
            .trim_start_matches("/quotes/")
            .split('?')
            .next()
            .unwrap()
            .to_owned();

        // Every supplier page, Korean then English, before the quote is withdrawn.
        let pages = [
            "/".to_owned(),
            "/rfqs".to_owned(),
            format!("/rfqs/{rfq}"),
            format!("/rfqs/{rfq2}"),
            format!("/quotes/{quote}"),
            format!("/quotes/{quote}/revise"),
            format!("/quotes/{quote}/withdraw"),
        ];
        let mut checked = 0;
        check_pages(&c, app, "supplier", &pages, &mut checked).await;
        for p in &pages {
            c.goto(&app.url(p)).await.unwrap();
            wait_css(&c, "main").await;
            assert!(!scrolls_sideways(&c).await, "{p} (en)");
        }
        c.goto(&app.url(&format!("/quotes/{quote}"))).await.unwrap();
        screenshot(&c, "quote-receipt-phone-en").await;
        // A form with errors, in English.
        c.goto(&app.url(&format!("/rfqs/{rfq2}"))).await.unwrap();
        fill(&c, "#l0-unit_price", "1,25").await;
        click_and_wait(&c, "#submit-quote").await;
        assert!(text(&c).await.contains("Enter a number, e.g. 9,420.50."));
        assert_eq!(value_of(&c, "#l0-unit_price").await, "1,25");
        assert_accessible(&c, "quote form with errors (en)").await;
        assert!(!scrolls_sideways(&c).await, "form with errors");
        screenshot(&c, "quote-form-errors-phone-en").await;

        // Withdraw, with a confirmation.
        c.goto(&app.url(&format!("/rfqs/{rfq}"))).await.unwrap();
        click_and_wait(&c, "#withdraw").await;
        assert!(text(&c).await.contains("Withdraw your quote?"));
        click_and_wait(&c, "#withdraw-confirm").await;
        assert_eq!(path(&c).await, format!("/rfqs/{rfq}?withdrawn=1"));
        let page = text(&c).await;
        assert!(page.contains("Your quote was withdrawn."), "{page}");
        assert!(c.find(Locator::Css("#revise")).await.is_err(), "no revising now");
        assert!(!scrolls_sideways(&c).await, "withdrawn");
        eprintln!("axe-checked {checked} supplier pages");
    })
    .await;
    let q = app
        .get(&format!("/api/v1/rfqs/{rfq}"), Some(&w.s1_token))
        .await;
    assert_eq!(q.json["my_quote"]["status"], "withdrawn");
    assert_eq!(q.json["my_quote"]["revision"], 2);
}
