//! Known-answer tests of [`super`]: Twilio's published vectors (twilio-python,
//! `tests/unit/test_request_validator.py`) for the Auth Token, and HMAC-SHA256 vectors derived
//! for shared keys.

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
