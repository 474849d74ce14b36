//! The award report page over HTTP: a member reads its own allocation only, in Korean and
//! English; a supplier gets 404.

use crate::helpers::visitor::Visitor;
use crate::helpers::{TestApp, PASSWORD};
use crate::transparency::{setup, PREFIX};

#[tokio::test]
async fn a_member_reads_the_report_with_only_its_own_allocation_and_a_supplier_gets_404() {
    let app = TestApp::spawn_with(&[("COPROCURE_OCDS_PREFIX", PREFIX)]).await;
    let s = setup(&app).await;
    let path = format!("/rfqs/{}/report", s.rfq);

    let member = Visitor::new(&app);
    member.sign_in("user-a@member.kr", PASSWORD).await;
    let r = member.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for word in [
        "Korea Copper",
        "Saigon Metals",
        "Incheon Nonferrous",
        "PO-",
        "Member a",
    ] {
        assert!(r.text.contains(word), "{word}");
    }
    assert!(!r.text.contains("Hanil Precision"), "another member's name");
    let v = member.get(&format!("{path}?verify=1")).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert!(v.text.contains("role=\"status\""));

    let admin = Visitor::new(&app);
    admin.sign_in("admin-a@coop.kr", PASSWORD).await;
    let r = admin.get(&path).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("Hanil Precision") && r.text.contains("Member a"));

    let supplier = Visitor::new(&app);
    supplier.sign_in("rep@kcopper.kr", PASSWORD).await;
    assert_eq!(supplier.get(&path).await.status, 404);
    let _ = &s.line;
}
