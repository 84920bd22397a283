//! Start-up that refuses to run weaker than configured, and one answer per authentication fault.
//!
//! - Inside Lambda (`AWS_LAMBDA_FUNCTION_NAME` set) a missing `TABLE_NAME` stops start-up: the
//!   embedded store would keep rate limits and exactly-once per container only.
//! - Secrets read from the environment are checked when the function starts, naming the
//!   variable, not on its first request; only the secrets the function reads.
//! - A request without a valid bearer token is `401 unauthorized`, and a token without the tenant
//!   or `sub` claim `401 missing_claim`, from the local API's emulated authorizer and from the
//!   functions alike.
//! - A Twilio call that is retried logs Twilio's code and request id, never its message.

use std::collections::HashMap;

use integration_tests::webhook::{body, invoke, status};
use integration_tests::{ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, event, table_name};
use integration_tests::{with_claims, without_claims};
use jsonwebtoken::{EncodingKey, Header};
use local_api::Settings;
use serde_json::{Value, json};
use shared::aws::{Backends, StartupError};
use shared::config::Config;
use shared::secrets::SecretKind;
use shared::twilio::{ATTEMPT_TIMEOUT, Call, TwilioClient};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The complete environment of a function that reads both secrets from the environment.
fn complete() -> Vec<(&'static str, String)> {
    vec![
        ("TWILIO_ACCOUNT_SID", ACCOUNT_SID.into()),
        ("TWILIO_API_KEY", API_KEY_SID.into()),
        ("TWILIO_API_SECRET", API_KEY_SECRET.into()),
        ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.into()),
    ]
}

/// `vars` with `changes` applied (an empty value removes the variable).
fn with(
    vars: &[(&'static str, String)],
    changes: &[(&'static str, &str)],
) -> HashMap<String, String> {
    let mut map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    for (k, v) in changes {
        match v.is_empty() {
            true => map.remove(*k),
            false => map.insert(k.to_string(), v.to_string()),
        };
    }
    map
}

/// Starts the back ends as a function's `main` does, from `vars` alone; the error if refused.
async fn start(
    vars: &HashMap<String, String>,
    uses: &[SecretKind],
) -> Result<Backends, StartupError> {
    let lookup = |name: &str| vars.get(name).cloned();
    let config = Config::from_lookup(lookup).expect("a valid configuration");
    Backends::from_config_with(&config, lookup, uses).await
}

fn refused_var(result: Result<Backends, StartupError>) -> &'static str {
    match result {
        Err(StartupError::Config(e)) => e.var,
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("started"),
    }
}

#[tokio::test]
async fn inside_lambda_a_missing_table_name_stops_start_up_naming_it() {
    let both = [SecretKind::ApiKey, SecretKind::Auth];
    let lambda = with(&complete(), &[("AWS_LAMBDA_FUNCTION_NAME", "video-token")]);
    assert_eq!(refused_var(start(&lambda, &both).await), "TABLE_NAME");
    let table = table_name();
    let with_table = with(
        &complete(),
        &[
            ("AWS_LAMBDA_FUNCTION_NAME", "video-token"),
            ("TABLE_NAME", &table),
        ],
    );
    assert!(start(&with_table, &both).await.is_ok(), "DynamoDB on moto");
    // Outside Lambda (the local API, tests) the embedded store stands in, as documented.
    assert!(start(&with(&complete(), &[]), &both).await.is_ok());
}

#[tokio::test]
async fn environment_secrets_a_function_reads_are_checked_at_start_up_naming_the_variable() {
    let api_key = [SecretKind::ApiKey];
    let auth = [SecretKind::Auth];
    // What the function reads, what differs from a complete environment, the variable named.
    type Case<'a> = (&'a [SecretKind], &'a [(&'static str, &'a str)], &'a str);
    let cases: [Case; 7] = [
        (
            &api_key,
            &[("TWILIO_ACCOUNT_SID", "")],
            "TWILIO_ACCOUNT_SID",
        ),
        (&api_key, &[("TWILIO_API_KEY", "")], "TWILIO_API_KEY"),
        (
            &api_key,
            &[("TWILIO_API_KEY", ACCOUNT_SID)],
            "TWILIO_API_KEY",
        ),
        (&api_key, &[("TWILIO_API_SECRET", "")], "TWILIO_API_SECRET"),
        (&auth, &[("TWILIO_AUTH_TOKEN", "")], "TWILIO_AUTH_TOKEN"),
        (
            &auth,
            &[("TWILIO_ACCOUNT_SID", "ACnot-a-sid")],
            "TWILIO_ACCOUNT_SID",
        ),
        (
            &auth,
            &[("TWILIO_WEBHOOK_KEYS", r#"{"k1": ["s3cr3t-key"]}"#)],
            "TWILIO_WEBHOOK_KEYS",
        ),
    ];
    for (uses, changes, var) in cases {
        let result = start(&with(&complete(), changes), uses).await;
        if let Err(e) = &result {
            assert!(!e.to_string().contains("s3cr3t"), "no value quoted: {e}");
        }
        assert_eq!(refused_var(result), var, "{changes:?}");
    }
    // Only what the function reads: the token function starts without any Auth Token.
    let no_token = with(&complete(), &[("TWILIO_AUTH_TOKEN", "")]);
    assert!(start(&no_token, &api_key).await.is_ok());
    // Webhook keys alone suffice for the callback functions.
    let keys_only = with(
        &complete(),
        &[
            ("TWILIO_AUTH_TOKEN", ""),
            ("TWILIO_WEBHOOK_KEYS", r#"{"webhooks_sharedkey_1":"k"}"#),
        ],
    );
    assert!(start(&keys_only, &auth).await.is_ok());
}

/// A JWT signed like the local API's dev tokens, with exactly `claims` (and `exp`).
fn token(secret: &str, mut claims: Value) -> String {
    claims["exp"] = json!(shared::clock::now_unix() + 600);
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn no_token_and_a_token_missing_a_claim_get_the_same_answers_locally_and_in_lambda() {
    // The local API on a fresh machine (nothing from the process environment).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let settings = Settings::new(|_| None, listener.local_addr().unwrap());
    let secret = settings.auth_secret();
    let app = local_api::app(&settings).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(local_api::serve(
        listener,
        std::sync::Arc::new(app),
        std::future::pending(),
    ));
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let local = |bearer: Option<String>| {
        let mut request = http
            .post(format!("{base}/verify/start"))
            .json(&json!({"channel": "sms"}));
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16() as u64;
            (
                status,
                response.json::<Value>().await.unwrap()["error"]["code"].clone(),
            )
        }
    };
    // The verify function, invoked as Lambda invokes it behind API Gateway.
    let verify = integration_tests::verify_token::verify_state("http://127.0.0.1:9", &[]).await;
    let lambda = |event: Value| async {
        let response = invoke(&verify, event, None).await;
        (status(&response), body(&response)["error"]["code"].clone())
    };

    let unauthorized = (401, json!("unauthorized"));
    assert_eq!(local(None).await, unauthorized);
    assert_eq!(local(Some("not-a-jwt".into())).await, unauthorized);
    assert_eq!(
        lambda(without_claims(event("verify-start"))).await,
        unauthorized
    );

    let missing = (401, json!("missing_claim"));
    for claims in [json!({"sub": "alice"}), json!({"tenant": "acme"})] {
        assert_eq!(
            local(Some(token(&secret, claims.clone()))).await,
            missing,
            "{claims}"
        );
        assert_eq!(
            lambda(with_claims(event("verify-start"), claims.clone())).await,
            missing,
            "{claims}"
        );
    }
}

#[tokio::test]
async fn a_retried_twilio_call_logs_twilios_code_and_request_id_never_its_message() {
    let logs = integration_tests::logs::captured();
    let twilio = MockServer::start().await;
    let number = integration_tests::verify_token::unique_phone();
    let request_id = integration_tests::unique("RQ");
    // Verify's messages can quote the destination: the retry warning must not carry them.
    let unavailable = ResponseTemplate::new(503)
        .insert_header("twilio-request-id", request_id.as_str())
        .set_body_json(json!({
            "code": 20503, "status": 503,
            "message": format!("Service unavailable while sending to {number}"),
        }));
    Mock::given(method("GET"))
        .and(path("/v2/Services/retry-log"))
        .respond_with(unavailable)
        .up_to_n_times(1)
        .mount(&twilio)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/Services/retry-log"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&twilio)
        .await;
    let client = TwilioClient::new(ATTEMPT_TIMEOUT).unwrap();
    let url = url::Url::parse(&format!("{}/v2/Services/retry-log", twilio.uri())).unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let creds = integration_tests::verify_token::test_credentials();
    let response = client.send(&creds, &Call::get(url), deadline).await;
    assert!(response.is_ok(), "retried once, then answered");
    let text = logs.text();
    let retry = text
        .lines()
        .find(|l| l.contains("retrying twilio call") && l.contains(&request_id))
        .expect("the retry is logged with Twilio's request id");
    assert!(retry.contains("20503"), "Twilio's code: {retry}");
    assert!(
        !text.contains(&number),
        "the message quoting the number is never logged"
    );
}
