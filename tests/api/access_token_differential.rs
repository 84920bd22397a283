//! Our Access Tokens against Twilio's own Python helper library (`twilio.jwt.access_token`):
//! for the same inputs, the two tokens carry the same header and the same claims, but for the
//! time-dependent ones; and Twilio's library accepts our token's signature.
//!
//! `scripts/test` sets `TEST_PYTHON` to an interpreter with the pinned `twilio` package.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use integration_tests::python;
use integration_tests::verify_token::{step_up, token_state, with_step_up};
use integration_tests::{
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, event, json_body, request, with_body, with_claims,
};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use shared::http::Handler;
use shared::twilio::access_token::{Grants, mint};

/// What the Python helper answers: the token Twilio's library mints, and ours as it decodes it.
struct Helper {
    theirs: String,
    ours_decoded: Value,
}

/// Runs `tests/python/access_token.py` under `$TEST_PYTHON`.
fn twilio_helper(identity: &str, room: &str, ttl: u64, ours: &str) -> Helper {
    let input = json!({
        "account_sid": ACCOUNT_SID,
        "api_key_sid": API_KEY_SID,
        "api_key_secret": API_KEY_SECRET,
        "identity": identity,
        "room": room,
        "ttl": ttl,
        "ours": ours,
    });
    let answer = python::run("access_token.py", &input);
    Helper {
        theirs: answer["theirs"].as_str().unwrap().to_string(),
        ours_decoded: answer["ours"].clone(),
    }
}

/// A JWT's header and claims, after checking its HS256 signature with the test key secret.
fn decode_checked(jwt: &str) -> (Value, Map<String, Value>) {
    let (signed, signature) = jwt.rsplit_once('.').expect("a JWT has three parts");
    let mut mac = Hmac::<Sha256>::new_from_slice(API_KEY_SECRET.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("the signature is HMAC-SHA256 with the API key secret");
    let (header, payload) = signed.split_once('.').unwrap();
    let decode =
        |s: &str| -> Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap() };
    let claims = match decode(payload) {
        Value::Object(map) => map,
        other => panic!("claims are not an object: {other}"),
    };
    (decode(header), claims)
}

/// Takes the time-dependent claims out, checks what can be checked of them, and returns the
/// `jti` prefix (the part before `-{issued-at}`).
fn strip_time(claims: &mut Map<String, Value>, ttl: u64, now: i64) -> String {
    let nbf = claims.remove("nbf").and_then(|v| v.as_i64()).expect("nbf");
    let exp = claims.remove("exp").and_then(|v| v.as_i64()).expect("exp");
    let iat = claims
        .remove("iat")
        .map(|v| v.as_i64().expect("iat is a number"));
    assert_eq!(exp - nbf, ttl as i64, "exp is nbf + ttl");
    // Loose on purpose: this checks the clock is "now", not how fast anything ran.
    assert!((nbf - now).abs() <= 120, "nbf is about now");
    if let Some(iat) = iat {
        assert_eq!(iat, nbf, "iat is the issue time");
    }
    let jti = claims
        .remove("jti")
        .and_then(|v| v.as_str().map(str::to_string));
    let jti = jti.expect("jti");
    let (prefix, issued) = jti.rsplit_once('-').expect("jti is {key}-{seconds}");
    assert_eq!(
        issued.parse::<i64>().unwrap(),
        nbf,
        "the jti suffix is the issue time"
    );
    prefix.to_string()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Compares our token with the one Twilio's library mints for the same inputs.
fn assert_same_as_twilios(ours: &str, identity: &str, room: &str, ttl: u64) {
    let helper = twilio_helper(identity, room, ttl, ours);
    let (our_header, mut our_claims) = decode_checked(ours);
    let (their_header, mut their_claims) = decode_checked(&helper.theirs);
    assert_eq!(our_header, their_header, "headers differ");
    assert_eq!(
        our_header,
        json!({"typ": "JWT", "alg": "HS256", "cty": "twilio-fpa;v=1"})
    );
    let t = now();
    assert_eq!(strip_time(&mut our_claims, ttl, t), API_KEY_SID);
    assert_eq!(strip_time(&mut their_claims, ttl, t), API_KEY_SID);
    assert_eq!(our_claims, their_claims, "claims differ");
    assert_eq!(our_claims["grants"]["identity"], identity);
    assert_eq!(our_claims["grants"]["video"]["room"], room);
    // And Twilio's library, decoding our token with the key secret, saw the same claims.
    let seen = &helper.ours_decoded;
    assert_eq!(seen["headers"]["cty"], "twilio-fpa;v=1");
    assert_eq!(seen["payload"]["iss"], API_KEY_SID);
    assert_eq!(seen["payload"]["sub"], ACCOUNT_SID);
    assert_eq!(seen["payload"]["grants"], our_claims["grants"]);
}

#[test]
fn a_minted_token_matches_the_one_twilios_python_library_mints() {
    let creds = shared::secrets::TwilioCredentials {
        account_sid: ACCOUNT_SID.into(),
        api_key_sid: API_KEY_SID.into(),
        api_key_secret: API_KEY_SECRET.to_string().into(),
        step_up_key: None,
    };
    for (identity, room, ttl) in [
        ("acme:u1", "acme:class:9f3c2b1a", 3600),
        ("acme:u1:web-1", "acme:lecture_2:X-y_z", 60),
        ("globex:someone-long:device", "globex:t:i", 86_400),
    ] {
        let token = mint(&creds, Grants { identity, room }, ttl, now()).unwrap();
        assert_same_as_twilios(&token.jwt, identity, room, ttl);
    }
}

#[tokio::test]
async fn the_token_functions_answer_matches_the_one_twilios_python_library_mints() {
    let state = token_state(&[("VIDEO_TOKEN_TTL_SECONDS", "1800")]).await;
    let proof = step_up("acme", "u1", now(), 600);
    let event = with_step_up(
        with_claims(
            with_body(
                event("token"),
                &json!({"room": {"type": "class", "id": "9f3c2b1a"}, "device_id": "web-1"}),
            ),
            json!({"sub": "u1", "tenant": "acme"}),
        ),
        &proof,
    );
    let response = state.handle(request(&event)).await;
    assert_eq!(response.status(), 200);
    let body = json_body(&response);
    assert_same_as_twilios(
        body["token"].as_str().unwrap(),
        "acme:u1:web-1",
        "acme:class:9f3c2b1a",
        1800,
    );
}
