//! Every protected operation in the spec refuses every kind of forged or misused token.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Duration;
use entity::Role;
use fascia::auth::jwt::Subject;
use fascia_tests::{TestApp, spawn_app};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::LineEnding;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
}

fn sign(header: Header, claims: &Value, pem: &str) -> String {
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap()).unwrap()
}

fn es256(kid: &str) -> Header {
    let mut h = Header::new(Algorithm::ES256);
    h.kid = Some(kid.to_owned());
    h.typ = Some("at+jwt".into());
    h
}

/// The claims of a token the server issued (its signature is not checked here).
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url payload")).expect("JSON claims")
}

/// The server's key id, read from a token it issued.
fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

/// Operations of the spec that declare a security requirement, as (method, path).
pub async fn protected_operations(app: &TestApp) -> Vec<(Method, String)> {
    let spec = app.get("/api/openapi.json", None).await.expect(200);
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_some_and(|s| !s.as_array().unwrap().is_empty()) {
                let path = path.replace("{id}", &Uuid::now_v7().to_string());
                ops.push((method.to_uppercase().parse().unwrap(), path));
            }
        }
    }
    assert!(ops.len() >= 10, "expected the protected operations, found {ops:?}");
    ops
}

#[tokio::test]
async fn forged_and_misused_tokens_get_401_on_every_protected_operation() {
    let app = spawn_app().await;
    let admin = app.clinic_admin("Forgery Clinic").await;
    let server_pem = std::fs::read_to_string(app.data_dir.join("jwt-es256.pem")).expect("dev key file");
    let kid = kid_of(&admin.access_token);
    let other_pem = fascia::auth::jwt::generate_private_key_pem();
    let now = app.clock_now().timestamp();
    let me = app.get("/api/v1/me", Some(&admin.access_token)).await.expect(200);
    let session = claims_of(&admin.access_token)["sid"].clone();
    let good = json!({
        "iss": "fascia", "aud": "fascia-api", "sub": admin.user_id, "iat": now, "exp": now + 600,
        "role": "admin", "cid": me["clinic_id"], "sid": session,
    });
    let with = |patch: Value| {
        let mut c = good.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    // Control: a token signed like the server's own is accepted, so the refusals below
    // are about the forgery, not about the test's token building.
    let control = sign(es256(&kid), &good, &server_pem);
    app.get("/api/v1/me", Some(&control)).await.expect(200);

    let public_pem = {
        use p256::pkcs8::{DecodePrivateKey, EncodePublicKey};
        p256::SecretKey::from_pkcs8_pem(&server_pem).unwrap().public_key().to_public_key_pem(LineEnding::LF).unwrap()
    };
    let mut hs_header = Header::new(Algorithm::HS256);
    hs_header.kid = Some(kid.clone());
    hs_header.typ = Some("at+jwt".into());
    let hs_confused =
        jsonwebtoken::encode(&hs_header, &good, &EncodingKey::from_secret(public_pem.as_bytes())).unwrap();
    let alg_none = format!("{}.{}.", b64(&json!({ "alg": "none", "typ": "at+jwt", "kid": kid })), b64(&good));
    let mut untyped = es256(&kid);
    untyped.typ = Some("JWT".into());
    let subject = Subject {
        user: admin.user_id,
        role: Role::Admin,
        clinic: me["clinic_id"].as_str().unwrap().parse().unwrap(),
        patient: None,
    };
    let expired = app.state.jwt.issue(
        subject,
        session.as_str().unwrap().parse().unwrap(),
        app.clock_now() - Duration::minutes(20),
    );

    let forged: Vec<(&str, String)> = vec![
        ("alg none", alg_none),
        ("wrong key", sign(es256(&kid), &good, &other_pem)),
        ("HS256 keyed with the public key", hs_confused),
        ("expired beyond leeway", expired),
        ("wrong audience", sign(es256(&kid), &with(json!({ "aud": "someone-else" })), &server_pem)),
        ("wrong issuer", sign(es256(&kid), &with(json!({ "iss": "evil" })), &server_pem)),
        ("missing exp", sign(es256(&kid), &with(json!({ "exp": null })), &server_pem)),
        ("missing role", sign(es256(&kid), &with(json!({ "role": null })), &server_pem)),
        ("missing session", sign(es256(&kid), &with(json!({ "sid": null })), &server_pem)),
        ("unknown session", sign(es256(&kid), &with(json!({ "sid": Uuid::now_v7() })), &server_pem)),
        ("role escalation in claims", sign(es256(&kid), &with(json!({ "role": "therapist" })), &server_pem)),
        ("unknown kid", sign(es256("no-such-key"), &good, &server_pem)),
        ("no explicit token type", sign(untyped, &good, &server_pem)),
        ("refresh token as access token", admin.refresh_token.clone()),
        ("garbage", "not.a.jwt".into()),
    ];

    for (method, path) in protected_operations(&app).await {
        for (what, token) in &forged {
            let reply = app.request(method.clone(), &path, Some(token), Some(&json!({}))).await;
            assert_eq!(reply.status, 401, "{what} on {method} {path}: {}", reply.body);
            assert_eq!(reply.body["code"], "unauthorized");
        }
        let reply = app.request(method.clone(), &path, None, Some(&json!({}))).await;
        assert_eq!(reply.status, 401, "no token on {method} {path}");
    }
}
