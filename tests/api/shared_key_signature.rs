//! Shared-key webhook signatures (Twilio's webhook configuration API, public beta) computed and
//! checked as Twilio computes them: HMAC-SHA256 (or HMAC-SHA1) under the shared key, over the same
//! URL and parameters as an Auth Token signature. (The webhook function's use of them:
//! `shared_key_webhook.rs`.)
//!
//! Known answers: `tests/python/shared_key_signature.py` computes each signature twice, with
//! twilio-python's `RequestValidator.compute_signature(url, params, "HMAC_SHA256")` (9.13.0, the
//! pinned version, has the algorithm parameter) and independently with Python's `hmac` and
//! `hashlib` alone (URL, then sorted names and values; HMAC-SHA256; base64), failing if they
//! differ; and asks twilio-python's `validate` whether each signature passes on a request whose
//! URL carries another port. Ours must give the same signature and the same verdict. The
//! shared key, URL and parameters are random (proptest), so the vectors are not chosen to pass.

use integration_tests::python;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};
use shared::twilio::signature::{Algorithm, Payload, compute_with, validate_with};

#[derive(Clone, Debug)]
struct Case {
    key: String,
    algorithm: Algorithm,
    signed_url: String,
    request_url: String,
    params: Vec<(String, String)>,
}

/// A URL without a port, and how its port is written: none, the default, or another.
fn url_and_ports() -> impl Strategy<Value = (String, String, String)> {
    let port = || {
        prop_oneof![
            Just(String::new()),
            Just("default".to_string()),
            (1u16..=65535).prop_map(|p| format!(":{p}")),
        ]
    };
    (
        prop_oneof![Just("https"), Just("http")],
        "[a-z]{1,12}\\.(com|example|io)",
        "(/[A-Za-z0-9._~%:-]{0,10}){0,4}",
        prop_oneof![
            Just(String::new()),
            "\\?[a-zA-Z]{1,6}=[A-Za-z0-9%+ ]{0,8}(&[a-zA-Z]{1,6}=[A-Za-z0-9%+]{0,8}){0,3}",
        ],
        port(),
        port(),
    )
        .prop_map(|(scheme, host, path, query, signed, request)| {
            let url = |port: &str| {
                let port = match port {
                    "default" if scheme == "https" => ":443",
                    "default" => ":80",
                    other => other,
                };
                format!("{scheme}://{host}{port}{path}{query}")
            };
            (url(&signed), url(&request), scheme.to_string())
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        "\\PC{1,40}",
        prop_oneof![Just(Algorithm::HmacSha256), Just(Algorithm::HmacSha1)],
        url_and_ports(),
        vec(
            (
                "[A-Za-z]{1,3}",
                prop_oneof!["[0-9]{0,1}", "\\PC{0,12}", "[+ %&=]{0,4}"],
            ),
            0..12,
        ),
    )
        .prop_map(
            |(key, algorithm, (signed_url, request_url, _), params)| Case {
                key,
                algorithm,
                signed_url,
                request_url,
                params,
            },
        )
}

fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HmacSha1 => "HMAC_SHA1",
        Algorithm::HmacSha256 => "HMAC_SHA256",
    }
}

proptest! {
    // One run of 200 cases.
    #![proptest_config(python::one_python_run())]

    #[test]
    fn shared_key_signatures_and_their_port_rules_agree_with_twilio_python_and_hmac(
        cases in vec(case(), 200)
    ) {
        let input: Vec<Value> = cases
            .iter()
            .map(|c| json!({
                "key": c.key, "algorithm": algorithm_name(c.algorithm),
                "signed_url": c.signed_url, "request_url": c.request_url, "params": c.params,
            }))
            .collect();
        let answers = python::run("shared_key_signature.py", &Value::Array(input));
        let answers = answers.as_array().expect("a JSON list");
        prop_assert_eq!(answers.len(), cases.len());
        let verdicts: Vec<bool> = answers.iter().filter_map(|a| a["valid"].as_bool()).collect();
        prop_assert!(
            verdicts.contains(&true) && verdicts.contains(&false),
            "the ports drawn give both verdicts, so the port rules are exercised"
        );
        for (case, theirs) in cases.iter().zip(answers) {
            let signature = theirs["signature"].as_str().expect("a signature");
            let ours = compute_with(case.algorithm, case.key.as_bytes(), &case.signed_url, &case.params);
            prop_assert_eq!(ours.as_str(), signature, "case {:?}", case);
            let accepted = validate_with(
                case.algorithm,
                case.key.as_bytes(),
                &case.request_url,
                Payload::Form(&case.params),
                signature,
            );
            prop_assert_eq!(Some(accepted), theirs["valid"].as_bool(), "verdict on {:?}", case);
        }
    }
}
