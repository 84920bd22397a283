//! `X-Twilio-Webhooks-Signature-Settings`: the header Twilio adds to a callback it signed with a
//! shared key instead of the Auth Token (its webhook configuration API, public beta: a Webhook
//! Rule matching the callback's URL points at a Setting that names a SharedKey and an algorithm).
//!
//! The value is `key=<shared key id>,algorithm=<algorithm>`, for example
//! `key=webhooks_sharedkey_123,algorithm=HMAC_SHA256`. The signature itself stays in
//! `X-Twilio-Signature` and covers the same string (URL, then sorted parameters): only the MAC
//! and its key change ([`super::signature`]). Read as twilio-python's `get_signature_algorithm`
//! reads it: comma-separated `name=value` parts, names exact, values trimmed, the first of each
//! name wins, no `algorithm` part means `HMAC_SHA1`, algorithm names in any case.

use super::signature::Algorithm;

/// The header (lowercase, as API Gateway delivers headers).
pub const HEADER: &str = "x-twilio-webhooks-signature-settings";

/// The longest algorithm name quoted back in a log line or an error (the header is the sender's).
const MAX_QUOTED: usize = 32;

/// What the header says: which shared key signed, and with which MAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureSettings {
    /// The shared key's id (not secret: it names the key, as an API key SID does).
    pub key: String,
    /// The MAC.
    pub algorithm: Algorithm,
}

/// Why the header cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// No `key=` part: nothing says which shared key to check with.
    #[error("the X-Twilio-Webhooks-Signature-Settings header names no key")]
    NoKey,
    /// An algorithm we do not implement (quoted, cut to a few characters).
    #[error("signature algorithm {0:?} is not supported (HMAC_SHA256 and HMAC_SHA1 are)")]
    UnsupportedAlgorithm(String),
}

/// Parses the header's value; `None` when it is empty (then the callback is an ordinary one,
/// signed with the Auth Token, as twilio-python treats it).
pub fn parse(value: &str) -> Option<Result<SignatureSettings, SettingsError>> {
    if value.trim().is_empty() {
        return None;
    }
    let part = |wanted: &str| {
        value.split(',').find_map(|part| {
            let (name, value) = part.split_once('=')?;
            let value = value.trim();
            (name.trim() == wanted && !value.is_empty()).then_some(value)
        })
    };
    let algorithm = match part("algorithm") {
        None => Algorithm::HmacSha1,
        Some(name) if name.eq_ignore_ascii_case("HMAC_SHA256") => Algorithm::HmacSha256,
        Some(name) if name.eq_ignore_ascii_case("HMAC_SHA1") => Algorithm::HmacSha1,
        Some(other) => {
            let quoted: String = other.chars().take(MAX_QUOTED).collect();
            return Some(Err(SettingsError::UnsupportedAlgorithm(quoted)));
        }
    };
    Some(match part("key") {
        Some(key) => Ok(SignatureSettings {
            key: key.to_string(),
            algorithm,
        }),
        None => Err(SettingsError::NoKey),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(
        key: &str,
        algorithm: Algorithm,
    ) -> Option<Result<SignatureSettings, SettingsError>> {
        Some(Ok(SignatureSettings {
            key: key.to_string(),
            algorithm,
        }))
    }

    #[test]
    fn the_header_twilio_sends_names_the_key_and_the_algorithm() {
        assert_eq!(
            parse("key=webhooks_sharedkey_123,algorithm=HMAC_SHA256"),
            settings("webhooks_sharedkey_123", Algorithm::HmacSha256)
        );
        assert_eq!(
            parse(" algorithm = hmac_sha256 , key = k1 ,future=x"),
            settings("k1", Algorithm::HmacSha256),
            "order, spaces, case of the algorithm and unknown parts do not matter"
        );
        assert_eq!(
            parse("key=k1"),
            settings("k1", Algorithm::HmacSha1),
            "no algorithm means HMAC_SHA1, as twilio-python reads it"
        );
        assert_eq!(
            parse("key=k1,algorithm=HMAC_SHA1,algorithm=HMAC_SHA256"),
            settings("k1", Algorithm::HmacSha1),
            "the first of a name wins"
        );
    }

    #[test]
    fn an_empty_header_is_no_header_and_a_keyless_or_unknown_one_is_refused() {
        assert_eq!(parse(""), None);
        assert_eq!(parse("  "), None);
        assert_eq!(
            parse("algorithm=HMAC_SHA256"),
            Some(Err(SettingsError::NoKey))
        );
        assert_eq!(
            parse("key=,algorithm=HMAC_SHA256"),
            Some(Err(SettingsError::NoKey))
        );
        assert_eq!(
            parse("key=k1,algorithm=HMAC_MD5"),
            Some(Err(SettingsError::UnsupportedAlgorithm("HMAC_MD5".into())))
        );
        let long = format!("key=k1,algorithm={}", "X".repeat(500));
        let Some(Err(SettingsError::UnsupportedAlgorithm(quoted))) = parse(&long) else {
            panic!("refused");
        };
        assert_eq!(
            quoted.len(),
            MAX_QUOTED,
            "a long name is cut before it is logged"
        );
    }
}
