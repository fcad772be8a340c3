use entity::exercise;
use fascia_tests::spawn_app;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

fn titles(page: &Value) -> Vec<String> {
    page["items"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_owned()).collect()
}

fn my_stretch() -> Value {
    json!({
        "title": "Towel neck glide",
        "summary": "A gentle glide with a towel.",
        "regions": ["neck", "upper_back"],
        "steps": ["Hold a towel behind your neck.", "Glide back gently."],
        "cautions": ["Stop if it hurts."],
        "default_dosage": { "sets": 2, "reps": 8, "hold_seconds": 3, "side": "none", "times_per_day": 2 }
    })
}

#[tokio::test]
async fn the_built_in_library_is_seeded_and_filterable_by_region_and_title() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Library Clinic").await;
    let t = Some(admin.access_token.as_str());

    let all = app.get("/api/v1/exercises?limit=200", t).await.expect(200);
    assert!(all["items"].as_array().unwrap().len() >= 30);
    assert!(all["items"].as_array().unwrap().iter().all(|e| e["builtin"] == true));
    let jaw = app.get("/api/v1/exercises?region=jaw", t).await.expect(200);
    assert!(!jaw["items"].as_array().unwrap().is_empty());
    assert!(jaw["items"].as_array().unwrap().iter().all(|e| e["regions"].as_array().unwrap().contains(&json!("jaw"))));
    let chin = app.get("/api/v1/exercises?search=CHIN", t).await.expect(200);
    assert!(titles(&chin).iter().any(|t| t.to_lowercase().contains("chin tuck")));
    app.get("/api/v1/exercises?region=elbow", t).await.expect_error(400, "bad_request");

    let lessons = app.get("/api/v1/lessons?limit=200", t).await.expect(200);
    assert!(lessons["items"].as_array().unwrap().len() >= 12);
    let breathing = app.get("/api/v1/lessons?topic=breathing", t).await.expect(200);
    assert!(breathing["items"].as_array().unwrap().iter().all(|l| l["topic"] == "breathing"));
    let first = &lessons["items"][0];
    assert!((1..=3).contains(&first["questions"].as_array().unwrap().len()));
}

#[tokio::test]
async fn exercise_steps_are_stored_as_compact_json_text_and_a_corrupt_text_is_a_server_error() {
    let app = spawn_app().await;
    let w = app.world().await;
    let x = Some(w.therapist_x.access_token.as_str());
    let mine = app.post("/api/v1/exercises", x, &my_stretch()).await.expect(201);
    let id: Uuid = mine["id"].as_str().unwrap().parse().unwrap();
    let stored_steps = || {
        exercise::Entity::find_by_id(id)
            .select_only()
            .column(exercise::Column::Steps)
            .into_tuple::<String>()
            .one(&app.state.db)
    };

    assert_eq!(
        stored_steps().await.unwrap().as_deref(),
        Some(r#"["Hold a towel behind your neck.","Glide back gently."]"#)
    );
    exercise::Entity::update_many()
        .col_expr(exercise::Column::Steps, Expr::value("{not json"))
        .filter(exercise::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();

    app.get(&format!("/api/v1/exercises/{id}"), x).await.expect_error(500, "internal");
}

#[tokio::test]
async fn exercise_regions_are_stored_as_fenced_words_the_filter_finds_and_an_unknown_word_is_a_server_error() {
    let app = spawn_app().await;
    let w = app.world().await;
    let x = Some(w.therapist_x.access_token.as_str());
    let mine = app.post("/api/v1/exercises", x, &my_stretch()).await.expect(201);
    let id: Uuid = mine["id"].as_str().unwrap().parse().unwrap();
    let stored = exercise::Entity::find_by_id(id)
        .select_only()
        .column(exercise::Column::Regions)
        .into_tuple::<String>()
        .one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored.as_deref(), Some(",neck,upper_back,"));
    let upper_back = app.get("/api/v1/exercises?region=upper_back&limit=200", x).await.expect(200);
    assert!(upper_back["items"].as_array().unwrap().iter().any(|e| e["id"] == mine["id"]));
    let jaw = app.get("/api/v1/exercises?region=jaw&limit=200", x).await.expect(200);
    assert!(jaw["items"].as_array().unwrap().iter().all(|e| e["id"] != mine["id"]));

    exercise::Entity::update_many()
        .col_expr(exercise::Column::Regions, Expr::value(",neck,elbowish,"))
        .filter(exercise::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();

    app.get(&format!("/api/v1/exercises/{id}"), x).await.expect_error(500, "internal");
}

#[tokio::test]
async fn seeding_again_on_restart_does_not_duplicate_the_library() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Reseed Clinic").await;
    let before = app.get("/api/v1/exercises?limit=200", Some(&admin.access_token)).await.expect(200);
    fascia::services::library_seed::seed(&app.state.db, app.clock_now()).await.unwrap();
    let after = app.get("/api/v1/exercises?limit=200", Some(&admin.access_token)).await.expect(200);
    assert_eq!(before["items"].as_array().unwrap().len(), after["items"].as_array().unwrap().len());
}

#[tokio::test]
async fn a_clinic_adds_edits_and_copies_items_that_other_clinics_never_see() {
    let app = spawn_app().await;
    let w = app.world().await;
    let x = Some(w.therapist_x.access_token.as_str());

    let mine = app.post("/api/v1/exercises", x, &my_stretch()).await.expect(201);
    assert_eq!(mine["builtin"], false);
    let path = format!("/api/v1/exercises/{}", mine["id"].as_str().unwrap());
    let mut edited = my_stretch();
    edited["title"] = json!("Towel neck glide, seated");
    assert_eq!(
        app.request(reqwest::Method::PUT, &path, x, Some(&edited)).await.expect(200)["title"],
        "Towel neck glide, seated"
    );

    app.get(&path, Some(&w.therapist_y.access_token)).await.expect_error(404, "not_found");
    let theirs = app.get("/api/v1/exercises?search=towel%20neck", Some(&w.therapist_y.access_token)).await.expect(200);
    assert!(theirs["items"].as_array().unwrap().iter().all(|e| e["id"] != mine["id"]));

    let builtin = &app.get("/api/v1/exercises?search=chin%20tuck", x).await.expect(200)["items"][0];
    let builtin_path = format!("/api/v1/exercises/{}", builtin["id"].as_str().unwrap());
    app.request(reqwest::Method::PUT, &builtin_path, x, Some(&edited)).await.expect_error(409, "conflict");
    let copy = app.post(&format!("{builtin_path}/copy"), x, &json!({})).await.expect(201);
    assert_eq!(copy["source_id"], builtin["id"]);
    assert_eq!(copy["steps"], builtin["steps"]);
    assert_eq!(copy["builtin"], false);
}

#[tokio::test]
async fn an_admin_hides_a_built_in_from_the_clinic_library_only() {
    let app = spawn_app().await;
    let w = app.world().await;
    let a = Some(w.admin.access_token.as_str());
    let builtin = app.get("/api/v1/exercises?search=cat-cow", a).await.expect(200)["items"][0].clone();
    let id = builtin["id"].as_str().unwrap();

    let hide = app
        .request(reqwest::Method::PUT, &format!("/api/v1/exercises/{id}/hidden"), a, Some(&json!({ "hidden": true })))
        .await;
    assert_eq!(hide.status, 204);

    let list = app.get("/api/v1/exercises?search=cat-cow", a).await.expect(200);
    assert!(list["items"].as_array().unwrap().is_empty());
    let with_hidden = app.get("/api/v1/exercises?search=cat-cow&include_hidden=true", a).await.expect(200);
    assert_eq!(with_hidden["items"][0]["hidden"], true);
    let other_clinic = app.get("/api/v1/exercises?search=cat-cow", Some(&w.therapist_y.access_token)).await.expect(200);
    assert_eq!(other_clinic["items"].as_array().unwrap().len(), 1);

    app.request(reqwest::Method::PUT, &format!("/api/v1/exercises/{id}/hidden"), a, Some(&json!({ "hidden": false })))
        .await;
    assert_eq!(app.get("/api/v1/exercises?search=cat-cow", a).await.expect(200)["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn insane_dosages_and_incomplete_items_are_refused() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Sanity Clinic").await;
    let t = Some(admin.access_token.as_str());
    for (field, value) in [("hold_seconds", 601), ("times_per_day", 11), ("sets", 0), ("reps", 101)] {
        let mut body = my_stretch();
        body["default_dosage"][field] = json!(value);
        app.post("/api/v1/exercises", t, &body).await.expect_error(422, "validation_failed");
    }
    let mut body = my_stretch();
    body["regions"] = json!([]);
    let refused = app.post("/api/v1/exercises", t, &body).await.expect_error(422, "validation_failed");
    assert_eq!(refused["details"][0]["field"], "regions");
    body = my_stretch();
    body["media_urls"] = json!(["http://insecure.example/video"]);
    app.post("/api/v1/exercises", t, &body).await.expect_error(422, "validation_failed");
    let lesson = json!({ "title": "L", "topic": "posture", "minutes": 3, "body": "b",
        "questions": [{ "prompt": "q", "options": ["a", "b"], "correct": 5, "explanation": "e" }] });
    app.post("/api/v1/lessons", t, &lesson).await.expect_error(422, "validation_failed");
    let mine = app.get("/api/v1/exercises?limit=200", t).await.expect(200);
    assert!(mine["items"].as_array().unwrap().iter().all(|e| e["builtin"] == true), "nothing was created");
}
