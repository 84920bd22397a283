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
mod tests {
    use super::*;

    // Twilio's published vectors (twilio-python, tests/unit/test_request_validator.py).
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const EXPECTED: &str = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

    fn params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn the_published_vector_is_reproduced() {
        assert_eq!(compute(TOKEN, URL, &params()), EXPECTED);
        assert!(validate(TOKEN, URL, Payload::Form(&params()), EXPECTED));
    }

    // HMAC-SHA256 known answers over Twilio's published request, derived with Python's standard
    // library alone, building the signed string as twilio-python's compute_signature does:
    //   s = URL + "".join(k + params[k] for k in sorted(params))
    //   base64.b64encode(hmac.new(b"12345", s.encode(), hashlib.sha256).digest())
    // (the same expression with hashlib.sha1 gives the published RSOYDt4T1cUTdK1PDd93/VVr8B8=).
    const SHA256_EXPECTED: &str = "033hgUJA9M/hXIZsYjwkerEP/DBm35nEri5FhCYjA5s=";
    // ... with s built over "https://mycompany.com:443/myapp.php?foo=1&bar=2".
    const SHA256_WITH_443: &str = "grxRoa/VNtXxd524NGLxIdev83nh23xhrRUVm50Umq4=";
    // ... over URL + "&bodySHA256=" + the JSON body's hash, no parameters.
    const SHA256_JSON: &str = "+UOCWf84gdgo/5Hpg4m5/EgKnJA2/TbOw5sPNVr3bPk=";

    #[test]
    fn a_shared_key_signature_is_hmac_sha256_over_the_same_string() {
        let key = TOKEN.as_bytes();
        assert_eq!(
            compute_with(Algorithm::HmacSha256, key, URL, &params()),
            SHA256_EXPECTED
        );
        assert_eq!(
            compute_with(Algorithm::HmacSha1, key, URL, &params()),
            EXPECTED
        );
        let form = Payload::Form(&params());
        assert!(validate_with(
            Algorithm::HmacSha256,
            key,
            URL,
            form,
            SHA256_EXPECTED
        ));
        assert!(validate_with(
            Algorithm::HmacSha256,
            key,
            URL,
            form,
            SHA256_WITH_443
        ));
        assert!(!validate_with(
            Algorithm::HmacSha1,
            key,
            URL,
            form,
            SHA256_EXPECTED
        ));
        assert!(!validate_with(
            Algorithm::HmacSha256,
            key,
            URL,
            form,
            EXPECTED
        ));
        assert!(!validate_with(
            Algorithm::HmacSha256,
            b"54321",
            URL,
            form,
            SHA256_EXPECTED
        ));
        let body = br#"{"property": "value", "boolean": true}"#;
        let url = format!("{URL}&bodySHA256={}", body_sha256(body));
        assert!(validate_with(
            Algorithm::HmacSha256,
            key,
            &url,
            Payload::Body(body),
            SHA256_JSON
        ));
        let tampered = br#"{"property": "value", "boolean": false}"#;
        assert!(!validate_with(
            Algorithm::HmacSha256,
            key,
            &url,
            Payload::Body(tampered),
            SHA256_JSON
        ));
    }

    #[test]
    fn parameter_order_does_not_matter() {
        let mut reversed = params();
        reversed.reverse();
        assert_eq!(compute(TOKEN, URL, &reversed), EXPECTED);
    }

    #[test]
    fn repeated_parameters_are_deduplicated_and_sorted() {
        let params: Vec<(String, String)> = [
            ("Sid", "CA123"),
            ("SidAccount", "AC123"),
            ("Digits", "5678"),
            ("Digits", "1234"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(compute(TOKEN, URL, &params), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
        let mut twice = params.clone();
        twice.push(("Digits".into(), "1234".into()));
        assert_eq!(compute(TOKEN, URL, &twice), "IK+Dwps556ElfBT0I3Rgjkr1wJU=");
    }

    #[test]
    fn a_signature_over_the_url_with_443_validates_the_url_without_it() {
        assert!(validate(
            TOKEN,
            URL,
            Payload::Form(&params()),
            "kvajT1Ptam85bY51eRf/AJRuM3w="
        ));
    }

    #[test]
    fn a_signature_over_the_url_with_80_validates_the_http_url_without_it() {
        let url = URL.replace("https", "http");
        assert!(validate(
            TOKEN,
            &url,
            Payload::Form(&params()),
            "0ZXoZLH/DfblKGATFgpif+LLRf4="
        ));
    }

    #[test]
    fn a_url_with_a_port_validates_a_signature_made_without_it() {
        let url = URL.replace(".com", ".com:1234");
        assert!(validate(TOKEN, &url, Payload::Form(&params()), EXPECTED));
    }

    #[test]
    fn an_http_url_with_a_port_validates_its_own_signature() {
        let url = URL.replace(".com", ".com:1234").replace("https", "http");
        assert!(validate(
            TOKEN,
            &url,
            Payload::Form(&params()),
            "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="
        ));
    }

    #[test]
    fn a_json_body_is_validated_through_its_hash_in_the_url() {
        let body = br#"{"property": "value", "boolean": true}"#;
        let hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        assert_eq!(body_sha256(body), hash);
        let url = format!("{URL}&bodySHA256={hash}");
        let signature = "a9nBmqA0ju/hNViExpshrM61xv4=";
        assert!(validate(TOKEN, &url, Payload::Body(body), signature));
        let tampered = br#"{"property": "value", "boolean": false}"#;
        assert!(!validate(TOKEN, &url, Payload::Body(tampered), signature));
        assert!(!validate(TOKEN, URL, Payload::Body(body), signature));
    }

    #[test]
    fn tampering_with_anything_signed_fails() {
        let mut changed = params();
        changed[2].1 = "9999".into();
        assert!(!validate(TOKEN, URL, Payload::Form(&changed), EXPECTED));
        let mut added = params();
        added.push(("Extra".into(), "1".into()));
        assert!(!validate(TOKEN, URL, Payload::Form(&added), EXPECTED));
        assert!(!validate(
            TOKEN,
            &URL.replace("foo=1", "foo=2"),
            Payload::Form(&params()),
            EXPECTED
        ));
        assert!(!validate("54321", URL, Payload::Form(&params()), EXPECTED));
        assert!(!validate(TOKEN, URL, Payload::Form(&params()), ""));
        assert!(!validate(
            TOKEN,
            URL,
            Payload::Form(&params()),
            &EXPECTED.to_lowercase()
        ));
    }

    #[test]
    fn port_variants_leave_the_rest_of_the_url_alone() {
        assert_eq!(
            port_variants("https://h.example/a%2Fb?x=1#f"),
            (
                "https://h.example/a%2Fb?x=1#f".to_string(),
                "https://h.example:443/a%2Fb?x=1#f".to_string()
            )
        );
        assert_eq!(
            port_variants("http://127.0.0.1:3000/twilio"),
            (
                "http://127.0.0.1/twilio".to_string(),
                "http://127.0.0.1:3000/twilio".to_string()
            )
        );
        assert_eq!(
            port_variants("https://[::1]/x"),
            (
                "https://[::1]/x".to_string(),
                "https://[::1]:443/x".to_string()
            )
        );
        assert_eq!(
            port_variants("https://h.example"),
            (
                "https://h.example".to_string(),
                "https://h.example:443".to_string()
            )
        );
    }
}
