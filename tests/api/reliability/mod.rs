//! Issue 15: the system's guarantees under the failures production brings, proven in one place.
//!
//! - `faults/`: Twilio, Secrets Manager and DynamoDB failing, through a fault-injecting proxy
//!   (`integration_tests::faults`) in front of the wiremock Twilio or moto's server;
//! - `floods`: Twilio delivering each callback 100 times at once;
//! - `bad_input`: every route of API.md (`routes.md`, a copy of its table) refusing malformed
//!   requests with a 4xx in the one error shape, writing nothing and calling no one;
//! - `generated`: property tests of the parsers and the signature check (`./scripts/fuzz` runs
//!   them longer);
//! - `logs`: a whole scenario through the local API, every log line searched for secrets.
//!
//! The README's "Guarantees" section names the test that proves each guarantee.

mod bad_input;
mod events;
mod faults;
mod floods;
mod generated;
mod logs;

use std::time::{Duration, Instant};

use integration_tests::faults::FaultProxy;
use integration_tests::webhook::{body, status};
use integration_tests::{backends, config_with_twilio};
use serde_json::Value;
use shared::aws::Backends;
use shared::config::Config;
use shared::memory::MemoryStore;
use wiremock::MockServer;

/// Back ends with the embedded store (`shared::memory`) and the test credentials, for the tests
/// whose failing dependency is Twilio or Secrets Manager: moto, which serves one request at a
/// time, is slow while floods run beside them, and its latency must not eat their deadlines.
/// The store's own failures are `faults::dynamo`'s, against moto.
pub(crate) async fn embedded() -> Backends {
    let mut backends = backends().await;
    backends.store = std::sync::Arc::new(MemoryStore::new());
    backends
}

/// Floods queue a hundred requests at once on moto: they take this exclusively, and the tests
/// that hold their clients to the deployed time limits against moto take it shared, so that the
/// two never meet.
pub(crate) static MOTO: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// A wiremock Twilio behind a fault proxy: the functions call the proxy, which forwards to the
/// mock what it does not fail.
pub(crate) struct Twilio {
    pub mock: MockServer,
    pub proxy: FaultProxy,
}

impl Twilio {
    pub async fn start() -> Self {
        let mock = MockServer::start().await;
        let proxy = FaultProxy::start(&mock.uri()).await;
        Self { mock, proxy }
    }

    /// Configuration with every Twilio base URL at the proxy, then `extra`.
    pub fn config(&self, extra: &[(&str, &str)]) -> Config {
        config_with_twilio(&self.proxy.uri(), extra)
    }

    /// How many `method` requests to `path` reached Twilio (the mock), faults not counted.
    pub async fn reached(&self, method: &str, path: &str) -> usize {
        let received = self.mock.received_requests().await.unwrap_or_default();
        received
            .iter()
            .filter(|r| r.method.as_str() == method && r.url.path() == path)
            .count()
    }
}

/// The status and error code of an API Gateway response.
pub(crate) fn answer(response: &Value) -> (u64, String) {
    let code = body(response)["error"]["code"]
        .as_str()
        .unwrap_or("")
        .to_string();
    (status(response), code)
}

/// A header of an API Gateway response.
pub(crate) fn header<'a>(response: &'a Value, name: &str) -> Option<&'a str> {
    response["headers"][name].as_str()
}

/// Asserts that an answer came within its deadline: well before an answer held 30 s by the
/// proxy could have been waited for. A bound on behaviour (the deadline is honoured), far from
/// any performance figure.
pub(crate) fn within(started: Instant, deadline: Duration, what: &str) {
    let took = started.elapsed();
    assert!(
        took < deadline + Duration::from_secs(5),
        "{what}: answered after {took:?}, past its deadline of {deadline:?}"
    );
}

/// The test module file of `path` (`reliability::floods`) under `tests/api`, if there is one.
fn module_file(path: &[&str]) -> Option<String> {
    let base = format!("{}/api/{}", env!("CARGO_MANIFEST_DIR"), path.join("/"));
    [format!("{base}.rs"), format!("{base}/mod.rs")]
        .into_iter()
        .find_map(|file| std::fs::read_to_string(file).ok())
}

#[test]
fn every_test_the_guarantees_name_exists() {
    let readme = include_str!("../../../README.md");
    let section = readme
        .split("\n## Guarantees\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("the README has a Guarantees section");
    let mut checked = 0;
    for name in section.split('`').skip(1).step_by(2) {
        let parts: Vec<&str> = name.split("::").collect();
        let snake = |p: &&str| {
            p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        };
        if parts.len() < 2 || !parts.iter().all(snake) || module_file(&parts[..1]).is_none() {
            continue;
        }
        let (test, module) = parts.split_last().unwrap();
        let source = module_file(module).unwrap_or_else(|| panic!("no module for `{name}`"));
        assert!(
            source.contains(&format!("fn {test}(")),
            "the README names `{name}`, which does not exist"
        );
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} tests named");
}
