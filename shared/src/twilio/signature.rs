//! Twilio's request signature, `X-Twilio-Signature`, computed and checked the way Twilio's helper
//! libraries do it:
//!
//! 1. start from the full URL Twilio requested (scheme, host, path and query, exactly as sent);
//! 2. for a form body, append each parameter's name and value, names in sorted order, and for a
//!    name given more than once its distinct values in sorted order;
//! 3. HMAC that string, then base64: HMAC-SHA1 with the account's Auth Token (Twilio's default),
//!    or HMAC-SHA256 with a shared key when Twilio's webhook configuration says so
//!    ([`super::signature_settings`]). Only the MAC differs; steps 1 and 2 are the same code.
//!
//! A request whose body is not a form (JSON) is signed over the URL alone, and the URL carries a
//! `bodySHA256` query parameter: the SHA-256 (lowercase hex) of the body, checked here too.
//! Signatures are compared in constant time.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The header Twilio signs its requests in (lowercase, as API Gateway delivers headers).
pub const HEADER: &str = "x-twilio-signature";

/// The query parameter that carries the hash of a non-form body.
pub const BODY_SHA256_PARAM: &str = "bodySHA256";

/// What Twilio signed besides the URL.
#[derive(Clone, Copy, Debug)]
pub enum Payload<'a> {
    /// A form body's parameters, in any order; repeated names allowed.
    Form(&'a [(String, String)]),
    /// Any other body (JSON), covered by the URL's `bodySHA256` parameter.
    Body(&'a [u8]),
}

/// The MAC a signature is made with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC-SHA1 keyed with the Auth Token: every callback without signature settings.
    HmacSha1,
    /// HMAC-SHA256 keyed with a shared key (`algorithm=HMAC_SHA256`).
    HmacSha256,
}

/// The signature Twilio would send for `url` and form `params`, signed with the Auth Token.
pub fn compute(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    compute_with(Algorithm::HmacSha1, auth_token.as_bytes(), url, params)
}

/// The signature for `url` and form `params` made with `algorithm` under `key`.
pub fn compute_with(
    algorithm: Algorithm,
    key: &[u8],
    url: &str,
    params: &[(String, String)],
) -> String {
    let mac = match algorithm {
        Algorithm::HmacSha1 => mac::<Hmac<Sha1>>(key, url, params),
        Algorithm::HmacSha256 => mac::<Hmac<Sha256>>(key, url, params),
    };
    base64::engine::general_purpose::STANDARD.encode(mac)
}

/// The MAC `M` of the signed string: the URL, then each name and value in sorted order.
fn mac<M: Mac + KeyInit>(key: &[u8], url: &str, params: &[(String, String)]) -> Vec<u8> {
    let mut sorted: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, value) in params {
        sorted.entry(name).or_default().insert(value);
    }
    // `str` orders by UTF-8 bytes, which is code point order: the order Python's sorted() uses.
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(url.as_bytes());
    for (name, values) in sorted {
        for value in values {
            mac.update(name.as_bytes());
            mac.update(value.as_bytes());
        }
    }
    mac.finalize().into_bytes().to_vec()
}

/// SHA-256 of a body, lowercase hex: the value of `bodySHA256`.
pub fn body_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Whether `signature` is Twilio's for this request, signed with the Auth Token.
pub fn validate(auth_token: &str, url: &str, payload: Payload<'_>, signature: &str) -> bool {
    validate_with(
        Algorithm::HmacSha1,
        auth_token.as_bytes(),
        url,
        payload,
        signature,
    )
}

/// Whether `signature` is Twilio's for this request, made with `algorithm` under `key`.
pub fn validate_with(
    algorithm: Algorithm,
    key: &[u8],
    url: &str,
    payload: Payload<'_>,
    signature: &str,
) -> bool {
    let (params, body_ok): (&[(String, String)], bool) = match payload {
        Payload::Form(params) => (params, true),
        Payload::Body(body) => match query_param(url, BODY_SHA256_PARAM) {
            Some(expected) => (&[], ct_eq(&body_sha256(body), &expected)),
            // A body that is not a form is only covered through bodySHA256.
            None => return false,
        },
    };
    // Twilio has signed the same URL both with and without its port depending on how it was
    // configured and which of its services sends the request, so the helper libraries try the
    // URL with any port removed and with the scheme's default port added; so do we.
    let (without_port, with_port) = port_variants(url);
    let plain = ct_eq(
        &compute_with(algorithm, key, &without_port, params),
        signature,
    );
    let ported = ct_eq(&compute_with(algorithm, key, &with_port, params), signature);
    body_ok & (plain | ported)
}

/// Constant-time equality of two strings (their lengths are not secret).
fn ct_eq(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The first non-empty value of a query parameter of `url`, decoded.
pub(crate) fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or("");
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.into_owned())
}

/// `url` without any explicit port, and `url` with its port (the scheme's default when it has
/// none), as the helper libraries build them. The URL is otherwise left byte for byte as it is:
/// parsing and re-serializing it would normalize it and break the signature.
fn port_variants(url: &str) -> (String, String) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), url.to_string());
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host_port = &authority[host_start..];
    // An IPv6 literal's colons are inside its brackets.
    let search_from = host_port.rfind(']').unwrap_or(0);
    let port = host_port[search_from..]
        .rfind(':')
        .map(|i| search_from + i)
        .filter(|i| {
            let digits = &host_port[i + 1..];
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && digits.parse::<u32>().is_ok_and(|p| p > 0)
        });
    match port {
        Some(colon) => {
            let without = format!(
                "{scheme}://{}{}{tail}",
                &authority[..host_start],
                &host_port[..colon]
            );
            (without, url.to_string())
        }
        None => {
            let default = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            (
                url.to_string(),
                format!("{scheme}://{authority}:{default}{tail}"),
            )
        }
    }
}

#[cfg(test)]
#[path = "signature_tests.rs"]
mod tests;
