//! Reading one variable: the lookup with its parsing helpers, and the error that names the
//! variable. Empty values count as unset.

use std::fmt;
use std::str::FromStr;

use url::Url;

use crate::names::is_sid;

/// A variable that is missing or cannot be parsed.
#[derive(Clone, Debug, thiserror::Error)]
#[error("configuration variable {var}: {reason}")]
pub struct ConfigError {
    /// The variable's name.
    pub var: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl ConfigError {
    /// The error for `var`, saying what is wrong with it (never its value, which may be secret).
    pub fn new(var: &'static str, reason: impl fmt::Display) -> Self {
        Self {
            var,
            reason: reason.to_string(),
        }
    }
}

/// A lookup with the parsing helpers; empty values count as unset.
pub(super) struct Env<'a>(pub(super) &'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    pub(super) fn optional(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    pub(super) fn parse_or<T>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.optional(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|e| ConfigError::new(name, format!("cannot parse {raw:?}: {e}"))),
        }
    }

    pub(super) fn url(&self, name: &'static str, default: &str) -> Result<Url, ConfigError> {
        let raw = self.optional(name).unwrap_or_else(|| default.to_string());
        let url =
            Url::parse(&raw).map_err(|e| ConfigError::new(name, format!("not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(ConfigError::new(name, "must be an http(s) URL with a host"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(ConfigError::new(name, "must not carry a query or fragment"));
        }
        Ok(url)
    }

    pub(super) fn sid(
        &self,
        name: &'static str,
        prefix: &str,
    ) -> Result<Option<String>, ConfigError> {
        match self.optional(name) {
            None => Ok(None),
            Some(sid) if is_sid(&sid, prefix) => Ok(Some(sid)),
            Some(_) => Err(ConfigError::new(
                name,
                format!("must be a Twilio SID: {prefix} and 32 hex digits"),
            )),
        }
    }

    pub(super) fn one_of(
        &self,
        name: &'static str,
        default: &str,
        allowed: &[&str],
    ) -> Result<String, ConfigError> {
        let value = self.optional(name).unwrap_or_else(|| default.to_string());
        if allowed.contains(&value.as_str()) {
            Ok(value)
        } else {
            Err(ConfigError::new(
                name,
                format!("must be one of {allowed:?}"),
            ))
        }
    }
}
