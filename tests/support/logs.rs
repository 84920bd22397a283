//! Every log line the test binary writes, for tests that check what is (and is not) logged.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

/// The captured log output, shared by every test of the binary.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line of this test binary from the first call on, in the functions' own format: one
/// global subscriber (a scoped one would race with other tests' threads over call sites' cached
/// interest), so every test that reads logs goes through here.
pub fn captured() -> Logs {
    static LOGS: OnceLock<Logs> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = shared::telemetry::subscriber(move || writer.clone());
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        logs
    })
    .clone()
}
