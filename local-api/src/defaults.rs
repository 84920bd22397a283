//! The local API's embedded defaults: what a fresh checkout runs with when the environment says
//! nothing. Every value here is a dev value; real ones come from the environment.
//!
//! On the dev credentials the Twilio base URLs default to the embedded fake Twilio
//! (`fake_twilio.rs`) on the local API's own listener: real Twilio would only refuse them, and a
//! fresh machine then works offline. Real credentials (`TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY` or
//! `TWILIO_SECRET_ID`) or explicit `TWILIO_*_BASE_URL` values leave the base URLs alone, and
//! `LOCAL_FAKE_TWILIO=0` turns the fake off.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;

use crate::fake_twilio;

/// The HS256 key of the bearer tokens the local API accepts when `LOCAL_AUTH_SECRET` is unset.
pub const DEV_AUTH_SECRET: &str = "local-dev-secret-do-not-use-in-aws";

/// The base URLs of the Twilio APIs we call, which the fake can stand in for.
const BASE_URLS: [&str; 3] = [
    "TWILIO_VIDEO_BASE_URL",
    "TWILIO_VERIFY_BASE_URL",
    "TWILIO_API_BASE_URL",
];
/// Any of these means real credentials are in use, and so real Twilio.
const REAL_CREDENTIALS: [&str; 3] = ["TWILIO_ACCOUNT_SID", "TWILIO_API_KEY", "TWILIO_SECRET_ID"];

/// Where variables come from: the process environment in `main`, a test's own in tests.
pub type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

/// A variable of the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// `LOCAL_AUTH_SECRET` or its dev default.
pub fn auth_secret(env: &Env) -> String {
    set(env, "LOCAL_AUTH_SECRET").unwrap_or_else(|| DEV_AUTH_SECRET.to_string())
}

/// `PORT`, default 3000.
pub fn port(env: &Env) -> anyhow::Result<u16> {
    set(env, "PORT")
        .unwrap_or_else(|| "3000".into())
        .parse()
        .context("PORT must be a port number")
}

/// What a local API listening on one address runs with.
pub struct Settings {
    env: Box<Env>,
    public_base_url: String,
    fake_twilio: Option<String>,
}

impl Settings {
    /// The settings of a server listening on `addr`, over the variables of `env`.
    pub fn new(
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        addr: SocketAddr,
    ) -> Self {
        let env: Box<Env> = Box::new(env);
        let dev_credentials = REAL_CREDENTIALS
            .iter()
            .all(|name| set(&*env, name).is_none());
        let enabled = set(&*env, "LOCAL_FAKE_TWILIO").as_deref() != Some("0");
        let wanted = BASE_URLS.iter().any(|name| set(&*env, name).is_none());
        let fake_twilio = (dev_credentials && enabled && wanted)
            .then(|| format!("http://{addr}{}", fake_twilio::PREFIX));
        Self {
            env,
            public_base_url: format!("http://{addr}"),
            fake_twilio,
        }
    }

    /// A variable from the environment, else its local default.
    pub fn lookup(&self, name: &str) -> Option<String> {
        set(&*self.env, name).or_else(|| match name {
            // Twilio's callbacks (and their signatures) name the address actually served.
            "PUBLIC_BASE_URL" => Some(self.public_base_url.clone()),
            _ if BASE_URLS.contains(&name) => self.fake_twilio.clone(),
            _ => dev_default(name).map(str::to_string),
        })
    }

    /// The fake Twilio's base URL, when some Twilio base URL defaults to it.
    pub fn fake_twilio(&self) -> Option<&str> {
        self.fake_twilio.as_deref()
    }

    /// `LOCAL_AUTH_SECRET` or its dev default.
    pub fn auth_secret(&self) -> String {
        auth_secret(&*self.env)
    }

    /// `LOCAL_SCHEDULE_SECONDS` (1–86400, default 60): how often the reconciler runs.
    pub fn schedule_every(&self) -> anyhow::Result<Duration> {
        let raw = set(&*self.env, "LOCAL_SCHEDULE_SECONDS").unwrap_or_else(|| "60".into());
        match raw.trim().parse::<u64>() {
            Ok(seconds) if (1..=86_400).contains(&seconds) => Ok(Duration::from_secs(seconds)),
            _ => anyhow::bail!(
                "LOCAL_SCHEDULE_SECONDS must be a whole number of seconds, 1 to 86400"
            ),
        }
    }

    /// `LOCAL_FAKE_TWILIO_CALLBACKS`: which of the fake's callbacks are delivered.
    pub fn fake_callbacks(&self) -> anyhow::Result<fake_twilio::Delivered> {
        fake_twilio::Delivered::parse(set(&*self.env, "LOCAL_FAKE_TWILIO_CALLBACKS").as_deref())
    }
}

/// `name` from `env`, unless empty.
fn set(env: &Env, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

fn dev_default(name: &str) -> Option<&'static str> {
    Some(match name {
        "TWILIO_ACCOUNT_SID" => "AC00000000000000000000000000000000",
        "TWILIO_API_KEY" => "SK00000000000000000000000000000000",
        "TWILIO_API_SECRET" => "local-dev-api-key-secret",
        "TWILIO_AUTH_TOKEN" => "local-dev-auth-token",
        "TWILIO_VERIFY_SERVICE_SID" => "VA00000000000000000000000000000000",
        "TWILIO_MESSAGING_SERVICE_SID" => "MG00000000000000000000000000000000",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Settings {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Settings::new(env, "127.0.0.1:4321".parse().unwrap())
    }

    #[test]
    fn on_the_dev_credentials_every_twilio_base_url_is_the_fake_on_the_served_port() {
        let s = settings(&[]);
        for name in BASE_URLS {
            assert_eq!(
                s.lookup(name).as_deref(),
                Some("http://127.0.0.1:4321/__twilio")
            );
        }
        assert_eq!(s.fake_twilio(), Some("http://127.0.0.1:4321/__twilio"));
        assert_eq!(
            s.lookup("PUBLIC_BASE_URL").as_deref(),
            Some("http://127.0.0.1:4321")
        );
        assert_eq!(
            s.lookup("TWILIO_API_SECRET").as_deref(),
            Some("local-dev-api-key-secret")
        );
    }

    #[test]
    fn real_credentials_or_local_fake_twilio_0_leave_the_base_urls_to_twilio() {
        for vars in [
            [("TWILIO_ACCOUNT_SID", "AC0123456789abcdef0123456789abcdef")],
            [("TWILIO_API_KEY", "SK0123456789abcdef0123456789abcdef")],
            [("TWILIO_SECRET_ID", "video/twilio")],
            [("LOCAL_FAKE_TWILIO", "0")],
        ] {
            let s = settings(&vars);
            assert_eq!(s.fake_twilio(), None, "{vars:?}");
            for name in BASE_URLS {
                assert_eq!(s.lookup(name), None, "{vars:?} {name}");
            }
        }
    }

    #[test]
    fn the_schedule_defaults_to_a_minute_and_refuses_what_is_not_a_period() {
        assert_eq!(
            settings(&[]).schedule_every().unwrap(),
            Duration::from_secs(60)
        );
        let five = settings(&[("LOCAL_SCHEDULE_SECONDS", "5")]);
        assert_eq!(five.schedule_every().unwrap(), Duration::from_secs(5));
        for bad in ["0", "-1", "1.5", "soon", "86401"] {
            let err = settings(&[("LOCAL_SCHEDULE_SECONDS", bad)]).schedule_every();
            assert!(
                err.unwrap_err()
                    .to_string()
                    .contains("LOCAL_SCHEDULE_SECONDS"),
                "{bad}"
            );
        }
    }

    #[test]
    fn an_explicit_base_url_is_kept_and_the_others_still_default_to_the_fake() {
        let s = settings(&[("TWILIO_VIDEO_BASE_URL", "http://127.0.0.1:9/stub")]);
        assert_eq!(
            s.lookup("TWILIO_VIDEO_BASE_URL").as_deref(),
            Some("http://127.0.0.1:9/stub")
        );
        assert_eq!(
            s.lookup("TWILIO_VERIFY_BASE_URL").as_deref(),
            Some("http://127.0.0.1:4321/__twilio")
        );
        let all: Vec<(&str, &str)> = BASE_URLS.iter().map(|n| (*n, "http://x.test")).collect();
        assert_eq!(settings(&all).fake_twilio(), None);
    }
}
