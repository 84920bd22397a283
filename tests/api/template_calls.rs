//! The declared access (`shared::access`) checked against what the code does: each function
//! runs its `events/` on moto, through a DynamoDB client that records every request it sends
//! (operation, and the partition key or index it names); each recorded call must be one its
//! declaration grants, hence one the template grants (`template_iam`). A store call added to a
//! function without its line in `shared/src/access.rs` fails here, before IAM refuses it in AWS.

use std::collections::BTreeSet;

use integration_tests::dynamo_count::{Sent, recorded_backends};
use integration_tests::webhook::invoke;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use shared::access;
use shared::clock::now_unix;

use crate::events::world::{ROOM, handler, recorded_room, twilio};
use crate::events::{load, manifest};

/// One request: the operation, and the partition key it names, or the index it queries.
type Call = (String, String);

/// The calls `sent` makes: its operation and the partition key it names, or the index it
/// queries; a transaction's, one per item.
fn calls(sent: &Sent) -> Vec<Call> {
    let body = &sent.body;
    let pk = |item: &Value| item["pk"]["S"].as_str().unwrap_or("?").to_string();
    let mut calls = vec![];
    match sent.operation.as_str() {
        "TransactWriteItems" => {
            for item in body["TransactItems"].as_array().into_iter().flatten() {
                for (kind, op) in [
                    ("Put", "PutItem"),
                    ("Update", "UpdateItem"),
                    ("Delete", "DeleteItem"),
                    ("ConditionCheck", "ConditionCheckItem"),
                ] {
                    let part = &item[kind];
                    if !part.is_null() {
                        let key = if kind == "Put" {
                            &part["Item"]
                        } else {
                            &part["Key"]
                        };
                        calls.push((op.to_string(), pk(key)));
                    }
                }
            }
        }
        "Query" => {
            let on = match body["IndexName"].as_str() {
                Some(index) => format!("index/{index}"),
                None => body["ExpressionAttributeValues"][":pk"]["S"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string(),
            };
            calls.push((sent.operation.clone(), on));
        }
        _ => {
            let key = if body["Item"].is_null() {
                &body["Key"]
            } else {
                &body["Item"]
            };
            calls.push((sent.operation.clone(), pk(key)));
        }
    }
    calls
}

/// IAM's `StringLike` (`*` any run of characters).
fn like(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((head, tail)) => {
            value.starts_with(head)
                && (head.len()..=value.len())
                    .filter(|i| value.is_char_boundary(*i))
                    .any(|i| like(tail, &value[i..]))
        }
    }
}

/// Whether `function`'s declaration grants `call`.
fn granted(function: &str, (operation, on): &Call) -> bool {
    let a = access::of(function).unwrap();
    if on.starts_with("index/") {
        return a.due_index
            && operation == "Query"
            && on == &format!("index/{}", shared::dynamo::DUE_INDEX);
    }
    a.items.iter().any(|(pattern, actions)| {
        like(pattern, on)
            && actions
                .iter()
                .any(|t| t.iam() == format!("dynamodb:{operation}"))
    })
}

#[tokio::test]
async fn every_table_call_a_function_makes_on_its_events_is_declared() {
    let m = manifest();
    let functions: BTreeSet<&str> = m.values().filter_map(|e| e["function"].as_str()).collect();
    for function in functions {
        let (backends, recorder) = recorded_backends().await;
        let twilio = twilio().await;
        // What the events presume: a recorded room with its composition, one owed (the test's
        // own calls, not the function's).
        recorded_room(&backends.store).await;
        backends
            .store
            .owe_composition(ROOM, now_unix() - 1)
            .await
            .unwrap();
        recorder.take();
        let config = integration_tests::config_with_twilio(&twilio.uri(), &[]);
        for (name, _) in m.iter().filter(|(_, e)| e["function"] == function) {
            let event = load(name);
            match function {
                "reconciler" => {
                    let state = reconciler::State::new(&config, &backends).unwrap();
                    let _ = reconciler::handle(&state, LambdaEvent::new(event, Context::default()))
                        .await;
                }
                // Its table calls are its own lock, claims and audit entries: key_rotation's
                // tests run it on moto; its declaration is checked against the key layout.
                "key-rotation" => {}
                _ => {
                    let h = handler(function, &twilio, &backends).unwrap();
                    let _ = invoke(h.as_ref(), event, None).await;
                }
            }
        }
        let calls: Vec<Call> = recorder.take().iter().flat_map(calls).collect();
        let distinct: BTreeSet<&Call> = calls.iter().collect();
        println!("{function}: {} calls {distinct:?}", calls.len());
        let refused: Vec<&Call> = calls.iter().filter(|c| !granted(function, c)).collect();
        assert!(
            refused.is_empty(),
            "{function} makes undeclared calls: {refused:?}"
        );
        let a = access::of(function).unwrap();
        if a.items.is_empty() && !a.due_index {
            assert!(
                calls.is_empty(),
                "{function} declares no table access: {calls:?}"
            );
        } else if !matches!(function, "token" | "key-rotation") {
            assert!(
                !calls.is_empty(),
                "{function}: its events exercised nothing"
            );
        }
    }
}
