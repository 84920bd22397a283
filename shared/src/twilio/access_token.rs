//! Twilio Access Tokens, minted as Twilio's helper libraries mint them.
//!
//! An Access Token is an HS256 JWT signed with an API key's secret:
//!
//! - header: `typ: JWT`, `alg: HS256`, `cty: twilio-fpa;v=1` (the content type Twilio checks);
//! - claims: `jti` = `{API key SID}-{issued-at seconds}`, `iss` = the API key SID, `sub` = the
//!   account SID, `iat`, `nbf` and `exp` in Unix seconds, and `grants` with the participant's
//!   `identity` and a `video` grant naming the one room the token may join.
//!
//! Signed here with `hmac` and `sha2` rather than a JWT library: HS256 is all a Twilio token
//! needs, and `jsonwebtoken` brings every algorithm's signer (RSA, ECDSA, EdDSA) into each
//! binary (README, Performance). The test vectors pin the exact bytes.
//!
//! The clock is an argument, so the same inputs always give the same token (tests use a fixed
//! one). Twilio refuses tokens that live longer than 24 hours; [`crate::config::Config`] stops
//! start-up on a longer `VIDEO_TOKEN_TTL_SECONDS`, and [`mint`] refuses one too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use secrecy::ExposeSecret;
use serde::Serialize;
use sha2::Sha256;

use crate::config::MAX_VIDEO_TOKEN_TTL_SECONDS;
use crate::secrets::TwilioCredentials;

/// The JWT header of every Access Token, in the order Twilio's helper libraries write it (`cty`
/// is the content type Twilio checks).
const HEADER: &str = r#"{"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}"#;

/// What a token grants.
#[derive(Clone, Copy, Debug)]
pub struct Grants<'a> {
    /// The participant's identity.
    pub identity: &'a str,
    /// The room (unique name) the video grant is restricted to.
    pub room: &'a str,
}

/// A minted token. `jwt` is a credential: it goes into the response and nowhere else.
#[derive(Clone)]
pub struct AccessToken {
    /// The signed JWT.
    pub jwt: String,
    /// Issued-at, Unix seconds.
    pub issued_at: i64,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("jwt", &"[redacted]")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Why a token could not be minted.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A lifetime of zero or beyond Twilio's 24 hours.
    #[error("token lifetime {0}s is outside 1..={MAX_VIDEO_TOKEN_TTL_SECONDS}")]
    Lifetime(u64),
    /// The claims could not be serialized (they always can: strings and numbers).
    #[error("jwt encoding: {0}")]
    Encode(#[from] serde_json::Error),
}

#[derive(Serialize)]
struct Claims<'a> {
    jti: String,
    iss: &'a str,
    sub: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    grants: GrantsClaim<'a>,
}

#[derive(Serialize)]
struct GrantsClaim<'a> {
    identity: &'a str,
    video: VideoGrant<'a>,
}

#[derive(Serialize)]
struct VideoGrant<'a> {
    room: &'a str,
}

/// Mints a token for `grants`, valid from `now` (Unix seconds) for `ttl_seconds`.
pub fn mint(
    creds: &TwilioCredentials,
    grants: Grants<'_>,
    ttl_seconds: u64,
    now: i64,
) -> Result<AccessToken, TokenError> {
    if ttl_seconds == 0 || ttl_seconds > MAX_VIDEO_TOKEN_TTL_SECONDS {
        return Err(TokenError::Lifetime(ttl_seconds));
    }
    let expires_at = now + ttl_seconds as i64;
    let claims = Claims {
        jti: format!("{}-{now}", creds.api_key_sid),
        iss: &creds.api_key_sid,
        sub: &creds.account_sid,
        iat: now,
        nbf: now,
        exp: expires_at,
        grants: GrantsClaim {
            identity: grants.identity,
            video: VideoGrant { room: grants.room },
        },
    };
    let key = creds.api_key_secret.expose_secret().as_bytes();
    let jwt = hs256(&claims, key)?;
    Ok(AccessToken {
        jwt,
        issued_at: now,
        expires_at,
    })
}

/// `base64url(HEADER).base64url(claims)` and its HMAC-SHA256 under `key`, as RFC 7515's
/// compact serialization (no padding).
fn hs256(claims: &impl Serialize, key: &[u8]) -> Result<String, TokenError> {
    let mut jwt = URL_SAFE_NO_PAD.encode(HEADER);
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(serde_json::to_vec(claims)?, &mut jwt);
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(jwt.as_bytes());
    jwt.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut jwt);
    Ok(jwt)
}

#[cfg(test)]
#[path = "access_token_tests.rs"]
mod tests;
