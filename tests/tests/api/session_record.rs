//! The treatment record on a session note: techniques, regions, position, pressure, the
//! patient's response, timed procedure minutes and their units by the 8-minute rule,
//! the procedure-code catalogue, and refusals of words and numbers off the lists.

use fascia_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

use crate::session_notes::{Cast, cast, session};

fn note_path(id: &str) -> String {
    format!("/api/v1/appointments/{id}/note")
}

async fn put(app: &TestApp, c: &Cast, id: &str, body: &Value) -> fascia_tests::Reply {
    app.put(&note_path(id), Some(&c.therapist.access_token), body).await
}

fn units_of(note: &Value) -> Vec<(String, u64, u64)> {
    note["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap().to_owned(), p["minutes"].as_u64().unwrap(), p["units"].as_u64().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_treatment_given_is_stored_and_read_back_with_repeats_kept_once() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let body = json!({
        "subjective": "Low back ache after gardening.",
        "techniques": ["myofascial_release", "trigger_point", "myofascial_release"],
        "regions": ["lower_back", "hip", "lower_back"],
        "position": "prone",
        "pressure": "firm",
        "response": "Guarding eased; could bend further without pain.",
        "procedures": [{ "code": "97140", "minutes": 25 }],
    });

    let written = put(&app, &c, &id, &body).await.expect(200);

    let read = app.get(&note_path(&id), Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(read, written);
    assert_eq!(read["techniques"], json!(["myofascial_release", "trigger_point"]));
    assert_eq!(read["regions"], json!(["lower_back", "hip"]));
    assert_eq!((read["position"].clone(), read["pressure"].clone()), (json!("prone"), json!("firm")));
    assert_eq!(read["response"], "Guarding eased; could bend further without pain.");
    assert_eq!(read["procedures"][0]["label"], "Manual therapy: mobilisation and myofascial work");
}

#[tokio::test]
async fn a_note_without_the_new_fields_has_an_empty_record_and_no_units() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    put(&app, &c, &id, &json!({ "techniques": ["cupping"], "procedures": [{ "code": "97124", "minutes": 30 }] }))
        .await
        .expect(200);

    // An older client rewrites the draft with SOAP text only: the record empties with it.
    let note = put(&app, &c, &id, &json!({ "subjective": "Only SOAP." })).await.expect(200);

    assert_eq!((note["techniques"].clone(), note["regions"].clone()), (json!([]), json!([])));
    assert!(note.get("position").is_none() && note.get("pressure").is_none());
    assert_eq!((note["response"].clone(), note["procedures"].clone()), (json!(""), json!([])));
    assert_eq!((note["total_timed_minutes"].clone(), note["total_units"].clone()), (json!(0), json!(0)));
}

#[tokio::test]
async fn units_follow_the_eight_minute_rule_at_its_edges() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let mut seen = Vec::new();

    for minutes in [7, 8, 22, 23, 37, 38] {
        let body = json!({ "procedures": [{ "code": "97124", "minutes": minutes }] });
        let note = put(&app, &c, &id, &body).await.expect(200);
        assert_eq!(note["total_timed_minutes"], minutes);
        assert_eq!(note["procedures"][0]["units"], note["total_units"]);
        seen.push((minutes, note["total_units"].as_u64().unwrap()));
    }

    assert_eq!(seen, [(7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3)]);
}

#[tokio::test]
async fn mixed_codes_share_the_units_of_their_total_minutes() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let cases = [
        // 33 + 7 = 40 minutes, 3 units: two full blocks of 97110, and 97140's 7 leftover
        // minutes beat 97110's 3 for the last unit.
        (json!([{ "code": "97110", "minutes": 33 }, { "code": "97140", "minutes": 7 }]), 3, vec![2, 1]),
        // 7 + 7 = 14 minutes: one unit, to the first of two equal codes.
        (json!([{ "code": "97140", "minutes": 7 }, { "code": "97112", "minutes": 7 }]), 1, vec![1, 0]),
        // 4 + 3 = 7 minutes: none.
        (json!([{ "code": "97530", "minutes": 4 }, { "code": "97110", "minutes": 3 }]), 0, vec![0, 0]),
        // 20 + 20 + 20 = 60 minutes, 4 units: a block each, the fourth to the first listed.
        (
            json!([{ "code": "97124", "minutes": 20 }, { "code": "97140", "minutes": 20 },
                   { "code": "97530", "minutes": 20 }]),
            4,
            vec![2, 1, 1],
        ),
    ];

    for (procedures, total, per_code) in cases {
        let note = put(&app, &c, &id, &json!({ "procedures": procedures })).await.expect(200);
        assert_eq!(note["total_units"], total, "{procedures}");
        let units: Vec<u64> = units_of(&note).into_iter().map(|(_, _, u)| u).collect();
        assert_eq!(units, per_code, "{procedures}");
    }
    let read = app.get(&note_path(&id), Some(&c.therapist.access_token)).await.expect(200);
    let codes: Vec<String> = units_of(&read).into_iter().map(|(code, _, _)| code).collect();
    assert_eq!(codes, ["97124", "97140", "97530"], "listed order is kept");
}

#[tokio::test]
async fn words_and_minutes_off_the_lists_are_refused_with_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let c = cast(&app).await;
    let id = session(&app, &c, "2026-06-01").await;
    let kept = json!({ "subjective": "Kept.", "techniques": ["swedish"],
        "procedures": [{ "code": "97124", "minutes": 20 }] });
    put(&app, &c, &id, &kept).await.expect(200);
    let code = |code: Value, minutes: Value| json!({ "procedures": [{ "code": code, "minutes": minutes }] });

    let refused = [
        (code(json!("97999"), json!(10)), "procedures[0].code"),
        (code(json!(""), json!(10)), "procedures[0].code"),
        (code(json!("97140"), json!(0)), "minutes"),
        (code(json!("97140"), json!(121)), "minutes"),
        (code(json!("97140"), json!(-5)), "minutes"),
        (code(json!("97140"), json!(i64::MAX)), "minutes"),
        (
            json!({ "procedures": [{ "code": "97140", "minutes": 10 }, { "code": "97140", "minutes": 5 }] }),
            "procedures[1].code",
        ),
        (json!({ "techniques": ["swedish", "reiki"] }), "techniques[1]"),
        (json!({ "regions": ["neck", "tail"] }), "regions[1]"),
        (json!({ "position": "upside_down" }), "position"),
        (json!({ "pressure": "crushing" }), "pressure"),
        (json!({ "response": "x".repeat(2001) }), "response"),
    ];
    for (body, field) in refused {
        let reply = put(&app, &c, &id, &body).await.expect_error(422, "validation_failed");
        assert_eq!(reply["details"][0]["field"], field, "{body}");
    }
    // Not a word at all, or not a whole number: the body cannot be read.
    for body in [
        code(json!(97140), json!(10)),
        code(json!("97140"), json!("ten")),
        code(json!("97140"), json!(7.5)),
        json!({ "techniques": [3] }),
        json!({ "procedures": [{ "code": "97140" }] }),
        json!({ "procedures": [{ "code": "97140", "minutes": 10, "units": 5 }] }),
    ] {
        put(&app, &c, &id, &body).await.expect_error(400, "bad_request");
    }

    let read = app.get(&note_path(&id), Some(&c.therapist.access_token)).await.expect(200);
    assert_eq!(read["subjective"], "Kept.");
    assert_eq!((read["techniques"].clone(), read["total_units"].clone()), (json!(["swedish"]), json!(1)));
    assert_eq!(read["version"], 1);
}

#[tokio::test]
async fn the_procedure_code_catalogue_lists_each_code_once_with_a_label_and_the_rule() {
    let app = spawn_app().await;
    let c = cast(&app).await;

    let catalogue = app.get("/api/v1/procedure-codes", Some(&c.therapist.access_token)).await.expect(200);

    let codes: Vec<&str> = catalogue["codes"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["97124", "97140", "97110", "97112", "97530"]);
    assert!(catalogue["codes"].as_array().unwrap().iter().all(|e| e["label"].as_str().is_some_and(|l| l.len() > 10)));
    assert!(catalogue["unit_rule"].as_str().unwrap().contains("8"));
}
