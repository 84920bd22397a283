//! JSON logs, one object per line, carrying the Lambda request id.
//!
//! The Lambda runtime opens a span `Lambda runtime invoke` with field `requestId` around every
//! invocation; logging the current span puts that id on every line written inside a handler.
//! The level comes from `AWS_LAMBDA_LOG_LEVEL` (Lambda's log controls), else `RUST_LOG`, else info.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Installs the JSON subscriber on stdout. Call once, first thing in `main`.
pub fn init() {
    let _ = tracing::subscriber::set_global_default(json_lines(filter(), std::io::stdout));
}

/// Log lines kept in memory, for tests that read what was (and was not) logged.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// The subscriber [`init`] installs, at level info, writing into this capture.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + use<> {
        let writer = self.clone();
        json_lines(EnvFilter::new("info"), move || writer.clone())
    }
}

/// The one log format: a JSON object per line, the fields flattened, the current span (which
/// carries the Lambda request id) beside them.
fn json_lines<W>(filter: EnvFilter, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .with_ansi(false)
        .with_writer(writer)
        .finish()
}

fn filter() -> EnvFilter {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_string())
        .to_lowercase();
    EnvFilter::try_new(&level).unwrap_or_else(|_| EnvFilter::new("info"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_lines_are_json_with_the_lambda_request_id() {
        let captured = super::Captured::default();
        tracing::subscriber::with_default(captured.subscriber(), || {
            // The span the Lambda runtime opens around each invocation.
            let span = tracing::info_span!("Lambda runtime invoke", requestId = "req-123");
            let _entered = span.enter();
            tracing::info!(room_sid = "RM1", "room ended");
        });
        let text = captured.text();
        let line: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        assert_eq!(line["span"]["requestId"], "req-123");
        assert_eq!(line["room_sid"], "RM1");
        assert_eq!(line["message"], "room ended");
    }
}
