//! The request routes' outbound Twilio calls, each under each fault: Verify's start and check,
//! the admin routes' room create, fetch, complete and participant disconnect, the audit
//! listing's fetch of a room it does not know, and the recording link's Media read. Each answer
//! is the README's for that failure (Verify's throttle is its own 429), inside the deadline;
//! once Twilio is back, the same request succeeds, and a create reached Twilio once.

use std::time::Instant;

use integration_tests::faults::Match;
use integration_tests::recordings::{composition, ended_room, own};
use integration_tests::rooms::{admin, mount_room, participant_json, room_json, twilio_ok};
use integration_tests::verify_token::{step_up, unique_phone, user, verification};
use integration_tests::webhook::{invoke, status};
use integration_tests::{LogCapture, VERIFY_SERVICE_SID, sid, unique};
use serde_json::{Value, json};
use shared::clock::now_unix;
use shared::http::Handler;
use shared::store::compositions::CompositionStatus;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, ResponseTemplate};

use super::{ALL, BUDGET, Throttled, TwilioFault};
use crate::reliability::{Twilio, answer, embedded, events, header, within};

/// One route's call under one fault.
struct Case<'a> {
    what: &'a str,
    on: Match,
    fault: TwilioFault,
    event: Value,
    /// The answer under the fault.
    want: (u64, String),
    /// The status once Twilio is back.
    healed: u64,
}

/// Runs `case` on `handler`: the answer under the fault, inside the deadline, then healed.
async fn run(twilio: &Twilio, handler: &dyn Handler, case: Case<'_>) {
    let what = format!("{} under {:?}", case.what, case.fault);
    twilio.proxy.fail(case.on, case.fault.fault());
    let started = Instant::now();
    let response = invoke(handler, case.event.clone(), Some(BUDGET)).await;
    within(started, BUDGET, &what);
    assert_eq!(answer(&response), case.want, "{what}: {response}");
    if let Some(seconds) = case.fault.retry_after() {
        assert_eq!(header(&response, "retry-after"), Some(seconds), "{what}");
    }
    twilio.proxy.heal();
    let logs = LogCapture::default();
    let capture = logs.install();
    let response = invoke(handler, case.event, Some(BUDGET)).await;
    drop(capture);
    let seen = twilio.proxy.seen();
    let shown = || format!("{response}\n{seen:?}\n{}", logs.text());
    assert_eq!(
        status(&response),
        case.healed,
        "{what}, healed: {}",
        shown()
    );
}

/// Verify's answer to `fault`: its throttle is a 429 of its own (README, Verify).
fn verify_answer(fault: TwilioFault) -> (u64, String) {
    match fault {
        Throttled => (429, "too_many_requests".into()),
        other => other.answer(),
    }
}

#[tokio::test]
async fn verify_start_and_check_answer_each_twilio_failure_as_documented_then_recover() {
    for (resource, healed) in [("Verifications", 202), ("VerificationCheck", 200)] {
        let path_of = format!("/v2/Services/{VERIFY_SERVICE_SID}/{resource}");
        for fault in ALL {
            let twilio = Twilio::start().await;
            let phone = unique_phone();
            let status = if healed == 202 { "pending" } else { "approved" };
            Mock::given(method("POST"))
                .and(path(path_of.as_str()))
                .respond_with(verification(&phone, "sms", status))
                .mount(&twilio.mock)
                .await;
            let state = verify::State::new(&twilio.config(&[]), &embedded().await).unwrap();
            let claims = user("acme", &unique("u"), &phone, "a@example.com");
            let event = match healed {
                202 => events::verify_start(claims),
                _ => events::verify_check(claims, "123456"),
            };
            let on = Match::request("POST", &path_of);
            let (want, what) = (verify_answer(fault), resource);
            let case = Case {
                what,
                on,
                fault,
                event,
                want,
                healed,
            };
            run(&twilio, &state, case).await;
            assert_eq!(
                twilio.reached("POST", &path_of).await,
                1,
                "{resource} {fault:?}"
            );
        }
    }
}

/// The rooms function on `twilio`, with an in-progress room `rm` of acme and its participant
/// `pa` mounted, and room creation answered.
async fn rooms_world(twilio: &Twilio, rm: &str, pa: &str) -> rooms::State {
    let name = format!("acme:class:{}", unique("r"));
    mount_room(&twilio.mock, rm, &name, "in-progress").await;
    let created = room_json(&sid("RM"), "acme:class:new", "in-progress");
    let answers = [
        ("/v1/Rooms".to_string(), twilio_ok(201, created, "RQcreate")),
        (
            format!("/v1/Rooms/{rm}"),
            twilio_ok(200, room_json(rm, &name, "completed"), "RQdone"),
        ),
        (
            format!("/v1/Rooms/{rm}/Participants/{pa}"),
            twilio_ok(
                200,
                participant_json(rm, pa, "acme:bob", "disconnected"),
                "RQpa",
            ),
        ),
    ];
    for (p, template) in answers {
        Mock::given(method("POST"))
            .and(path(p))
            .respond_with(template)
            .mount(&twilio.mock)
            .await;
    }
    rooms::State::new(&twilio.config(&[]), &embedded().await).unwrap()
}

#[tokio::test]
async fn the_admin_routes_answer_each_twilio_failure_as_documented_then_recover() {
    for fault in ALL {
        let (rm, pa) = (sid("RM"), sid("PA"));
        let room = format!("/v1/Rooms/{rm}");
        let participant = format!("{room}/Participants/{pa}");
        let claims = || admin("acme", &unique("admin"));
        let cases = [
            (
                "create",
                Match::request("POST", "/v1/Rooms"),
                events::admin_create(claims(), &unique("r")),
                201,
            ),
            (
                "complete: fetch",
                Match::request("GET", &room),
                events::admin_complete(claims(), &rm),
                200,
            ),
            (
                "complete",
                Match::request("POST", &room),
                events::admin_complete(claims(), &rm),
                200,
            ),
            (
                "disconnect: fetch",
                Match::request("GET", &room),
                events::admin_disconnect(claims(), &rm, &pa),
                200,
            ),
            (
                "disconnect",
                Match::request("POST", &participant),
                events::admin_disconnect(claims(), &rm, &pa),
                200,
            ),
            (
                "audit: fetch",
                Match::request("GET", &room),
                events::admin_audit(claims(), &[("room_sid", &rm)]),
                200,
            ),
        ];
        for (what, on, event, healed) in cases {
            let twilio = Twilio::start().await;
            let state = rooms_world(&twilio, &rm, &pa).await;
            let want = fault.answer();
            run(
                &twilio,
                &state,
                Case {
                    what,
                    on,
                    fault,
                    event,
                    want,
                    healed,
                },
            )
            .await;
            if what == "create" {
                assert_eq!(twilio.reached("POST", "/v1/Rooms").await, 1, "{fault:?}");
            }
        }
    }
}

#[tokio::test]
async fn an_admin_create_that_finds_its_room_in_progress_answers_each_fault_of_the_fetch_then_recovers()
 {
    for fault in ALL {
        let twilio = Twilio::start().await;
        let id = unique("r");
        let room = room_json(&sid("RM"), &format!("acme:class:{id}"), "in-progress");
        let exists = json!({"code": 53113, "message": "Room exists", "status": 400});
        Mock::given(method("POST"))
            .and(path("/v1/Rooms"))
            .respond_with(ResponseTemplate::new(400).set_body_json(exists))
            .mount(&twilio.mock)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/v1/Rooms/acme"))
            .respond_with(twilio_ok(200, room, "RQbyname"))
            .mount(&twilio.mock)
            .await;
        let state = rooms::State::new(&twilio.config(&[]), &embedded().await).unwrap();
        let case = Case {
            what: "create: the room in progress fetched by name",
            on: Match::prefix("GET", "/v1/Rooms/acme"),
            fault,
            event: events::admin_create(admin("acme", &unique("admin")), &id),
            want: fault.answer(),
            healed: 200,
        };
        run(&twilio, &state, case).await;
    }
}

#[tokio::test]
async fn a_recording_link_answers_each_twilio_failure_as_documented_then_recovers() {
    for fault in ALL {
        let backends = embedded().await;
        let store = backends.store.clone();
        let twilio = Twilio::start().await;
        let (rm, cj, id) = (sid("RM"), sid("CJ"), unique("r"));
        let name = format!("acme:class:{id}");
        let now = now_unix();
        ended_room(&store, &rm, &name, &["acme:bob"], now).await;
        own(&store, &rm, &name, "alice", None).await;
        let done = Some(CompositionStatus::Completed);
        composition(&store, &rm, &cj, &name, now, done).await;
        let media = format!("/v1/Compositions/{cj}/Media");
        let link = "https://media.example.com/signed.mp4";
        Mock::given(method("GET"))
            .and(path(media.as_str()))
            .respond_with(ResponseTemplate::new(302).insert_header("Location", link))
            .mount(&twilio.mock)
            .await;
        let state = composition::State::new(&twilio.config(&[]), &backends).unwrap();
        let claims = json!({"sub": "alice", "tenant": "acme", "scope": "openid"});
        let proof = step_up("acme", "alice", now, 600);
        let event = events::recording(claims, &id, &proof);
        let on = Match::request("GET", &media);
        let (what, want) = ("recording link", fault.answer());
        run(
            &twilio,
            &state,
            Case {
                what,
                on,
                fault,
                event,
                want,
                healed: 200,
            },
        )
        .await;
    }
}
