//! The progress report for the referring physician and its share links (issue 14).

use chrono::Duration;
use entity::share_link_view;
use fascia_tests::{Actor, TestApp, spawn_app};
use reqwest::header;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

struct Cast {
    therapist: Actor,
    patient: Actor,
    other_therapist: Actor,
    admin: Actor,
}

async fn cast(app: &TestApp) -> Cast {
    let w = app.world().await;
    Cast { therapist: w.therapist_x, patient: w.patient_a, other_therapist: w.therapist_y, admin: w.admin }
}

fn patient_id(c: &Cast) -> Uuid {
    c.patient.patient_id.unwrap()
}

fn t(c: &Cast) -> Option<&str> {
    Some(c.therapist.access_token.as_str())
}

async fn consent(app: &TestApp, c: &Cast) {
    let body = json!({ "consent_physician_sharing": true });
    app.patch(&format!("/api/v1/patients/{}", patient_id(c)), t(c), &body).await.expect(200);
}

/// A week of pain and stress check-ins and two NPRS answers, before the test clock's now.
async fn history(app: &TestApp, c: &Cast) {
    let items: Vec<Value> = (0..8)
        .map(|i| {
            json!({ "id": Uuid::new_v4(), "recorded_at": format!("2026-05-{:02}T08:00:00Z", 24 + i),
                    "pain": 7 - i / 2, "stress": 6 - i / 3, "context": "daily" })
        })
        .collect();
    app.post("/api/v1/me/check-ins", Some(&c.patient.access_token), &json!({ "items": items })).await.expect(200);
    let measures = format!("/api/v1/patients/{}/measures", patient_id(c));
    app.post(&measures, t(c), &json!({ "instrument": "nprs", "every_days": 7 })).await.expect(201);
    for (at, score) in [("2026-05-25T09:00:00Z", 7), ("2026-05-31T09:00:00Z", 4)] {
        let body = json!({ "id": Uuid::new_v4(), "instrument": "nprs", "recorded_at": at, "answers": [score] });
        app.post("/api/v1/me/measure-responses", Some(&c.patient.access_token), &body).await.expect(201);
    }
}

/// A past session with a note whose assessment is `assessment`, signed or left a draft.
async fn session(app: &TestApp, c: &Cast, day: &str, assessment: &str, signed: bool) {
    let slot = json!({ "starts_at": format!("{day}T09:00:00Z"), "ends_at": format!("{day}T10:00:00Z") });
    let appt = app.post(&format!("/api/v1/patients/{}/appointments", patient_id(c)), t(c), &slot).await.expect(201);
    let id = appt["id"].as_str().unwrap();
    let note = json!({ "assessment": assessment, "plan": "Continue twice weekly.", "pain_before": 6, "pain_after": 3 });
    app.put(&format!("/api/v1/appointments/{id}/note"), t(c), &note).await.expect(200);
    if signed {
        app.post(&format!("/api/v1/appointments/{id}/note/sign"), t(c), &json!({})).await.expect(200);
    }
}

async fn report_html(app: &TestApp, c: &Cast, query: &str) -> String {
    let path = format!("/api/v1/patients/{}/report?{query}", patient_id(c));
    let body = app.get(&path, t(c)).await.expect(200);
    body.as_str().expect("an HTML page").to_owned()
}

async fn share(app: &TestApp, c: &Cast, body: Value) -> Value {
    app.post(&format!("/api/v1/patients/{}/share-links", patient_id(c)), t(c), &body).await.expect(201)
}

/// The path part of a share URL.
fn shared_path(created: &Value) -> String {
    let url = created["url"].as_str().unwrap();
    url[url.find("/shared/").unwrap()..].to_owned()
}

async fn visit(app: &TestApp, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url(path)).header(header::USER_AGENT, "PhysicianBrowser/1.0");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, cookie);
    }
    req.send().await.unwrap()
}

async fn send_code(app: &TestApp, path: &str, code: &str) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header(header::USER_AGENT, "PhysicianBrowser/1.0")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("code={code}"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn report_numbers_equal_the_apis_trends_and_measures_for_the_same_period() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    history(&app, &c).await;
    let period = "from=2026-05-24&to=2026-06-01";

    let trends = app.get(&format!("/api/v1/patients/{}/trends?{period}", patient_id(&c)), t(&c)).await.expect(200);
    let html = report_html(&app, &c, period).await;

    let changes = trends["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 2, "pain and stress both compare with a baseline: {trends}");
    for change in changes {
        let f = |k: &str| change[k].as_f64().unwrap();
        let row = format!(
            "<tr><td>{}</td><td>{:.2}</td><td>{:.2}</td><td>{:+.2}</td>",
            change["metric"].as_str().unwrap(),
            f("baseline"),
            f("current"),
            f("change")
        );
        assert!(html.contains(&row), "the report shows {row}");
    }
    let nprs = trends["measures"].as_array().unwrap().iter().find(|m| m["instrument"] == "nprs").unwrap();
    let points = nprs["points"].as_array().unwrap();
    let (first, last) = (&points[0], &points[points.len() - 1]);
    let cell = |p: &Value| format!("<td>{} ({})</td>", p["score"].as_f64().unwrap(), p["local_date"].as_str().unwrap());
    assert!(html.contains(&format!("{}{}", cell(first), cell(last))), "NPRS first and last as in trends");
    assert!(html.contains("Pat Patient") && html.contains("Clinic One"));
}

#[tokio::test]
async fn the_pdf_parses_and_holds_the_patients_name_and_the_chart_titles() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    history(&app, &c).await;
    session(&app, &c, "2026-05-28", "Better rotation.", true).await;
    let path = format!("/api/v1/patients/{}/report?format=pdf", patient_id(&c));

    let resp = app.client.get(app.url(&path)).bearer_auth(&c.therapist.access_token).send().await.unwrap();

    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pdf");
    let bytes = resp.bytes().await.unwrap();
    let doc = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf can read");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).expect("text extracts");
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("Pat Patient"), "name in {text}");
    for title in [
        fascia::services::report::charts::PAIN_TITLE,
        fascia::services::report::charts::FUNCTION_TITLE,
        fascia::services::report::charts::ADHERENCE_TITLE,
        fascia::services::report::charts::ROM_TITLE,
        fascia::services::report::charts::SESSIONS_TITLE,
    ] {
        assert!(text.contains(title), "chart title {title:?} in the PDF text");
    }
}

#[tokio::test]
async fn only_signed_session_notes_appear_in_the_report() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    session(&app, &c, "2026-05-27", "Draft words never shared.", false).await;
    session(&app, &c, "2026-05-29", "Signed words for the physician.", true).await;

    let html = report_html(&app, &c, "from=2026-05-20&to=2026-06-01").await;

    assert!(html.contains("Signed words for the physician."));
    assert!(!html.contains("Draft words never shared."));
    assert!(html.contains("<td>2</td>"), "both sessions count as scheduled: attendance table");
}

#[tokio::test]
async fn the_report_page_allows_no_script_and_no_outside_resource() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/patients/{}/report", patient_id(&c));

    let reply = app.get(&path, t(&c)).await;

    assert_eq!(reply.status, 200);
    assert_eq!(reply.headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
    let csp = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("style-src 'sha256-"), "{csp}");
    let html = reply.body.as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("style=\""));
    assert_eq!(html.matches("<svg").count(), 5, "five charts");
}

#[tokio::test]
async fn bad_report_queries_are_refused_and_another_clinic_gets_404() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let base = format!("/api/v1/patients/{}/report", patient_id(&c));

    app.get(&format!("{base}?format=docx"), t(&c)).await.expect(400);
    app.get(&format!("{base}?from=2026-06-01&to=2026-05-01"), t(&c)).await.expect_error(422, "validation_failed");
    app.get(&format!("{base}?from=2024-01-01&to=2026-05-01"), t(&c)).await.expect_error(422, "validation_failed");
    app.get(&format!("{base}?from=yesterday"), t(&c)).await.expect(400);
    app.get(&base, Some(&c.other_therapist.access_token)).await.expect_error(404, "not_found");
    let other = json!({});
    let links = format!("/api/v1/patients/{}/share-links", patient_id(&c));
    app.post(&links, Some(&c.other_therapist.access_token), &other).await.expect_error(404, "not_found");
    app.get(&format!("/api/v1/patients/{}/report", Uuid::new_v4()), t(&c)).await.expect_error(404, "not_found");
}

#[tokio::test]
async fn a_link_is_refused_without_the_patients_consent_and_the_check_is_audited() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let path = format!("/api/v1/patients/{}/share-links", patient_id(&c));

    app.post(&path, t(&c), &json!({})).await.expect_error(409, "consent_required");

    let audit = format!("/api/v1/audit-events?patient_id={}&action=share_link.consent_check", patient_id(&c));
    let events = app.get(&audit, Some(&c.admin.access_token)).await.expect(200);
    assert_eq!(events["items"][0]["outcome"], "denied");
    assert!(app.get(&path, t(&c)).await.expect(200).as_array().unwrap().is_empty());
    consent(&app, &c).await;
    share(&app, &c, json!({})).await;
    let events = app.get(&audit, Some(&c.admin.access_token)).await.expect(200);
    assert_eq!(events["items"][0]["outcome"], "success");
}

#[tokio::test]
async fn bad_link_requests_change_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    consent(&app, &c).await;
    let path = format!("/api/v1/patients/{}/share-links", patient_id(&c));

    for body in [
        json!({ "expires_in_days": 91 }),
        json!({ "expires_in_days": 0 }),
        json!({ "expires_in_days": "soon" }),
        json!({ "token": "mine" }),
        json!({ "from": "2026-06-01", "to": "2026-05-01" }),
    ] {
        let reply = app.post(&path, t(&c), &body).await;
        assert!(reply.status.is_client_error(), "{body} gave {}", reply.status);
    }
    assert!(app.get(&path, t(&c)).await.expect(200).as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_shared_report_is_frozen_audited_and_closes_when_it_expires() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    consent(&app, &c).await;
    session(&app, &c, "2026-05-28", "Shared assessment.", true).await;
    let created = share(&app, &c, json!({ "expires_in_days": 2 })).await;
    assert!(created.get("code").is_none());
    assert_eq!(created["link"]["status"], "active");
    let path = shared_path(&created);
    assert_eq!(path.len(), "/shared/".len() + 43, "256 bits in URL-safe base64");
    session(&app, &c, "2026-05-30", "Written after sharing.", true).await;

    let resp = visit(&app, &path, None).await;

    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
    assert!(h["x-robots-tag"].to_str().unwrap().contains("noindex"));
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().unwrap().starts_with("default-src 'none'"));
    let page = resp.text().await.unwrap();
    assert!(page.contains("Shared assessment.") && !page.contains("Written after sharing."), "frozen");
    assert!(page.contains(&format!("{path}/report.pdf")));
    let pdf = visit(&app, &format!("{path}/report.pdf"), None).await;
    assert_eq!(pdf.headers()[header::CONTENT_TYPE], "application/pdf");

    let views =
        share_link_view::Entity::find().order_by_asc(share_link_view::Column::At).all(&app.state.db).await.unwrap();
    assert_eq!(views.len(), 2);
    assert_eq!(views[0].outcome, share_link_view::Outcome::Shown);
    assert_eq!(views[1].outcome, share_link_view::Outcome::Pdf);
    assert_eq!(views[0].address, "127.0.0.1");
    assert_eq!(views[0].user_agent.as_deref(), Some("PhysicianBrowser/1.0"));
    let audit = format!("/api/v1/audit-events?patient_id={}&action=share_link.view", patient_id(&c));
    let events = app.get(&audit, Some(&c.admin.access_token)).await.expect(200);
    assert_eq!(events["items"].as_array().unwrap().len(), 2);

    app.clock.advance(Duration::days(2));
    let resp = visit(&app, &path, None).await;
    assert_eq!(resp.status(), 410);
    let page = resp.text().await.unwrap();
    assert!(page.contains("expired") && page.contains("Clinic One") && !page.contains("Pat Patient"));
}

#[tokio::test]
async fn a_revoked_link_closes_for_the_therapist_and_for_the_patient() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    consent(&app, &c).await;
    let first = share(&app, &c, json!({})).await;
    let second = share(&app, &c, json!({})).await;
    let p = Some(c.patient.access_token.as_str());
    let mine = app.get("/api/v1/me/share-links", p).await.expect(200);
    assert_eq!(mine.as_array().unwrap().len(), 2);

    let first_id = first["link"]["id"].as_str().unwrap();
    let by_therapist = format!("/api/v1/patients/{}/share-links/{first_id}", patient_id(&c));
    app.delete(&by_therapist, t(&c)).await.expect(204);
    let second_id = second["link"]["id"].as_str().unwrap();
    app.delete(&format!("/api/v1/me/share-links/{second_id}"), p).await.expect(204);

    for created in [&first, &second] {
        let resp = visit(&app, &shared_path(created), None).await;
        assert_eq!(resp.status(), 410);
        let page = resp.text().await.unwrap();
        assert!(page.contains("withdrawn") && page.contains("Clinic One") && !page.contains("Pat Patient"));
    }
    let listed = app.get(&format!("/api/v1/patients/{}/share-links", patient_id(&c)), t(&c)).await.expect(200);
    assert!(listed.as_array().unwrap().iter().all(|l| l["status"] == "revoked"));
    app.delete(&by_therapist, t(&c)).await.expect(204);
}

#[tokio::test]
async fn a_coded_link_wants_its_code_and_locks_after_five_wrong_ones() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    consent(&app, &c).await;
    let created = share(&app, &c, json!({ "require_code": true })).await;
    let code = created["code"].as_str().unwrap().to_owned();
    assert!(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let path = shared_path(&created);

    let form = visit(&app, &path, None).await;
    assert_eq!(form.status(), 200);
    let page = form.text().await.unwrap();
    assert!(page.contains("Enter the code") && !page.contains("Pat Patient"));
    assert_eq!(visit(&app, &format!("{path}/report.pdf"), None).await.status(), 200, "the form again, not the PDF");

    for _ in 0..5 {
        assert_eq!(send_code(&app, &path, wrong).await.status(), 403);
    }
    let locked = send_code(&app, &path, &code).await;
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key(header::RETRY_AFTER));

    app.clock.advance(Duration::minutes(16));
    let opened = send_code(&app, &path, &code).await;
    assert_eq!(opened.status(), 200);
    let cookie = opened.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    assert!(opened.text().await.unwrap().contains("Pat Patient"));
    let pair = cookie.split(';').next().unwrap();
    let pdf = visit(&app, &format!("{path}/report.pdf"), Some(pair)).await;
    assert_eq!(pdf.headers()[header::CONTENT_TYPE], "application/pdf");
    let forged = visit(&app, &format!("{path}/report.pdf"), Some("fascia_share=00")).await;
    assert_ne!(forged.headers()[header::CONTENT_TYPE], "application/pdf");
}

#[tokio::test]
async fn unknown_tokens_name_no_clinic_and_guessing_is_throttled_per_address() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    consent(&app, &c).await;
    let created = share(&app, &c, json!({})).await;

    for junk in ["x", "..%2F..%2Fetc%2Fpasswd", &"A".repeat(43), &"B".repeat(4000)] {
        let resp = visit(&app, &format!("/shared/{junk}"), None).await;
        assert_eq!(resp.status(), 404, "{junk}");
        let page = resp.text().await.unwrap();
        assert!(!page.contains("Clinic One"));
    }
    // Not UTF-8 once decoded: refused before any lookup.
    assert_eq!(visit(&app, "/shared/%00%ff", None).await.status(), 400);
    for _ in 0..16 {
        visit(&app, &format!("/shared/{}", Uuid::new_v4()), None).await;
    }
    let blocked = visit(&app, &shared_path(&created), None).await;
    assert_eq!(blocked.status(), 429, "20 failures from one address block it");
    app.clock.advance(Duration::minutes(16));
    assert_eq!(visit(&app, &shared_path(&created), None).await.status(), 200);
}

#[tokio::test]
async fn text_from_the_record_is_escaped_in_the_report() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = app.patient_record(&c.therapist, "Eve <script>alert(1)</script>").await;

    let reply = app.get(&format!("/api/v1/patients/{id}/report"), t(&c)).await.expect(200);

    let html = reply.as_str().unwrap();
    assert!(html.contains("Eve &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("<script"));
}
