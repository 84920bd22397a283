//! Each function's HTTP handler by its name (its folder under `functions/`), for the tests that go
//! over every function: one place that knows how each is built.

use std::sync::Arc;

use shared::aws::Backends;
use shared::config::Config;
use shared::http::Handler;

/// `function`'s HTTP handler on `config` and `backends`; `None` for a scheduled function.
/// Panics on a name it does not know, so that a new function is added here.
pub fn handler(function: &str, config: &Config, backends: &Backends) -> Option<Arc<dyn Handler>> {
    let h: Arc<dyn Handler> = match function {
        "health" => Arc::new(health::Health),
        "token" => Arc::new(token::State::new(config, backends).expect("token state")),
        "presence" => Arc::new(presence::State::new(config, backends)),
        "verify" => Arc::new(verify::State::new(config, backends).expect("verify state")),
        "webhook" => Arc::new(webhook::State::new(config, backends)),
        "composition" => {
            Arc::new(composition::State::new(config, backends).expect("composition state"))
        }
        "rooms" => Arc::new(rooms::State::new(config, backends).expect("rooms state")),
        "reconciler" | "key-rotation" => return None,
        other => panic!("no handler for {other}: add it here"),
    };
    Some(h)
}
