//! `template.yaml` against the workspace and the contract: every function crate is a function of
//! the template and the reverse; every route of API.md (the in-repo copy, `API.md`) is bound in
//! the template with the right proof and the reverse; the schedules and the dead-letter queue.
//! The loader and the readers here serve `template_ops` (parameters, alarms, dashboard,
//! outputs), `template_iam` (least privilege) and `events` (which also checks that each function
//! answers its routes).

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// YAML as JSON, CloudFormation's short tags as their long forms (`!Ref X` → `{"Ref": "X"}`).
fn json_of(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => json!(b),
        Y::Number(n) => serde_json::to_value(n).unwrap_or(Value::Null),
        Y::String(s) => json!(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(json_of).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), json_of(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let key = if name == "Ref" {
                "Ref".to_string()
            } else {
                format!("Fn::{name}")
            };
            json!({ key: json_of(tagged.value) })
        }
    }
}

/// The template, as JSON.
pub fn template() -> Value {
    let text = std::fs::read_to_string(repo().join("template.yaml")).expect("template.yaml");
    json_of(serde_yaml::from_str(&text).expect("template.yaml is YAML"))
}

/// The template's functions: logical id → resource.
pub fn functions(t: &Value) -> BTreeMap<String, Value> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect()
}

/// A function's crate and binary name.
pub fn binary(function: &Value) -> String {
    function["Metadata"]["BuildProperties"]["Binary"]
        .as_str()
        .expect("every function names its Binary")
        .to_string()
}

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Proof {
    /// The JWT authorizer.
    Jwt,
    /// Nothing at API Gateway (`/healthz`, and Twilio's callbacks, signature-checked by the
    /// function).
    Public,
}

/// Every HTTP route of the template: (method, path) → (function binary, proof).
pub fn routes(t: &Value) -> BTreeMap<(String, String), (String, Proof)> {
    assert_eq!(
        t["Resources"]["HttpApi"]["Properties"]["Auth"]["DefaultAuthorizer"], "JwtAuthorizer",
        "routes are JWT-protected unless they say otherwise"
    );
    let mut routes = BTreeMap::new();
    for f in functions(t).values() {
        for event in f["Properties"]["Events"].as_object().unwrap().values() {
            if event["Type"] != "HttpApi" {
                continue;
            }
            let p = &event["Properties"];
            assert_eq!(p["ApiId"], json!({"Ref": "HttpApi"}));
            let proof = match p["Auth"]["Authorizer"].as_str() {
                None => Proof::Jwt,
                Some("NONE") => Proof::Public,
                Some(other) => panic!("unexpected authorizer {other}"),
            };
            let key = (
                p["Method"].as_str().unwrap().to_uppercase(),
                p["Path"].as_str().unwrap().to_string(),
            );
            assert!(
                routes.insert(key.clone(), (binary(f), proof)).is_none(),
                "{key:?} bound twice"
            );
        }
    }
    routes
}

/// API.md's route table: (method, path) → proof, and whether Twilio signs it.
fn contract_routes() -> BTreeMap<(String, String), (Proof, bool)> {
    let text = std::fs::read_to_string(repo().join("API.md")).expect("API.md");
    text.lines()
        .filter(|l| l.starts_with("| GET ") || l.starts_with("| POST "))
        .map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let path = cells[2].trim_matches('`');
            let path = path.split('?').next().unwrap().to_string();
            let caller = cells[3];
            let signed = caller.contains("X-Twilio-Signature");
            let proof = if caller == "none" || signed {
                Proof::Public
            } else {
                assert!(caller.contains("JWT") || caller == "admin", "{caller}");
                Proof::Jwt
            };
            ((cells[1].to_string(), path), (proof, signed))
        })
        .collect()
}

/// The workspace's function crates (`functions/*` members of Cargo.toml).
pub fn workspace_functions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(repo().join("Cargo.toml")).unwrap();
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("\"functions/"))
        .map(|l| l.trim_end_matches(['"', ','].as_slice()).to_string())
        .collect()
}

#[test]
fn every_function_crate_is_a_function_of_the_template_and_the_reverse() {
    let t = template();
    let in_template: BTreeSet<String> = functions(&t).values().map(binary).collect();
    let in_workspace = workspace_functions();
    assert!(in_workspace.len() >= 8, "{in_workspace:?}");
    let missing: Vec<_> = in_workspace.difference(&in_template).collect();
    assert!(missing.is_empty(), "crates without a function: {missing:?}");
    let orphans: Vec<_> = in_template.difference(&in_workspace).collect();
    assert!(orphans.is_empty(), "functions without a crate: {orphans:?}");
    for (id, f) in functions(&t) {
        let b = binary(&f);
        let expected: String = b
            .split('-')
            .map(|w| w[..1].to_uppercase() + &w[1..])
            .collect::<String>()
            + "Function";
        assert_eq!(id, expected, "logical id of {b}");
        assert_eq!(f["Metadata"]["BuildMethod"], "rust-cargolambda", "{id}");
    }
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Handler"], "bootstrap");
    assert_eq!(globals["Architectures"], json!([{"Ref": "Architecture"}]));
    let arch = &t["Parameters"]["Architecture"];
    assert_eq!(arch["Default"], "x86_64");
    assert_eq!(arch["AllowedValues"], json!(["x86_64", "arm64"]));
}

#[test]
fn every_route_of_the_contract_is_in_the_template_with_its_proof_and_the_reverse() {
    let t = template();
    let bound = routes(&t);
    let contract = contract_routes();
    assert_eq!(contract.len(), 12, "API.md's table has twelve routes");
    let bound_keys: BTreeSet<_> = bound.keys().collect();
    let contract_keys: BTreeSet<_> = contract.keys().collect();
    assert_eq!(bound_keys, contract_keys);
    let functions = functions(&t);
    for (key, (proof, signed)) in &contract {
        let (function, bound_proof) = &bound[key];
        assert_eq!(bound_proof, proof, "{key:?}");
        // A signed route's function holds the Auth Token to check the signature.
        let f = functions.values().find(|f| &binary(f) == function).unwrap();
        let env = &f["Properties"]["Environment"]["Variables"];
        assert_eq!(
            env.get("TWILIO_AUTH_SECRET_ID").is_some(),
            *signed || function == "composition",
            "{key:?} by {function}"
        );
    }
}

#[test]
fn the_schedules_are_the_contracts() {
    let t = template();
    let f = functions(&t);
    let reconciler = &f["ReconcilerFunction"]["Properties"];
    assert_eq!(
        reconciler["Events"]["Every5Minutes"]["Properties"]["Schedule"],
        "rate(5 minutes)"
    );
    let rotation = &f["KeyRotationFunction"]["Properties"]["Events"];
    assert_eq!(
        rotation["Rotate"]["Properties"]["Schedule"],
        json!({"Ref": "KeyRotationSchedule"})
    );
    assert_eq!(
        t["Parameters"]["KeyRotationSchedule"]["Default"],
        "rate(30 days)"
    );
    for id in ["ReconcilerFunction", "KeyRotationFunction"] {
        let p = &f[id]["Properties"];
        assert_eq!(
            p["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]["Destination"],
            json!({"Fn::GetAtt": "ScheduleDeadLetterQueue.Arn"}),
            "{id}: failed runs are dead-lettered"
        );
        for (name, event) in p["Events"].as_object().unwrap() {
            assert_eq!(event["Type"], "Schedule", "{id} {name}");
            assert_eq!(
                event["Properties"]["DeadLetterConfig"]["Arn"],
                json!({"Fn::GetAtt": "ScheduleDeadLetterQueue.Arn"}),
                "{id} {name}: undeliverable events are dead-lettered"
            );
        }
    }
    let index = &t["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"][0];
    assert_eq!(index["IndexName"], shared::dynamo::DUE_INDEX);
}
