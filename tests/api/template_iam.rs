//! Least privilege: each function's policy in `template.yaml` grants exactly what
//! `shared::access` declares beside the code (DynamoDB actions per leading-key pattern, the due
//! index, what it does with each secret), so neither can drift from the other; and the token
//! and verify functions can never read the Auth Token.

use std::collections::BTreeSet;

use serde_json::{Value, json};
use shared::access::{self, Secret};

use crate::template::{binary, functions, template};

/// The template's logical id of a secret.
fn secret_resource(secret: Secret) -> &'static str {
    match secret {
        Secret::ApiKey => "TwilioApiKeySecret",
        Secret::AuthToken => "TwilioAuthTokenSecret",
    }
}

/// A statement's `Action` or `Resource`, as a list.
fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        Value::Null => vec![],
        other => vec![other.clone()],
    }
}

/// What a function's policy grants.
#[derive(Debug, Default, PartialEq, Eq)]
struct Granted {
    /// (leading-key pattern, IAM action).
    items: BTreeSet<(String, String)>,
    due_index: BTreeSet<String>,
    /// (secret resource, IAM action).
    secrets: BTreeSet<(String, String)>,
}

fn granted(function: &Value) -> Granted {
    let mut g = Granted::default();
    let policies = list(&function["Properties"]["Policies"]);
    for policy in &policies {
        assert!(
            policy.is_object() && policy.get("Statement").is_some(),
            "only inline statements, no managed or SAM policy templates: {policy}"
        );
        for s in list(&policy["Statement"]) {
            assert_eq!(s["Effect"], "Allow", "{s}");
            let actions: Vec<String> = list(&s["Action"])
                .iter()
                .map(|a| a.as_str().unwrap().to_string())
                .collect();
            assert!(actions.iter().all(|a| !a.contains('*')), "{s}");
            for resource in list(&s["Resource"]) {
                let table = json!({"Fn::GetAtt": "Table.Arn"});
                let index = json!({"Fn::Sub": format!("${{Table.Arn}}/index/{}", shared::dynamo::DUE_INDEX)});
                if resource == table {
                    let keys = &s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"];
                    let patterns = list(keys);
                    assert!(
                        !patterns.is_empty(),
                        "table access without leading keys: {s}"
                    );
                    assert_eq!(
                        s["Condition"].as_object().unwrap().len(),
                        1,
                        "only the leading-key condition: {s}"
                    );
                    for p in &patterns {
                        for a in &actions {
                            assert!(a.starts_with("dynamodb:"), "{s}");
                            g.items.insert((p.as_str().unwrap().to_string(), a.clone()));
                        }
                    }
                } else if resource == index {
                    g.due_index.extend(actions.iter().cloned());
                } else if let Some(secret) = resource["Ref"].as_str() {
                    for a in &actions {
                        assert!(a.starts_with("secretsmanager:"), "{s}");
                        g.secrets.insert((secret.to_string(), a.clone()));
                    }
                } else {
                    panic!("a resource outside the table and the two secrets: {s}");
                }
            }
        }
    }
    g
}

fn declared(a: &access::Access) -> Granted {
    let mut g = Granted::default();
    for (pattern, actions) in a.items {
        for action in *actions {
            g.items
                .insert((pattern.to_string(), action.iam().to_string()));
        }
    }
    if a.due_index {
        g.due_index.insert("dynamodb:Query".into());
    }
    for (secret, actions) in a.secrets {
        for action in *actions {
            g.secrets.insert((
                secret_resource(*secret).to_string(),
                action.iam().to_string(),
            ));
        }
    }
    g
}

#[test]
fn each_functions_policy_grants_exactly_what_its_code_declares() {
    let t = template();
    let fs = functions(&t);
    let in_template: BTreeSet<String> = fs.values().map(binary).collect();
    let declared_functions: BTreeSet<String> = access::FUNCTIONS
        .iter()
        .map(|a| a.function.to_string())
        .collect();
    assert_eq!(in_template, declared_functions);
    for (id, f) in &fs {
        let name = binary(f);
        let want = declared(access::of(&name).unwrap());
        assert_eq!(
            granted(f),
            want,
            "{id}: the template's policy is not the declared access"
        );
    }
}

#[test]
fn each_function_is_told_exactly_the_secrets_it_may_read() {
    let t = template();
    for (id, f) in functions(&t) {
        let a = access::of(&binary(&f)).unwrap();
        let env = &f["Properties"]["Environment"]["Variables"];
        for secret in [Secret::ApiKey, Secret::AuthToken] {
            let reads = a.secrets.iter().any(|(s, _)| *s == secret);
            let given = &env[secret.variable()];
            if reads {
                assert_eq!(
                    given,
                    &json!({"Ref": secret_resource(secret)}),
                    "{id}: {}",
                    secret.variable()
                );
            } else {
                assert!(
                    given.is_null(),
                    "{id} must not be told {}",
                    secret.variable()
                );
            }
        }
    }
    let globals = &t["Globals"]["Function"]["Environment"]["Variables"];
    assert!(globals["TWILIO_SECRET_ID"].is_null() && globals["TWILIO_AUTH_SECRET_ID"].is_null());
}

#[test]
fn the_token_and_verify_functions_cannot_read_the_auth_token() {
    let t = template();
    let fs = functions(&t);
    for id in ["TokenFunction", "VerifyFunction"] {
        let policies = fs[id]["Properties"]["Policies"].to_string();
        assert!(
            !policies.contains("TwilioAuthTokenSecret"),
            "{id} can read the Auth Token"
        );
        assert!(
            granted(&fs[id])
                .secrets
                .iter()
                .all(|(s, _)| s == "TwilioApiKeySecret")
        );
    }
    // Nor can any function outside the declared readers, by any route.
    for (id, f) in &fs {
        let reads = f["Properties"]["Policies"]
            .to_string()
            .contains("TwilioAuthTokenSecret");
        let declared = access::of(&binary(f))
            .unwrap()
            .secrets
            .iter()
            .any(|(s, _)| *s == Secret::AuthToken);
        assert_eq!(reads, declared, "{id}");
    }
}

#[test]
fn a_policy_that_drifts_from_the_declaration_is_caught() {
    // The comparison itself: one extra action, one missing pattern, one extra secret.
    let t = template();
    let fs = functions(&t);
    let mut f = fs["VerifyFunction"].clone();
    let statements = f["Properties"]["Policies"][0]["Statement"]
        .as_array_mut()
        .unwrap();
    let table = statements
        .iter_mut()
        .find(|s| s["Resource"] == json!({"Fn::GetAtt": "Table.Arn"}))
        .unwrap();
    table["Action"] = json!(["dynamodb:UpdateItem", "dynamodb:GetItem"]);
    let want = declared(access::of("verify").unwrap());
    assert_ne!(granted(&f), want);
    let mut g = granted(&fs["VerifyFunction"]);
    assert_eq!(g, want);
    g.secrets.insert((
        "TwilioAuthTokenSecret".into(),
        "secretsmanager:GetSecretValue".into(),
    ));
    assert_ne!(g, want);
}
