//! Every log line the test binary writes, for tests that check what is (and is not) logged.

use std::sync::OnceLock;

/// The captured log output, shared by every test of the binary.
pub use shared::telemetry::Captured as Logs;

/// Every log line of this test binary from the first call on, in the functions' own format: one
/// global subscriber (a scoped one would race with other tests' threads over call sites' cached
/// interest), so every test that reads logs goes through here.
pub fn captured() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let (logs, subscriber) = shared::telemetry::capturing();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
    .clone()
}
