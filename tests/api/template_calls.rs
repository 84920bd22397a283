//! The declared access (`shared::access`) checked against what the code does: each function
//! runs its `events/` on moto, through a DynamoDB client that records every request it sends
//! (operation, and the partition key or index it names); each recorded call must be one its
//! declaration grants, hence one the template grants (`template_iam`). A store call added to a
//! function without its line in `shared/src/access.rs` fails here, before IAM refuses it in AWS.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use integration_tests::{sdk, table_name, unique, webhook::invoke};
use lambda_runtime::{Context, LambdaEvent};
use serde_json::Value;
use shared::access;
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::dynamo::DynamoTable;
use shared::store::Store;

use crate::events::world::{ROOM, handler, recorded_room, twilio};
use crate::events::{load, manifest};
use integration_tests::backends_on;

/// One request: the operation, and the partition key it names, or the index it queries.
type Call = (String, String);

#[derive(Clone, Debug, Default)]
struct Recorder(Arc<Mutex<Vec<Call>>>);

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "Recorder"
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = ctx.request();
        let target = request.headers().get("x-amz-target").unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or_default().to_string();
        let body: Value = serde_json::from_slice(request.body().bytes().unwrap_or(b"{}"))?;
        let mut calls = self.0.lock().unwrap();
        let pk = |item: &Value| item["pk"]["S"].as_str().unwrap_or("?").to_string();
        match operation.as_str() {
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
                calls.push((operation, on));
            }
            _ => {
                let key = if body["Item"].is_null() {
                    &body["Key"]
                } else {
                    &body["Item"]
                };
                calls.push((operation, pk(key)));
            }
        }
        Ok(())
    }
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

/// A fresh table shaped as the test table (`scripts/create_table.py` made it from the
/// template), and a store on it that records every request.
async fn recorded_table() -> (Backends, Arc<dyn Store>, Recorder) {
    let client = aws_sdk_dynamodb::Client::new(sdk().await);
    let t = client
        .describe_table()
        .table_name(table_name())
        .send()
        .await
        .unwrap();
    let t = t.table().unwrap();
    let name = unique("iam-");
    let indexes = t.global_secondary_indexes().iter().map(|g| {
        aws_sdk_dynamodb::types::GlobalSecondaryIndex::builder()
            .index_name(g.index_name().unwrap_or_default())
            .set_key_schema(Some(g.key_schema().to_vec()))
            .set_projection(g.projection().cloned())
            .build()
            .unwrap()
    });
    client
        .create_table()
        .table_name(&name)
        .set_key_schema(Some(t.key_schema().to_vec()))
        .set_attribute_definitions(Some(t.attribute_definitions().to_vec()))
        .set_global_secondary_indexes(Some(indexes.collect()))
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let plain: Arc<dyn Store> = Arc::new(DynamoTable::new(client, &name));
    let recorder = Recorder::default();
    let conf = aws_sdk_dynamodb::config::Builder::from(sdk().await)
        .interceptor(recorder.clone())
        .build();
    let recorded = DynamoTable::new(aws_sdk_dynamodb::Client::from_conf(conf), &name);
    (backends_on(Arc::new(recorded)), plain, recorder)
}

#[tokio::test]
async fn every_table_call_a_function_makes_on_its_events_is_declared() {
    let m = manifest();
    let functions: BTreeSet<&str> = m.values().filter_map(|e| e["function"].as_str()).collect();
    for function in functions {
        let (backends, seed, recorder) = recorded_table().await;
        let twilio = twilio().await;
        // What the events presume: a recorded room with its composition, one owed.
        recorded_room(&seed).await;
        seed.owe_composition(ROOM, now_unix() - 1).await.unwrap();
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
        let calls = recorder.0.lock().unwrap().clone();
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
