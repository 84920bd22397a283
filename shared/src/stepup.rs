//! The step-up proof: what `/verify/check` hands out on `approved`, and what `/video/token` (and
//! any route that asks for `X-Step-Up-Token`) checks.
//!
//! A proof is `v1.{claims}.{mac}`: `claims` is base64url JSON `{"ten","sub","exp","jti"}` (tenant,
//! user, expiry in Unix seconds, 128 random bits), and `mac` is base64url HMAC-SHA256 over
//! `v1.{claims}`. So a proof is short-lived, bound to one tenant and user, unforgeable without the
//! key, and checked with no storage read at all: the key is all a function needs.
//!
//! The key: the secret's `step_up_key` field (base64url of 32 bytes), which key rotation
//! carries from each version of the API key secret to the next unchanged, so a proof stays valid
//! for its whole lifetime on every function across a rotation (API.md), whether that function
//! has refreshed its cached secret or not. Until the first rotation the field is absent and the
//! key is derived from the API key secret (HMAC-SHA256 of a fixed label under that secret); the
//! first rotation seeds `step_up_key` with exactly that derived key, so proofs outstanding then
//! stay valid too. Deriving rather than using the API key secret itself keeps the two uses
//! apart: a proof is never also a valid Twilio signature. A proof never needs the Auth Token.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use lambda_http::Request;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::Sha256;

use crate::caller::Caller;
use crate::error::ApiError;
use crate::secrets::TwilioCredentials;

/// The request header that carries a proof.
pub const HEADER: &str = "x-step-up-token";

const VERSION: &str = "v1";
/// The label the proof key is derived under; a new format gets a new label.
const KEY_LABEL: &[u8] = b"twilio-video-backend step-up proof v1";
/// Longer headers are refused before any decoding: a real proof is about 200 characters.
const MAX_LEN: usize = 1024;

type HmacSha256 = Hmac<Sha256>;

/// The key that signs and checks proofs.
#[derive(Clone)]
pub struct StepUpKey([u8; 32]);

impl std::fmt::Debug for StepUpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StepUpKey([redacted])")
    }
}

/// A proof just issued.
#[derive(Clone)]
pub struct StepUpProof {
    /// The proof, for the client (a credential: never logged).
    pub token: String,
    /// Its expiry, Unix seconds.
    pub expires_at: i64,
}

/// A proof that checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Its expiry, Unix seconds.
    pub expires_at: i64,
}

/// Why a proof was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StepUpError {
    /// No proof was presented.
    #[error("no step-up proof")]
    Missing,
    /// Not a proof of ours: malformed, or its MAC does not check (forged, altered, or signed
    /// under another proof key).
    #[error("invalid step-up proof")]
    Invalid,
    /// A genuine proof of another tenant or user.
    #[error("step-up proof of another user")]
    OtherUser,
    /// A genuine proof that has expired.
    #[error("expired step-up proof")]
    Expired,
}

impl From<StepUpError> for ApiError {
    fn from(e: StepUpError) -> Self {
        match e {
            StepUpError::Missing => ApiError::unauthorized(
                "step_up_required",
                "this route needs a step-up proof in the X-Step-Up-Token header: \
                 POST /verify/start, then /verify/check",
            ),
            StepUpError::Invalid => ApiError::unauthorized(
                "invalid_step_up_token",
                "the X-Step-Up-Token header is not a valid step-up proof; verify again",
            ),
            StepUpError::OtherUser => ApiError::forbidden(
                "step_up_mismatch",
                "the step-up proof belongs to another user",
            ),
            StepUpError::Expired => ApiError::forbidden(
                "step_up_expired",
                "the step-up proof has expired; verify again",
            ),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Claims {
    ten: String,
    sub: String,
    exp: i64,
    jti: String,
}

/// Reads the secret's `step_up_key` field; a value that is not base64url of 32 bytes is refused
/// without being quoted.
impl<'de> Deserialize<'de> for StepUpKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = SecretString::deserialize(deserializer)?;
        URL_SAFE_NO_PAD
            .decode(text.expose_secret().trim_end_matches('='))
            .ok()
            .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom("step_up_key is not base64url of 32 bytes"))
    }
}

impl StepUpKey {
    /// The proof key of these credentials: their `step_up_key` when the secret has one, else
    /// the key derived from the API key secret (a secret that was never rotated).
    pub fn derive(creds: &TwilioCredentials) -> Self {
        match &creds.step_up_key {
            Some(key) => key.clone(),
            None => Self::from_secret(creds.api_key_secret.expose_secret().as_bytes()),
        }
    }

    /// The key as the secret's `step_up_key` field holds it (base64url): what key rotation
    /// writes, so that [`StepUpKey::derive`] of the new version gives this same key.
    pub fn to_field(&self) -> SecretString {
        SecretString::from(URL_SAFE_NO_PAD.encode(self.0))
    }

    /// The proof key under an arbitrary secret.
    pub fn from_secret(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(KEY_LABEL);
        Self(mac.finalize().into_bytes().into())
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC takes keys of any length")
    }

    /// Issues a proof for `caller`, valid from `now` (Unix seconds) for `ttl_seconds`.
    pub fn issue(&self, caller: &Caller, now: i64, ttl_seconds: u64) -> StepUpProof {
        let expires_at = now + ttl_seconds as i64;
        let claims = Claims {
            ten: caller.tenant.clone(),
            sub: caller.sub.clone(),
            exp: expires_at,
            jti: hex::encode(rand::random::<[u8; 16]>()),
        };
        let json = serde_json::to_vec(&claims).expect("claims are plain strings and numbers");
        let signed = format!("{VERSION}.{}", URL_SAFE_NO_PAD.encode(json));
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        let tag = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        StepUpProof {
            token: format!("{signed}.{tag}"),
            expires_at,
        }
    }

    /// Checks `token` for `caller` at `now`: the MAC first (so nothing of a forged proof is
    /// believed), then the binding to tenant and user, then the expiry.
    pub fn check(&self, token: &str, caller: &Caller, now: i64) -> Result<Verified, StepUpError> {
        let token = token.trim();
        if token.is_empty() {
            return Err(StepUpError::Missing);
        }
        if token.len() > MAX_LEN {
            return Err(StepUpError::Invalid);
        }
        let (signed, tag) = token.rsplit_once('.').ok_or(StepUpError::Invalid)?;
        let (version, claims) = signed.split_once('.').ok_or(StepUpError::Invalid)?;
        if version != VERSION {
            return Err(StepUpError::Invalid);
        }
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| StepUpError::Invalid)?;
        let mut mac = self.mac();
        mac.update(signed.as_bytes());
        // Constant-time comparison, so timing reveals nothing of the expected tag.
        mac.verify_slice(&tag).map_err(|_| StepUpError::Invalid)?;
        let json = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|_| StepUpError::Invalid)?;
        let claims: Claims = serde_json::from_slice(&json).map_err(|_| StepUpError::Invalid)?;
        if claims.ten != caller.tenant || claims.sub != caller.sub {
            return Err(StepUpError::OtherUser);
        }
        if now >= claims.exp {
            return Err(StepUpError::Expired);
        }
        Ok(Verified {
            expires_at: claims.exp,
        })
    }

    /// Checks the request's `X-Step-Up-Token` header for `caller` at `now`.
    pub fn check_request(
        &self,
        req: &Request,
        caller: &Caller,
        now: i64,
    ) -> Result<Verified, StepUpError> {
        let header = present(req)?;
        self.check(header, caller, now)
    }
}

/// The request's `X-Step-Up-Token` header, or [`StepUpError::Missing`]. Lets a route answer 401
/// for a missing proof before it fetches the key.
pub fn present(req: &Request) -> Result<&str, StepUpError> {
    let value = req.headers().get(HEADER).ok_or(StepUpError::Missing)?;
    let text = value.to_str().map_err(|_| StepUpError::Invalid)?.trim();
    if text.is_empty() {
        return Err(StepUpError::Missing);
    }
    Ok(text)
}

#[cfg(test)]
#[path = "stepup_tests.rs"]
mod tests;
