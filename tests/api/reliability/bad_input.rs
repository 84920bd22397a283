//! Bad input on every route of API.md: malformed JSON and forms, wrong or missing content
//! types, bodies over the 6 MB limit, `isBase64Encoded` with invalid base64, hostile ids (unicode,
//! control characters, injection attempts) wherever a route takes one, wrong methods and
//! routes, missing claims. Each is a 4xx in the one error shape, never a panic or a 5xx, and
//! leaves no trace: no DynamoDB write (every store call passes a recording proxy) and no Twilio
//! call (a wiremock Twilio with no routes). The table (`table.rs`) has a line per route, checked
//! against `routes.md`, API.md's route table.

mod cases;
mod harness;
mod table;

use std::collections::BTreeSet;

use base64::Engine;
use integration_tests::without_claims;
use serde_json::json;
use shared::http::BODY_LIMIT;

use crate::reliability::events::{with_path, with_query};
use harness::{Harness, routed, with_field, with_raw_body};
use table::{Id, Input, TABLE};

#[test]
fn the_table_has_one_line_for_each_route_of_api_md() {
    let contract: BTreeSet<(String, String)> = table::contract().into_iter().collect();
    let lines: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|l| (l.method.to_string(), l.path.to_string()))
        .collect();
    assert_eq!(contract.len(), 12, "routes.md lists API.md's routes");
    assert_eq!(lines.len(), TABLE.len(), "one line per route");
    assert_eq!(lines, contract, "the table and API.md's routes differ");
}

#[tokio::test]
async fn every_json_route_refuses_malformed_bodies_under_any_content_type() {
    let h = Harness::new().await;
    for line in TABLE.iter().filter(|l| l.input == Input::Json) {
        for body in cases::bodies() {
            for content_type in cases::CONTENT_TYPES {
                let case = format!("body {:.40?} as {content_type:?}", body);
                let event = with_raw_body((line.valid)(), &body, content_type);
                h.refused(line, &case, event, Some(400)).await;
            }
        }
        let mut event = (line.valid)();
        event["body"] = json!(base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, 0]));
        event["isBase64Encoded"] = json!(true);
        h.refused(line, "a body that is not UTF-8", event, Some(400))
            .await;
    }
    h.left_no_trace().await;
}

#[tokio::test]
async fn every_callback_refuses_malformed_forms_and_missing_or_wrong_signatures() {
    let h = Harness::new().await;
    for line in TABLE.iter().filter(|l| l.input == Input::Form) {
        for form in cases::FORMS {
            for content_type in cases::CONTENT_TYPES {
                let case = format!("form {form:?} as {content_type:?}");
                let event = with_raw_body((line.valid)(), form, content_type);
                h.refused(line, &case, event, None).await;
            }
        }
        let mut unsigned = (line.valid)();
        unsigned["headers"]
            .as_object_mut()
            .unwrap()
            .remove("x-twilio-signature");
        h.refused(line, "no signature", unsigned, Some(400)).await;
        let mut forged = (line.valid)();
        forged["headers"]["x-twilio-signature"] = json!("AAAAAAAAAAAAAAAAAAAAAAAAAAA=");
        h.refused(line, "a forged signature", forged, Some(403))
            .await;
        let event = table::signed(line.path, Some(("StatusCallbackEvent", "")));
        h.refused(line, "no event named", event, Some(400)).await;
    }
    h.left_no_trace().await;
}

#[tokio::test]
async fn every_route_refuses_hostile_ids_wherever_it_takes_one() {
    let h = Harness::new().await;
    for line in TABLE {
        for &id in line.ids {
            let mut values = cases::hostile();
            if id.is_sid() {
                values.extend(cases::NOT_SIDS.iter().map(|s| s.to_string()));
            }
            if matches!(id, Id::Query("limit")) {
                values.extend(cases::LIMITS.iter().map(|s| s.to_string()));
            }
            for value in &values {
                let event = match id {
                    Id::Path(name) => {
                        let valid = (line.valid)();
                        let mut params: Vec<(String, String)> = valid["pathParameters"]
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                            .collect();
                        params
                            .iter_mut()
                            .filter(|(k, _)| k == name)
                            .for_each(|p| p.1 = value.clone());
                        let params: Vec<(&str, &str)> = params
                            .iter()
                            .map(|(k, v)| (k.as_str(), v.as_str()))
                            .collect();
                        with_path(valid, &params)
                    }
                    Id::Field(pointer) => with_field((line.valid)(), pointer, value),
                    Id::Query(name) => {
                        let mut query = vec![("room_sid", table::RM), ("limit", "10")];
                        query.retain(|(k, _)| *k != name);
                        query.push((name, value.as_str()));
                        with_query((line.valid)(), &query)
                    }
                    Id::Signed(field) => table::signed(line.path, Some((field, value))),
                };
                let case = format!("{id:?} = {:.40?}", value);
                h.refused(line, &case, event, None).await;
            }
        }
    }
    h.left_no_trace().await;
}

#[tokio::test]
async fn every_route_refuses_wrong_methods_unknown_routes_missing_claims_and_unreadable_bodies() {
    let h = Harness::new().await;
    for line in TABLE {
        for method in cases::METHODS.iter().filter(|m| **m != line.method) {
            let event = routed((line.valid)(), method, line.path);
            h.refused(line, &format!("method {method}"), event, Some(404))
                .await;
        }
        let unknown = routed((line.valid)(), line.method, &format!("{}/x", line.path));
        h.refused(line, "an unknown route", unknown, Some(404))
            .await;
        if line.jwt {
            let event = without_claims((line.valid)());
            h.refused(line, "no claims", event, Some(401)).await;
        }
        let mut event = (line.valid)();
        event["body"] = json!("not base64!!");
        event["isBase64Encoded"] = json!(true);
        h.refused(line, "invalid base64", event, Some(400)).await;
    }
    h.left_no_trace().await;
}

#[tokio::test]
async fn every_route_refuses_a_body_over_the_6_mb_limit_before_its_handler_runs() {
    let h = Harness::new().await;
    let over = "a".repeat(BODY_LIMIT + 1);
    let over_encoded = base64::engine::general_purpose::STANDARD.encode(over.as_bytes());
    for line in TABLE {
        let event = with_raw_body((line.valid)(), &over, Some("application/json"));
        h.refused(line, "6 MB + 1 byte", event, Some(413)).await;
        let mut event = (line.valid)();
        event["body"] = json!(over_encoded);
        event["isBase64Encoded"] = json!(true);
        h.refused(line, "6 MB + 1 byte, base64", event, Some(413))
            .await;
        if line.input != Input::Nothing {
            let at_limit = "a".repeat(BODY_LIMIT);
            let event = with_raw_body((line.valid)(), &at_limit, Some("application/json"));
            h.refused(line, "exactly 6 MB, not the route's body", event, Some(400))
                .await;
        }
    }
    h.left_no_trace().await;
}

#[tokio::test]
async fn the_local_api_refuses_wrong_methods_and_oversized_bodies_on_every_route_in_the_error_shape()
 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let settings = local_api::Settings::new(|_| None, listener.local_addr().unwrap());
    let app = local_api::app(&settings).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = local_api::serve(listener, std::sync::Arc::new(app), std::future::pending());
    tokio::spawn(serving);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let over = "a".repeat(BODY_LIMIT + 1);
    for line in TABLE {
        let path = [
            ("{type}", "class"),
            ("{id}", "x"),
            ("{room_sid}", table::RM),
        ]
        .iter()
        .chain(&[("{participant_sid}", table::PA)])
        .fold(line.path.to_string(), |p, (from, to)| p.replace(from, to));
        let methods = cases::METHODS
            .iter()
            .filter(|m| **m != line.method && **m != "HEAD");
        let oversized = std::iter::once((line.method, Some(over.clone())));
        for (method, body) in methods.map(|m| (*m, None)).chain(oversized) {
            let mut request = http.request(method.parse().unwrap(), format!("{base}{path}"));
            if let Some(body) = body {
                request = request.body(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let answer: serde_json::Value = response.json().await.unwrap_or_default();
            let what = format!("{method} {path}: {status} {answer}");
            assert!((400..500).contains(&status), "{what}");
            assert!(answer["error"]["code"].is_string(), "{what}");
        }
    }
}
