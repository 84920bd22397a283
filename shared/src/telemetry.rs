//! JSON logs, one object per line, carrying the Lambda request id.
//!
//! The Lambda runtime opens a span `Lambda runtime invoke` with field `requestId` around every
//! invocation; logging the current span puts that id on every line written inside a handler.
//! The level comes from `AWS_LAMBDA_LOG_LEVEL` (Lambda's log controls), else `RUST_LOG`, else info.
//! The filter is `tracing_subscriber`'s `Targets` (`level` or `target=level,…`), not its
//! `EnvFilter`, whose span and field matching brings a regex engine into every binary (README,
//! Performance).

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Installs the JSON subscriber on stdout. Call once, first thing in `main`. Release builds
/// compile out `debug` and `trace` events (Cargo.toml, tracing's `release_max_level_info`), so a
/// more verbose level asked for is said once, as a warning, rather than silently not met.
pub fn init() {
    let filter = filter();
    let ceiling = tracing::level_filters::STATIC_MAX_LEVEL;
    let asked = beyond(&filter, ceiling);
    let _ = tracing::subscriber::set_global_default(json_lines(filter, std::io::stdout));
    if let Some(asked) = asked {
        tracing::warn!(
            asked = %asked,
            logged = %ceiling,
            "this build logs at most {ceiling}: more verbose events are compiled out of release builds"
        );
    }
}

/// The most verbose level `filter` asks for (its default or any target's), when that is more
/// verbose than `ceiling`.
fn beyond(filter: &Targets, ceiling: LevelFilter) -> Option<LevelFilter> {
    let asked = filter
        .iter()
        .map(|(_, level)| level)
        .chain(filter.default_level())
        .max()?;
    (asked > ceiling).then_some(asked)
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
        json_lines(info(), move || writer.clone())
    }
}

/// The one log format: a JSON object per line, the fields flattened, the current span (which
/// carries the Lambda request id) beside them.
fn json_lines<W>(filter: Targets, writer: W) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .flatten_event(true)
        .with_target(false)
        .with_ansi(false)
        .with_writer(writer)
        .finish()
        .with(filter)
}

fn filter() -> Targets {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_default();
    parse_filter(&level)
}

/// `spec` as a filter: a level (Lambda's `TRACE` … `FATAL`, any case; `FATAL` is `error`) or
/// `target=level` directives; info when it is empty or not understood.
fn parse_filter(spec: &str) -> Targets {
    let spec = spec.trim().to_lowercase().replace("fatal", "error");
    match spec.is_empty() {
        true => info(),
        false => spec.parse().unwrap_or_else(|_| info()),
    }
}

fn info() -> Targets {
    Targets::new().with_default(LevelFilter::INFO)
}

#[cfg(test)]
mod tests {
    use tracing::Level;
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn the_level_comes_from_lambdas_log_level_or_directives_else_info() {
        let default = |spec: &str| super::parse_filter(spec).default_level();
        assert_eq!(default("WARN"), Some(LevelFilter::WARN));
        assert_eq!(default("FATAL"), Some(LevelFilter::ERROR));
        assert_eq!(default(""), Some(LevelFilter::INFO));
        assert_eq!(default("not a level=?"), Some(LevelFilter::INFO));
        let directives = super::parse_filter("warn,shared=debug");
        assert!(directives.would_enable("shared::twilio", &Level::DEBUG));
        assert!(!directives.would_enable("hyper", &Level::INFO));
    }

    #[test]
    fn a_level_beyond_what_the_build_logs_is_named() {
        let beyond = |spec: &str| super::beyond(&super::parse_filter(spec), LevelFilter::INFO);
        assert_eq!(beyond("DEBUG"), Some(LevelFilter::DEBUG));
        assert_eq!(beyond("warn,shared=trace"), Some(LevelFilter::TRACE));
        assert_eq!(beyond("INFO"), None);
        assert_eq!(beyond("error,hyper=warn"), None);
        assert_eq!(beyond(""), None);
    }

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
