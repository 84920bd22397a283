//! A recording DynamoDB client: the SDK's own client with an interceptor that records every
//! request it transmits (operation, from `X-Amz-Target`, and JSON body), retries included, so a
//! test can say what a callback or a reconciler run costs in DynamoDB requests, or which items a
//! function's calls name.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use serde_json::Value;
use shared::aws::Backends;
use shared::dynamo::DynamoTable;

use crate::recordings::isolated_table;
use crate::sdk;

/// Operations that read.
const READS: [&str; 5] = [
    "GetItem",
    "BatchGetItem",
    "Query",
    "Scan",
    "TransactGetItems",
];

/// One request as it was transmitted.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its operation (`GetItem`, `TransactWriteItems`, …).
    pub operation: String,
    /// Its JSON body (`null` when it has none).
    pub body: Value,
}

/// Records the requests of the clients it is in; clones share the record.
#[derive(Clone, Debug, Default)]
pub struct Recorder(Arc<Mutex<Vec<Sent>>>);

impl Recorder {
    /// A DynamoDB client of the tests' SDK configuration whose requests this records.
    pub async fn client(&self) -> aws_sdk_dynamodb::Client {
        let config = aws_sdk_dynamodb::config::Builder::from(sdk().await)
            .interceptor(self.clone())
            .build();
        aws_sdk_dynamodb::Client::from_conf(config)
    }

    /// The requests so far, and a fresh start.
    pub fn take(&self) -> Vec<Sent> {
        let mut sent = self.0.lock().unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *sent)
    }

    /// The requests so far by operation, and a fresh start.
    pub fn take_counts(&self) -> Counts {
        let mut counts = BTreeMap::new();
        for sent in self.take() {
            *counts.entry(sent.operation).or_default() += 1;
        }
        Counts(counts)
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "RequestRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request();
        let target = request.headers().get("x-amz-target");
        let operation = target
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_string();
        let body = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok());
        let sent = Sent {
            operation,
            body: body.unwrap_or(Value::Null),
        };
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(sent);
        Ok(())
    }
}

/// Requests by operation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<String, u64>);

impl Counts {
    /// Read requests (`GetItem`, `Query`, …).
    pub fn reads(&self) -> u64 {
        self.sum(|op| READS.contains(&op))
    }

    /// Write requests (`PutItem`, `UpdateItem`, `DeleteItem`, `TransactWriteItems`, …).
    pub fn writes(&self) -> u64 {
        self.sum(|op| !READS.contains(&op))
    }

    /// Requests of `operation`.
    pub fn of(&self, operation: &str) -> u64 {
        self.0.get(operation).copied().unwrap_or(0)
    }

    fn sum(&self, wanted: impl Fn(&str) -> bool) -> u64 {
        self.0
            .iter()
            .filter(|(op, _)| wanted(op))
            .map(|(_, n)| n)
            .sum()
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} reads, {} writes (", self.reads(), self.writes())?;
        let ops: Vec<String> = self.0.iter().map(|(op, n)| format!("{op} {n}")).collect();
        write!(f, "{})", ops.join(", "))
    }
}

/// Back ends on a fresh table (`recordings::isolated_table`) whose every DynamoDB request the
/// returned recorder records.
pub async fn recorded_backends() -> (Backends, Recorder) {
    let recorder = Recorder::default();
    let table = DynamoTable::new(recorder.client().await, isolated_table().await);
    (crate::backends_on(Arc::new(table)), recorder)
}
