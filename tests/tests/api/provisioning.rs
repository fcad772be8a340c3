//! Command-line provisioning (create-admin, demo) and migrations under concurrency.

use fascia::{
    config::Settings,
    services::provisioning::{self, ProvisionError},
};
use fascia_tests::spawn_app;
use std::collections::HashMap;

#[tokio::test]
async fn the_demo_seeds_logins_that_work_and_can_be_rerun() {
    let app = spawn_app().await;
    let logins = provisioning::seed_demo(&app.state.db, app.clock_now()).await.unwrap();
    assert_eq!(
        logins.iter().map(|l| l.role.as_str()).collect::<Vec<_>>(),
        ["admin", "therapist", "patient", "patient"]
    );
    let again = provisioning::seed_demo(&app.state.db, app.clock_now()).await.unwrap();
    app.login(&logins[1].email, &logins[1].password).await.expect(401);
    let tokens = app.login(&again[1].email, &again[1].password).await.expect(200);
    let roster = app.get("/api/v1/patients", tokens["access_token"].as_str()).await.expect(200);
    assert_eq!(roster["items"].as_array().unwrap().len(), 2, "rerunning does not duplicate patients");

    // The first demo patient has history to look at: check-ins, a measure due, a session booked.
    let patient = app.login(&again[2].email, &again[2].password).await.expect(200);
    let token = patient["access_token"].as_str();
    let trends = app.get("/api/v1/me/trends", token).await.expect(200);
    assert_eq!(trends["days"].as_array().unwrap().iter().filter(|d| d["pain"].is_object()).count(), 14);
    assert_eq!(trends["baseline"]["pain"], 6.0);
    let today = app.get("/api/v1/me/today", token).await.expect(200);
    assert!(today["next_appointment"].is_object());
    assert_eq!(today["measures_due"][0]["instrument"], "nprs");
}

#[tokio::test]
async fn the_demo_refuses_a_database_with_real_clinics() {
    let app = spawn_app().await;
    app.clinic_admin("Real Clinic").await;
    let result = provisioning::seed_demo(&app.state.db, app.clock_now()).await;
    assert!(matches!(result, Err(ProvisionError::RealClinicsPresent)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_from_several_replicas_all_succeed() {
    let app = spawn_app().await;
    let url = app.state.settings.database_url.expose().to_owned();
    let settings = Settings::from_map(&HashMap::from([("FASCIA_DATABASE_URL".to_owned(), url)])).unwrap();
    let runs = (0..3).map(|_| {
        let settings = settings.clone();
        tokio::spawn(async move { fascia::startup::connect_and_migrate(&settings).await.map(|_| ()) })
    });
    for result in futures::future::join_all(runs).await {
        result.unwrap().expect("migration under concurrency");
    }
    assert!(fascia::db::is_ready(&app.state.db).await);
}
