//! POST /verify/start and POST /verify/check through the verify function's handler, with the
//! events of `events/`, DynamoDB on moto and a wiremock Twilio that asserts each request exactly.

use integration_tests::fixtures::{assert_error, expect_calls, silent_twilio};
use integration_tests::verify_token::{
    token_state, twilio_error, unique_phone, user, verification, verify_call, verify_state,
    with_step_up,
};
use integration_tests::{
    event, json_body, request, unique, with_body, with_claims, without_claims,
};
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::http::Handler;
use wiremock::{MockServer, ResponseTemplate, Times};

/// A fresh user of tenant `acme` with their own number and address.
struct User {
    sub: String,
    phone: String,
    email: String,
}

impl User {
    fn new() -> Self {
        let sub = unique("user-");
        Self {
            email: format!("{sub}@example.com"),
            phone: unique_phone(),
            sub,
        }
    }

    fn claims(&self) -> Value {
        user("acme", &self.sub, &self.phone, &self.email)
    }
}

/// The verify function on moto, with its own wiremock Twilio.
struct Verify {
    twilio: MockServer,
    state: verify::State,
}

impl Verify {
    /// With configuration `extra`.
    async fn new(extra: &[(&str, &str)]) -> Self {
        Self::on(MockServer::start().await, extra).await
    }

    /// With a Twilio that fails the test on any request at all.
    async fn silent() -> Self {
        Self::on(silent_twilio("no call to Twilio").await, &[]).await
    }

    async fn on(twilio: MockServer, extra: &[(&str, &str)]) -> Self {
        let state = verify_state(&twilio.uri(), extra).await;
        Self { twilio, state }
    }

    /// Twilio answering the Verify call to `resource` with exactly `form`, `times` times.
    async fn expect(
        &self,
        resource: &str,
        form: &[(&str, &str)],
        answer: ResponseTemplate,
        times: impl Into<Times>,
    ) {
        expect_calls(&self.twilio, verify_call(resource, form), answer, times).await;
    }

    /// Twilio expecting `times` sends of a `channel` code to `to`, each answered pending.
    async fn expect_send(&self, to: &str, channel: &str, times: u64) {
        let pending = verification(to, channel, "pending");
        let form = [("To", to), ("Channel", channel)];
        self.expect("Verifications", &form, pending, times).await;
    }

    /// Twilio expecting one check of `code` sent to `to` over `channel`, answered `status`.
    async fn expect_check(&self, to: &str, channel: &str, code: &str, status: &str) {
        let answer = verification(to, channel, status);
        let form = [("To", to), ("Code", code)];
        self.expect("VerificationCheck", &form, answer, 1).await;
    }

    async fn send(&self, event: &Value) -> Response<Body> {
        self.state.handle(request(event)).await
    }

    /// POST /verify/`route` (`start` or `check`) by `claims` with `body`.
    async fn call(&self, route: &str, claims: Value, body: Value) -> Response<Body> {
        let event = event(&format!("verify-{route}"));
        self.send(&with_claims(with_body(event, &body), claims))
            .await
    }

    async fn start(&self, claims: Value, body: Value) -> Response<Body> {
        self.call("start", claims, body).await
    }

    async fn check(&self, claims: Value, body: Value) -> Response<Body> {
        self.call("check", claims, body).await
    }
}

#[tokio::test]
async fn start_sends_a_code_to_the_callers_own_number_never_one_from_the_body() {
    let v = Verify::new(&[]).await;
    let u = User::new();
    v.expect_send(&u.phone, "sms", 1).await;
    let body = json!({"channel": "sms", "to": "+19005550199", "phone_number": "+19005550199"});
    let response = v.start(u.claims(), body).await;
    assert_eq!(response.status(), 202);
    let answer = json_body(&response);
    assert_eq!(answer["status"], "pending");
    assert_eq!(answer["channel"], "sms");
    let masked = answer["to"].as_str().unwrap();
    assert!(masked.ends_with(&u.phone[u.phone.len() - 2..]));
    assert!(!masked.contains(&u.phone[1..u.phone.len() - 2]), "{masked}");
}

#[tokio::test]
async fn the_event_file_starts_an_sms_verification_for_its_claims() {
    // The fixture's own user shares its counters with every run: lift the limits for it.
    let v = Verify::new(&[
        ("VERIFY_SENDS_PER_USER", "1000"),
        ("VERIFY_SENDS_PER_DESTINATION", "1000"),
        ("VERIFY_USER_WINDOW_SECONDS", "1"),
        ("VERIFY_DESTINATION_WINDOW_SECONDS", "1"),
    ])
    .await;
    v.expect_send("+14155550100", "sms", 1).await;
    let response = v.send(&event("verify-start")).await;
    assert_eq!(response.status(), 202, "{}", json_body(&response));
    assert_eq!(json_body(&response)["to"], "+*********00");
}

#[tokio::test]
async fn call_whatsapp_and_email_channels_go_to_the_matching_claim() {
    let v = Verify::new(&[("VERIFY_SENDS_PER_USER", "10")]).await;
    let u = User::new();
    for (channel, to) in [
        ("call", &u.phone),
        ("whatsapp", &u.phone),
        ("email", &u.email),
    ] {
        v.expect_send(to, channel, 1).await;
    }
    for channel in ["call", "whatsapp", "email"] {
        let response = v.start(u.claims(), json!({"channel": channel})).await;
        assert_eq!(response.status(), 202, "{channel}");
        assert_eq!(json_body(&response)["channel"], channel);
    }
}

#[tokio::test]
async fn a_caller_without_a_verified_destination_is_told_so_and_twilio_is_not_called() {
    let v = Verify::silent().await;
    let sub = unique("user-");
    let verified_email = json!({"email": "a@example.com", "email_verified": "true"});
    let verified_phone = json!({"phone_number": unique_phone(), "phone_number_verified": "true"});
    let not_e164 = json!({"phone_number": "0044 20 7946 0000", "phone_number_verified": "true"});
    // (the caller's claims but for sub and tenant, route, channel; status, code, a word of the
    // message). A number the IdP has not verified is one the user may have typed in themselves.
    for (claims, route, channel, want, code, names) in [
        (
            json!({"phone_number": unique_phone()}),
            "start",
            "sms",
            403,
            "unverified_destination",
            None,
        ),
        (
            json!({"phone_number": unique_phone(), "phone_number_verified": "false"}),
            "start",
            "sms",
            403,
            "unverified_destination",
            None,
        ),
        (
            json!({"email": "a@example.com", "email_verified": "false"}),
            "start",
            "email",
            403,
            "unverified_destination",
            None,
        ),
        (
            verified_email,
            "start",
            "sms",
            403,
            "unverified_destination",
            Some("phone_number"),
        ),
        (
            verified_phone,
            "check",
            "email",
            403,
            "unverified_destination",
            Some("email"),
        ),
        (not_e164, "start", "sms", 400, "invalid_phone_number", None),
    ] {
        let mut claims = claims;
        claims["sub"] = json!(sub);
        claims["tenant"] = json!("acme");
        let mut body = json!({"channel": channel});
        if route == "check" {
            body["code"] = json!("123456");
        }
        let response = v.call(route, claims.clone(), body).await;
        let answer = assert_error(&response, want, code);
        if let Some(word) = names {
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(message.contains(word), "{claims}: {message}");
        }
    }

    let response = v.send(&without_claims(event("verify-start"))).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn bad_bodies_are_400s_naming_the_field_and_never_reach_twilio() {
    let v = Verify::silent().await;
    let u = User::new();
    for (route, body, field) in [
        ("start", json!({}), "channel"),
        ("start", json!({"channel": "pigeon"}), "channel"),
        ("start", json!({"channel": 5}), "channel"),
        ("check", json!({"channel": "sms"}), "code"),
        ("check", json!({"channel": "sms", "code": "12"}), "code"),
        ("check", json!({"channel": "sms", "code": "12 456"}), "code"),
        ("check", json!({"code": "123456"}), "channel"),
    ] {
        let response = v.call(route, u.claims(), body.clone()).await;
        assert_eq!(response.status(), 400, "{route} {body}");
        let message = json_body(&response)["error"]["message"].to_string();
        assert!(message.contains(field), "{route} {body}: {message}");
    }
    let mut not_json = with_claims(event("verify-start"), u.claims());
    not_json["body"] = Value::String("channel=sms".into());
    assert_eq!(v.send(&not_json).await.status(), 400);
}

#[tokio::test]
async fn a_malformed_code_is_refused_like_a_wrong_one_with_status_pending() {
    let v = Verify::silent().await;
    let u = User::new();
    for code in ["12", "12 456", "12345678901", "12345\u{0}"] {
        let response = v
            .check(u.claims(), json!({"channel": "sms", "code": code}))
            .await;
        assert!(response.status().is_client_error(), "{code:?}");
        let answer = json_body(&response);
        assert_eq!(answer["status"], "pending", "{code:?}");
        assert_eq!(answer["error"]["code"], "invalid_code", "{code:?}");
    }
}

#[tokio::test]
async fn an_approved_check_gives_a_step_up_token_the_token_function_accepts() {
    let v = Verify::new(&[("STEP_UP_TTL_SECONDS", "300")]).await;
    let u = User::new();
    v.expect_check(&u.phone, "sms", "123456", "approved").await;
    let response = v
        .check(u.claims(), json!({"channel": "sms", "code": "123456"}))
        .await;
    assert_eq!(response.status(), 200);
    let answer = json_body(&response);
    assert_eq!(answer["status"], "approved");
    let expires_at = answer["expires_at"].as_str().unwrap();
    assert!(expires_at.ends_with('Z'), "{expires_at}");
    let step_up = answer["step_up_token"].as_str().unwrap();

    let token = token_state(&[]).await;
    let token_event = with_claims(with_step_up(event("token"), step_up), u.claims());
    let response = token.handle(request(&token_event)).await;
    assert_eq!(response.status(), 200, "{}", json_body(&response));
    assert_eq!(
        json_body(&response)["identity"],
        format!("acme:{}:web-1", u.sub)
    );

    // The same proof in another user's hands is refused.
    let other = User::new();
    let stolen = with_claims(with_step_up(event("token"), step_up), other.claims());
    assert_eq!(token.handle(request(&stolen)).await.status(), 403);
}

#[tokio::test]
async fn a_wrong_code_is_a_4xx_with_status_pending_and_no_step_up_token() {
    let v = Verify::new(&[]).await;
    let u = User::new();
    v.expect_check(&u.email, "email", "000000", "pending").await;
    let response = v
        .check(u.claims(), json!({"channel": "email", "code": "000000"}))
        .await;
    assert!(response.status().is_client_error());
    let answer = json_body(&response);
    assert_eq!(answer["status"], "pending");
    assert_eq!(answer["error"]["code"], "incorrect_code");
    assert!(answer.get("step_up_token").is_none());
}

/// One Twilio answer and what the caller should see.
struct Case {
    status: u16,
    code: u32,
    twilio_retry_after: Option<&'static str>,
    want_status: u16,
    want_retry_after: Option<&'static str>,
}

impl Case {
    /// Twilio's `status` and `code`, with no `Retry-After` on either side.
    fn plain(status: u16, code: u32, want_status: u16) -> Self {
        Self {
            status,
            code,
            twilio_retry_after: None,
            want_status,
            want_retry_after: None,
        }
    }
}

async fn assert_mapping(route: &str, case: Case) {
    let v = Verify::new(&[]).await;
    let u = User::new();
    let (resource, form, body) = if route == "start" {
        (
            "Verifications",
            vec![("To", u.phone.as_str()), ("Channel", "sms")],
            json!({"channel": "sms"}),
        )
    } else {
        (
            "VerificationCheck",
            vec![("To", u.phone.as_str()), ("Code", "123456")],
            json!({"channel": "sms", "code": "123456"}),
        )
    };
    let mut answer = twilio_error(case.status, case.code, &u.phone);
    if let Some(seconds) = case.twilio_retry_after {
        answer = answer.insert_header("retry-after", seconds);
    }
    // The client repeats throttling 429s and 503s (Twilio did not act on them) while the
    // deadline allows, unless Retry-After asks for more than that; a Verify hard limit
    // (60202/60203/60212) is never repeated. Every attempt must still be this exact call.
    let hard_limit = [60202, 60203, 60212].contains(&case.code);
    let attempts =
        if matches!(case.status, 429 | 503) && case.twilio_retry_after.is_none() && !hard_limit {
            1..=5
        } else {
            1..=1
        };
    v.expect(resource, &form, answer, attempts).await;
    let response = v.call(route, u.claims(), body).await;
    let label = format!("{route}: twilio {} code {}", case.status, case.code);
    assert_eq!(response.status(), case.want_status, "{label}");
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        case.want_retry_after,
        "{label}"
    );
    let text = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(
        !text.contains(&u.phone[1..]),
        "{label} leaks the number: {text}"
    );
    assert!(
        !text.contains("Twilio error"),
        "{label} leaks Twilio's message: {text}"
    );
    assert!(json_body(&response)["error"]["code"].is_string(), "{label}");
}

#[tokio::test]
async fn too_many_attempts_or_sends_are_429s_with_retry_after() {
    for (route, code, twilio_retry_after, want) in [
        ("check", 60202, Some("900"), "900"),
        ("start", 60203, None, "600"),
        ("start", 60212, Some("120"), "120"),
        ("start", 20429, Some("45"), "45"),
    ] {
        assert_mapping(
            route,
            Case {
                status: 429,
                code,
                twilio_retry_after,
                want_status: 429,
                want_retry_after: Some(want),
            },
        )
        .await;
    }
}

#[tokio::test]
async fn an_expired_or_used_verification_is_410() {
    assert_mapping("check", Case::plain(404, 20404, 410)).await;
}

#[tokio::test]
async fn a_blocked_destination_is_403_and_an_invalid_one_400() {
    for (status, code, want) in [(403, 60410, 403), (400, 60605, 403), (400, 60200, 400)] {
        assert_mapping("start", Case::plain(status, code, want)).await;
    }
}

#[tokio::test]
async fn any_other_twilio_failure_is_a_502_or_503_that_leaks_nothing() {
    for (status, code, want) in [(401, 20003, 502), (400, 21211, 502), (500, 20500, 503)] {
        assert_mapping("start", Case::plain(status, code, want)).await;
    }
}

#[tokio::test]
async fn sends_beyond_the_per_user_limit_are_429s_that_never_reach_twilio() {
    let v = Verify::new(&[
        ("VERIFY_SENDS_PER_USER", "2"),
        ("VERIFY_USER_WINDOW_SECONDS", "3600"),
    ])
    .await;
    let u = User::new();
    v.expect_send(&u.phone, "sms", 2).await;
    let send = |channel: &str| v.start(u.claims(), json!({"channel": channel}));
    assert_eq!(send("sms").await.status(), 202);
    assert_eq!(send("sms").await.status(), 202);
    let limited = send("sms").await;
    assert_error(&limited, 429, "rate_limited");
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    // Another channel to the same user counts against the same budget.
    assert_eq!(send("email").await.status(), 429);
}

#[tokio::test]
async fn sends_to_one_destination_are_limited_across_users() {
    let v = Verify::new(&[("VERIFY_SENDS_PER_DESTINATION", "1")]).await;
    let phone = unique_phone();
    v.expect_send(&phone, "sms", 1).await;
    let as_user = |tenant: &str, sub: &str| {
        let claims = user(tenant, sub, &phone, "x@example.com");
        v.start(claims, json!({"channel": "sms"}))
    };
    assert_eq!(as_user("acme", &unique("a-")).await.status(), 202);
    let second = as_user("acme", &unique("b-")).await;
    assert_eq!(second.status(), 429);
    assert!(second.headers().contains_key("retry-after"));
    // Even from another tenant.
    assert_eq!(as_user("globex", &unique("c-")).await.status(), 429);
}
