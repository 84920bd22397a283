//! The local API as a library: builds the app from its settings and serves it, so that tests
//! start it on a random port exactly as `main.rs` starts it on `PORT`.

mod app;
pub mod auth;
pub mod defaults;
mod event;
pub mod fake_twilio;
mod response;
pub mod routes;
pub mod schedule;

use std::future::Future;
use std::sync::Arc;

pub use app::App;
pub use defaults::Settings;
use fake_twilio::{Callbacks, FakeTwilio};
use schedule::Schedule;
use shared::aws::Backends;
use shared::config::Config;
use shared::secrets::SecretKind;

/// Builds every function's state on one set of back ends (so the embedded store is shared),
/// the route table, the reconciler's schedule, and the fake Twilio when the settings point
/// Twilio at it. Called inside a Tokio runtime: the fake's callbacks leave from a task of it.
pub async fn app(settings: &Settings) -> anyhow::Result<App> {
    let lookup = |name: &str| settings.lookup(name);
    let config = Config::from_lookup(lookup)?;
    let backends =
        Backends::from_config_with(&config, &lookup, &[SecretKind::ApiKey, SecretKind::Auth])
            .await?;
    let reconciler = reconciler::State::new(&config, &backends)?;
    let schedule = Schedule::new(reconciler, settings.schedule_every()?);
    let callbacks = settings.fake_callbacks()?;
    let fake = settings.fake_twilio().map(|base| {
        let var = |name: &str| settings.lookup(name).unwrap_or_default();
        let callbacks = Callbacks::new(var("TWILIO_AUTH_TOKEN"), callbacks);
        FakeTwilio::new(base.to_string(), var("TWILIO_ACCOUNT_SID"), callbacks)
    });
    let table = routes::bind(config, backends)?;
    Ok(App::new(table, settings.auth_secret(), fake).with_schedule(schedule))
}

/// Serves `app` on `listener`, and runs its schedule, until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let schedule = app.schedule().map(|s| s.spawn());
    let served = axum::serve(listener, app.router())
        .with_graceful_shutdown(shutdown)
        .await;
    if let Some(task) = schedule {
        task.abort();
    }
    served
}
