//! Every log line the test binary writes, for tests that check what is (and is not) logged.

use std::sync::OnceLock;

use serde_json::Value;

/// The captured log output, shared by every test of the binary.
pub use shared::telemetry::Captured as Logs;

/// Every log line of this test binary from the first call on, in the functions' own format: one
/// global subscriber (a scoped one would race with other tests' threads over call sites' cached
/// interest), so every test that reads logs goes through here.
pub fn captured() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        tracing::subscriber::set_global_default(logs.subscriber())
            .expect("the only global subscriber");
        logs
    })
    .clone()
}

/// Every log line written on the current thread while installed, in the functions' own JSON
/// format. A `#[tokio::test]` runs the futures and tasks it spawns on its one thread, so this
/// catches what the code under test logs and nothing of the tests running beside it.
#[derive(Clone, Default)]
pub struct LogCapture(Logs);

impl LogCapture {
    /// Starts capturing on this thread, until the guard is dropped.
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        tracing::subscriber::set_default(self.0.subscriber())
    }

    /// What was captured, as text.
    pub fn text(&self) -> String {
        self.0.text()
    }

    /// The captured lines, each as JSON.
    pub fn lines(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// How many lines have `message`.
    pub fn count(&self, message: &str) -> usize {
        self.lines()
            .iter()
            .filter(|l| l["message"] == message)
            .count()
    }
}
