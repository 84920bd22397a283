//! Differential property test: on random requests (URLs with and without ports, repeated and
//! unicode parameters, random tokens), our `X-Twilio-Signature` is the one Twilio's own Python
//! helper library computes, and our validation accepts it.
//!
//! The cases are generated here and handed to `tests/python/signature.py` in one run of
//! `$TEST_PYTHON` (set by `scripts/test`), so the test costs one interpreter start.

use integration_tests::python;
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{Value, json};
use shared::twilio::signature::{Payload, compute, validate};

#[derive(Clone, Debug)]
struct Case {
    token: String,
    url: String,
    params: Vec<(String, String)>,
}

fn url() -> impl Strategy<Value = String> {
    (
        prop_oneof![Just("https"), Just("http")],
        "[a-z]{1,12}\\.(com|example|io)",
        prop_oneof![
            Just(String::new()),
            Just(":443".to_string()),
            Just(":80".to_string()),
            (1u16..=65535).prop_map(|p| format!(":{p}")),
        ],
        "(/[A-Za-z0-9._~%:-]{0,10}){0,4}",
        prop_oneof![
            Just(String::new()),
            "\\?[a-zA-Z]{1,6}=[A-Za-z0-9%+ ]{0,8}(&[a-zA-Z]{1,6}=[A-Za-z0-9%+]{0,8}){0,3}",
        ],
    )
        .prop_map(|(scheme, host, port, path, query)| {
            format!("{scheme}://{host}{port}{path}{query}")
        })
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    // Short names and often-short values, so that names repeat and values repeat under them.
    vec(
        (
            "[A-Za-z]{1,3}",
            prop_oneof!["[0-9]{0,1}", "\\PC{0,12}", "[+ %&=]{0,4}"],
        ),
        0..12,
    )
}

fn case() -> impl Strategy<Value = Case> {
    ("\\PC{1,32}", url(), params()).prop_map(|(token, url, params)| Case { token, url, params })
}

/// Twilio's Python helper library's signature for each case, in one run.
fn twilio_signatures(cases: &[Case]) -> Vec<String> {
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({ "token": c.token, "url": c.url, "params": c.params }))
        .collect();
    let answer = python::run("signature.py", &Value::Array(input));
    serde_json::from_value(answer).expect("a JSON list of signatures")
}

proptest! {
    // One run of 200 cases.
    #![proptest_config(python::one_python_run())]

    #[test]
    fn our_signatures_agree_with_twilios_python_library(cases in vec(case(), 200)) {
        let theirs = twilio_signatures(&cases);
        prop_assert_eq!(theirs.len(), cases.len());
        for (case, theirs) in cases.iter().zip(&theirs) {
            let ours = compute(&case.token, &case.url, &case.params);
            prop_assert_eq!(&ours, theirs, "case {:?}", case);
            prop_assert!(
                validate(&case.token, &case.url, Payload::Form(&case.params), theirs),
                "our validation refused Twilio's signature for {:?}", case
            );
        }
    }
}
