//! `events/`: every file is listed in `events/expected.json` and the reverse; each parses as its
//! shape says (API Gateway v2 or v1, an EventBridge rule's or Scheduler's event, a hand-made
//! invocation) and names a route or schedule its function has in the template; and each is
//! answered by its function's own handler, as-is, the way the manifest says (a success, or a
//! rejection with its status and code). The HTTP functions run on the embedded store with the
//! test secrets and a wiremock Twilio that answers every call they make. Also: each function
//! answers every route the template binds to it, and no other.

use std::collections::BTreeSet;

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use aws_lambda_events::eventbridge::EventBridgeEvent;
use integration_tests::webhook::{body, invoke, status};
use integration_tests::{config_with_twilio, events_dir};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};

use crate::template::{routes, template};

pub(crate) mod world;

use world::{backends, handler, open_room, recorded_room, twilio};

pub(crate) fn manifest() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(events_dir().join("expected.json")).unwrap();
    let v: Value = serde_json::from_str(&text).expect("expected.json");
    v["events"].as_object().unwrap().clone()
}

pub(crate) fn load(name: &str) -> Value {
    let text = std::fs::read_to_string(events_dir().join(name)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Whether `path` is an instance of the route template `route` (`{name}` any one segment).
fn matches(route: &str, path: &str) -> bool {
    let (r, p): (Vec<_>, Vec<_>) = (route.split('/').collect(), path.split('/').collect());
    r.len() == p.len()
        && r.iter()
            .zip(&p)
            .all(|(r, p)| r == p || (r.starts_with('{') && !p.is_empty()))
}

#[test]
fn every_event_file_is_in_the_manifest_and_the_reverse() {
    let files: BTreeSet<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") && n != "expected.json")
        .collect();
    let listed: BTreeSet<String> = manifest().keys().cloned().collect();
    assert_eq!(files, listed);
}

#[test]
fn every_function_has_a_success_a_rejection_and_one_build_check_event() {
    let t = template();
    let m = manifest();
    for f in crate::template::functions(&t).values() {
        let name = crate::template::binary(f);
        let own: Vec<&Value> = m.values().filter(|e| e["function"] == name).collect();
        let success =
            |e: &&&Value| e["ok"] == true || e["status"].as_u64().is_some_and(|s| s < 300);
        assert!(own.iter().any(|e| success(&e)), "{name}: no success event");
        assert!(
            own.iter().any(|e| !success(&e)),
            "{name}: no rejection event"
        );
        let checks = own.iter().filter(|e| e["build_check"] == true).count();
        assert_eq!(checks, 1, "{name}: one build_check event");
    }
}

#[test]
fn every_event_parses_as_its_shape_and_names_a_route_or_schedule_of_its_function() {
    let t = template();
    let bound = routes(&t);
    for (name, e) in manifest() {
        let function = e["function"].as_str().unwrap();
        let event = load(&name);
        match e["shape"].as_str().unwrap() {
            "apigw-v2" => {
                let r: ApiGatewayV2httpRequest = serde_json::from_value(event.clone())
                    .unwrap_or_else(|err| panic!("{name}: {err}"));
                assert_eq!(r.version.as_deref(), Some("2.0"), "{name}");
                let key = r.route_key.clone().unwrap_or_default();
                let (m, p) = key
                    .split_once(' ')
                    .unwrap_or_else(|| panic!("{name}: {key}"));
                let (owner, _) = &bound[&(m.to_string(), p.to_string())];
                assert_eq!(owner, function, "{name}: {key} is not {function}'s");
                assert_eq!(r.request_context.http.method.as_str(), m, "{name}");
                assert!(
                    matches(p, r.raw_path.as_deref().unwrap_or_default()),
                    "{name}"
                );
            }
            "apigw-v1" => {
                let r: ApiGatewayProxyRequest = serde_json::from_value(event.clone())
                    .unwrap_or_else(|err| panic!("{name}: {err}"));
                let key = (
                    r.http_method.as_str().to_string(),
                    r.resource.clone().unwrap_or_default(),
                );
                assert_eq!(bound[&key].0, function, "{name}");
            }
            shape @ ("eventbridge" | "scheduler") => {
                let r: EventBridgeEvent<Value> = serde_json::from_value(event.clone())
                    .unwrap_or_else(|err| panic!("{name}: {err}"));
                assert_eq!(r.detail_type, "Scheduled Event", "{name}");
                let source = if shape == "scheduler" {
                    "aws.scheduler"
                } else {
                    "aws.events"
                };
                assert_eq!(r.source, source, "{name}");
                assert_eq!(r.detail.is_string(), shape == "scheduler", "{name}");
                assert!(r.id.is_some(), "{name}: the idempotency key");
                assert!(
                    ["reconciler", "key-rotation"].contains(&function),
                    "{name}: {function} has no schedule"
                );
            }
            "direct" => assert!(event.get("routeKey").is_none(), "{name}"),
            other => panic!("{name}: unknown shape {other}"),
        }
    }
}

#[tokio::test]
async fn every_http_event_is_answered_by_its_function_as_the_manifest_says() {
    let mut checked = 0;
    for (name, e) in manifest() {
        let Some(want) = e["status"].as_u64() else {
            continue;
        };
        let function = e["function"].as_str().unwrap();
        let (twilio, backends) = (twilio().await, backends());
        if name.starts_with("recordings-get.") {
            recorded_room(&backends.store).await;
        }
        if name.starts_with("presence-get.") {
            open_room(&backends.store).await;
        }
        let h = handler(function, &twilio, &backends).unwrap();
        let response = invoke(h.as_ref(), load(&name), None).await;
        let answer = body(&response);
        assert_eq!(status(&response), want, "{name}: {answer}");
        if let Some(code) = e.get("code") {
            assert_eq!(&answer["error"]["code"], code, "{name}: {answer}");
        } else {
            assert!(answer.get("error").is_none(), "{name}: {answer}");
        }
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}

#[tokio::test]
async fn every_scheduled_event_is_taken_or_refused_as_the_manifest_says() {
    let twilio = twilio().await;
    let config = config_with_twilio(&twilio.uri(), &[("TWILIO_SECRET_ID", "events-test")]);
    let backends = backends();
    let reconciler = reconciler::State::new(&config, &backends).unwrap();
    let sm = aws_sdk_secretsmanager::Client::new(integration_tests::sdk().await);
    let rotation = key_rotation::State::new(
        &config,
        backends.store.clone(),
        backends.secrets.clone(),
        sm,
    )
    .unwrap();
    for (name, e) in manifest() {
        let Some(ok) = e["ok"].as_bool() else {
            continue;
        };
        let payload = load(&name);
        let event = LambdaEvent::new(payload.clone(), Context::default());
        let outcome = match e["function"].as_str().unwrap() {
            "reconciler" => reconciler::handle(&reconciler, event)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            // A run needs the secret's versions at Secrets Manager: the key rotation tests run
            // these events; here a success must parse and a rejection be refused unrun.
            "key-rotation" if ok => key_rotation::Request::parse(&payload, "request-1").map(|_| ()),
            "key-rotation" => key_rotation::handle(&rotation, event)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            other => panic!("{name}: {other} is not scheduled"),
        };
        match (ok, outcome) {
            (true, Ok(())) => {}
            (false, Err(message)) => {
                let want = e["error"].as_str().unwrap();
                assert!(message.contains(want), "{name}: {message}");
            }
            (_, other) => panic!("{name}: {other:?}"),
        }
    }
    assert!(twilio.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn each_function_answers_the_routes_the_template_binds_to_it_and_no_other() {
    let t = template();
    let bound = routes(&t);
    let twilio = twilio().await;
    let backends = backends();
    let base = load("health.json");
    for ((m, p), (function, _)) in &bound {
        let h = handler(function, &twilio, &backends).unwrap();
        for ((other_m, other_p), (other_function, _)) in &bound {
            let mut e = base.clone();
            let raw = other_p.replace('{', "x").replace('}', "");
            e["routeKey"] = json!(format!("{other_m} {other_p}"));
            e["rawPath"] = json!(raw);
            e["requestContext"]["routeKey"] = e["routeKey"].clone();
            e["requestContext"]["http"]["method"] = json!(other_m);
            e["requestContext"]["http"]["path"] = json!(raw);
            let answer = body(&invoke(h.as_ref(), e, None).await);
            let refused = answer["error"]["code"] == "no_route";
            if (other_m, other_p) == (m, p) || other_function == function {
                assert!(!refused, "{function} does not answer {other_m} {other_p}");
            } else if function != "health" {
                // The health function answers anything it is given (API Gateway gives it only
                // /healthz); every other function refuses a route that is not its own.
                assert!(
                    refused,
                    "{function} answers {other_function}'s {other_m} {other_p}"
                );
            }
        }
    }
}
