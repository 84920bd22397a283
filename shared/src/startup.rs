//! Cold start, the same in every function: JSON logs first, then the configuration from the
//! environment and the clients built once. Any failure stops start-up with a message naming what
//! is missing, before the first invocation.

use crate::aws::Backends;
use crate::config::Config;
use crate::secrets::SecretKind;

/// What stops a cold start: a missing or invalid variable, a client that cannot be built.
pub type StartupFailure = Box<dyn std::error::Error + Send + Sync>;

/// Installs the logs and reads the configuration.
pub fn configured() -> Result<Config, StartupFailure> {
    crate::telemetry::init();
    Ok(Config::from_env()?)
}

/// [`configured`], then the backends, holding the secrets of the kinds `uses` names.
pub async fn cold_start(uses: &[SecretKind]) -> Result<(Config, Backends), StartupFailure> {
    let config = configured()?;
    let backends = Backends::from_config(&config, uses).await?;
    Ok((config, backends))
}
