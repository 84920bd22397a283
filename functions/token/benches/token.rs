//! What a warm `/video/token` costs: minting the Access Token alone, checking a step-up proof
//! alone, and the whole handler on `events/token.json` (claims, proof, body, the room's entry,
//! mint, response) with environment secrets already cached and the room known in progress in
//! the embedded store, so no I/O of any kind.
//!
//! `cargo bench -p token` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use shared::aws::Backends;
use shared::caller::Caller;
use shared::config::Config;
use shared::http::Handler;
use shared::memory::MemoryStore;
use shared::secrets::{SecretStore, TwilioCredentials};
use shared::stepup::StepUpKey;
use shared::store::rooms::names::{RoomEntry, RoomNames};
use shared::twilio::access_token::{Grants, mint};
use shared::twilio::{ATTEMPT_TIMEOUT, TwilioClient};

const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
const API_KEY_SID: &str = "SK0123456789abcdef0123456789abcdef";
const API_KEY_SECRET: &str = "bench-api-key-secret";

fn creds() -> TwilioCredentials {
    TwilioCredentials {
        account_sid: ACCOUNT_SID.into(),
        api_key_sid: API_KEY_SID.into(),
        api_key_secret: SecretString::from(API_KEY_SECRET),
        step_up_key: None,
    }
}

fn caller() -> Caller {
    Caller::new("acme", "user-42")
}

fn env(name: &str) -> Option<String> {
    Some(
        match name {
            "TWILIO_ACCOUNT_SID" => ACCOUNT_SID,
            "TWILIO_API_KEY" => API_KEY_SID,
            "TWILIO_API_SECRET" => API_KEY_SECRET,
            _ => return None,
        }
        .to_string(),
    )
}

fn minting(c: &mut Criterion) {
    let creds = creds();
    let grants = Grants {
        identity: "acme:user-42:web-1",
        room: "acme:class:9f3c2b1a",
    };
    c.bench_function("mint access token", |b| {
        b.iter(|| mint(black_box(&creds), black_box(grants), 3600, 1_795_654_800).unwrap())
    });
    let key = StepUpKey::derive(&creds);
    let proof = key.issue(&caller(), 1_795_654_800, 600).token;
    c.bench_function("derive key and check step-up proof", |b| {
        b.iter(|| {
            StepUpKey::derive(black_box(&creds))
                .check(black_box(&proof), &caller(), 1_795_654_801)
                .unwrap()
        })
    });
}

fn warm_handler(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let config = Config::from_lookup(|name| {
        (name == "PUBLIC_BASE_URL").then(|| "https://video.example.com".to_string())
    })
    .unwrap();
    let secrets = Arc::new(SecretStore::new(
        None,
        None,
        None,
        Duration::from_secs(300),
        env,
    ));
    let store = Arc::new(MemoryStore::new());
    let now = shared::clock::now_unix();
    let room = RoomEntry::opened("acme:class:9f3c2b1a", "RM1", None, false, false, now);
    runtime.block_on(store.name_opened(&room)).unwrap();
    let twilio = TwilioClient::new(ATTEMPT_TIMEOUT).unwrap();
    let backends = Backends {
        store,
        secrets,
        twilio,
    };
    let state = token::State::new(&config, &backends).unwrap();
    let proof = StepUpKey::derive(&creds())
        .issue(&caller(), shared::clock::now_unix(), 3600)
        .token;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../events/token.json");
    let mut event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    event["headers"]["x-step-up-token"] = serde_json::Value::String(proof);
    let event = event.to_string();
    let request = || lambda_http::request::from_str(&event).unwrap();
    // Warm up as a first invocation would: the one secrets read happens here.
    let first = runtime.block_on(state.handle(request()));
    assert_eq!(first.status(), 200, "{:?}", first.body());
    c.bench_function("warm token handler", |b| {
        b.iter_batched(
            request,
            |req| runtime.block_on(state.handle(req)),
            BatchSize::SmallInput,
        )
    });
}

criterion_group!(benches, minting, warm_handler);
criterion_main!(benches);
