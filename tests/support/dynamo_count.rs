//! A request-counting DynamoDB client: the SDK's own client on a fresh table with an
//! interceptor that counts every request it transmits by operation (`X-Amz-Target`), retries
//! included, so a test can say what a callback or a reconciler run costs in DynamoDB requests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
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

/// Counts requests by operation; clones share the counts.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<Mutex<BTreeMap<String, u64>>>);

impl Counter {
    /// The counts so far, and a fresh start.
    pub fn take(&self) -> Counts {
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        Counts(std::mem::take(&mut *counts))
    }
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let target = context.request().headers().get("x-amz-target");
        let operation = target
            .and_then(|t| t.rsplit('.').next())
            .unwrap_or("unknown")
            .to_string();
        let mut counts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        *counts.entry(operation).or_default() += 1;
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

/// Back ends on a fresh table whose every DynamoDB request is counted by the returned counter.
pub async fn counting_backends() -> (Backends, Counter) {
    let counter = Counter::default();
    let config = aws_sdk_dynamodb::config::Builder::from(sdk().await)
        .interceptor(counter.clone())
        .build();
    let client = aws_sdk_dynamodb::Client::from_conf(config);
    let mut backends = crate::backends().await;
    backends.store = Arc::new(DynamoTable::new(client, isolated_table().await));
    (backends, counter)
}
