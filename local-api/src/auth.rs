//! The emulated JWT authorizer: `Authorization: Bearer <JWT>` signed HS256 with
//! `LOCAL_AUTH_SECRET`; a missing, bad or expired token is a `401 unauthorized`, the functions'
//! own answer to a request without claims (`shared::caller::unauthenticated`). Only the signature
//! and `exp` are checked here; in AWS the authorizer also checks issuer and audience, and
//! answers its own `401 {"message":"Unauthorized"}` (see the README's Security section).

use std::collections::HashMap;

use anyhow::{Context, bail};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};
use shared::caller::unauthenticated;
use shared::error::ApiError;

/// The claims as API Gateway passes them: every value a string.
pub struct Claims {
    /// Claim name → value (non-string values as their JSON text).
    pub claims: HashMap<String, String>,
    /// The `scope` claim, split.
    pub scopes: Vec<String>,
}

/// Verifies a bearer token; a refusal is the answer to send.
pub fn verify(authorization: Option<&str>, secret: &str) -> Result<Claims, ApiError> {
    let token = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(|| unauthenticated("a bearer token is required"))?;
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims = ["exp".to_string()].into();
    validation.validate_aud = false;
    validation.leeway = 0;
    let data = jsonwebtoken::decode::<Map<String, Value>>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )
    .map_err(|_| unauthenticated("the bearer token is invalid or expired"))?;
    let claims: HashMap<String, String> = data
        .claims
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    let scopes = claims
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    Ok(Claims { claims, scopes })
}

/// `local-api token --sub alice --tenant acme [--scope "video:admin"] [--phone +14155550100]
/// [--email a@example.com] [--ttl 3600]`: a dev bearer token.
pub fn dev_token_from_args(args: &[String], secret: &str) -> anyhow::Result<String> {
    let mut claims = Map::new();
    let mut ttl: i64 = 3600;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let name = match flag.as_str() {
            "--sub" => "sub",
            "--tenant" => "tenant",
            "--scope" => "scope",
            "--phone" => "phone_number",
            "--email" => "email",
            "--ttl" => {
                ttl = value.parse().context("--ttl must be seconds")?;
                continue;
            }
            other => {
                bail!("unknown flag {other}; use --sub --tenant --scope --phone --email --ttl")
            }
        };
        claims.insert(name.to_string(), Value::String(value.clone()));
        // A dev token stands for an IdP that has verified the number or address it carries.
        if let Some(flag) = match name {
            "phone_number" => Some("phone_number_verified"),
            "email" => Some("email_verified"),
            _ => None,
        } {
            claims.insert(flag.to_string(), Value::Bool(true));
        }
    }
    if !claims.contains_key("sub") || !claims.contains_key("tenant") {
        bail!("--sub and --tenant are required");
    }
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ttl).into());
    Ok(jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_dev_token_verifies_and_carries_its_claims() {
        let token = dev_token_from_args(
            &args(&[
                "--sub",
                "alice",
                "--tenant",
                "acme",
                "--scope",
                "openid video:admin",
            ]),
            "k",
        )
        .unwrap();
        let claims = verify(Some(&format!("Bearer {token}")), "k").ok().unwrap();
        assert_eq!(claims.claims["sub"], "alice");
        assert_eq!(claims.claims["tenant"], "acme");
        assert_eq!(claims.scopes, vec!["openid", "video:admin"]);
    }

    #[test]
    fn bad_missing_and_expired_tokens_are_refused() {
        let token = dev_token_from_args(&args(&["--sub", "a", "--tenant", "t"]), "k").unwrap();
        assert!(verify(Some(&format!("Bearer {token}")), "other").is_err());
        assert!(verify(None, "k").is_err());
        assert!(verify(Some(&token), "k").is_err());
        let expired =
            dev_token_from_args(&args(&["--sub", "a", "--tenant", "t", "--ttl", "-10"]), "k")
                .unwrap();
        assert!(verify(Some(&format!("Bearer {expired}")), "k").is_err());
    }
}
