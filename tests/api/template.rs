//! `template.yaml` against the workspace and the contract: every function crate is a function of
//! the template and the reverse; every route of API.md (the in-repo copy, `API.md`) is bound in
//! the template with the right proof and the reverse, to a function that answers it; every
//! alarm notifies the topic and shows on the dashboard, which graphs every metric of the
//! catalog; no parameter has a default that only fails at Twilio; each checkov suppression
//! gives its reason. Least privilege is `template_iam`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value, json};

/// Functions the template declares ahead of their crate, which another branch adds. Empty once
/// it is merged; the test below fails if one listed here is in the workspace already.
pub const ARRIVING: &[&str] = &["presence"];

fn repo() -> PathBuf {
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
    for f in in_template.difference(&in_workspace) {
        assert!(
            ARRIVING.contains(&f.as_str()),
            "{f}: a function without a crate"
        );
    }
    for f in ARRIVING {
        assert!(
            !in_workspace.contains(*f),
            "{f} has landed: take it off ARRIVING"
        );
    }
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

#[test]
fn parameters_have_no_default_that_would_only_fail_at_twilio() {
    let t = template();
    let params = t["Parameters"].as_object().unwrap();
    for (name, p) in params {
        let default = p["Default"].to_string();
        assert!(
            !default.contains("00000000000000000000000000000000"),
            "{name}: {default}"
        );
    }
    for name in [
        "TwilioAccountSid",
        "VerifyServiceSid",
        "MessagingServiceSid",
        "PublicBaseUrl",
        "JwtIssuer",
        "JwtAudience",
        "CorsAllowedOrigins",
        "AlarmEmail",
    ] {
        assert!(
            params[name].get("Default").is_none(),
            "{name} must be given"
        );
    }
    let text = std::fs::read_to_string(repo().join("template.yaml")).unwrap();
    assert!(
        !text.contains("00000000000000000000000000000000"),
        "no all-zero SID anywhere in the template"
    );
    // CORS: the origins are the parameter, and a wildcard is refused by a rule.
    let cors = &t["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    assert_eq!(cors["AllowOrigins"], json!({"Ref": "CorsAllowedOrigins"}));
    let rule = t["Rules"]["NoWildcardOrigin"]["Assertions"][0]["Assert"].to_string();
    assert!(rule.contains("Fn::Not") && rule.contains("\"*\""), "{rule}");
    let stage = &t["Resources"]["HttpApi"]["Properties"]["DefaultRouteSettings"];
    assert_eq!(
        stage["ThrottlingBurstLimit"],
        json!({"Ref": "ThrottlingBurstLimit"})
    );
    assert_eq!(
        stage["ThrottlingRateLimit"],
        json!({"Ref": "ThrottlingRateLimit"})
    );
}

#[test]
fn the_outputs_give_the_api_url_and_both_callback_urls() {
    let t = template();
    let outputs = &t["Outputs"];
    assert!(
        outputs["ApiUrl"]["Value"]
            .to_string()
            .contains("${HttpApi}")
    );
    for (output, route) in [
        ("RoomStatusCallbackUrl", "/twilio/room-status"),
        ("CompositionStatusCallbackUrl", "/twilio/composition-status"),
    ] {
        assert_eq!(
            outputs[output]["Value"],
            json!({"Fn::Sub": format!("${{PublicBaseUrl}}{route}")})
        );
        assert!(routes(&t).contains_key(&("POST".to_string(), route.to_string())));
    }
}

/// Every alarm: logical id → resource.
fn alarms(t: &Value) -> BTreeMap<String, Value> {
    t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .map(|(id, r)| (id.clone(), r.clone()))
        .collect()
}

#[test]
fn every_alarm_notifies_the_topic_and_is_on_the_dashboard() {
    let t = template();
    let topic = json!([{"Ref": "AlarmTopic"}]);
    let dashboard = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
        .as_str()
        .expect("the dashboard body is a !Sub string")
        .to_string();
    let all = alarms(&t);
    assert!(all.len() >= 15, "{}", all.len());
    for (id, alarm) in &all {
        assert_eq!(alarm["Properties"]["AlarmActions"], topic, "{id}");
        assert_eq!(alarm["Properties"]["OKActions"], topic, "{id}");
        assert!(dashboard.contains(&format!("${{{id}.Arn}}")), "{id}");
    }
    let subscription = &t["Resources"]["AlarmTopic"]["Properties"]["Subscription"][0];
    assert_eq!(subscription["Endpoint"], json!({"Ref": "AlarmEmail"}));
    // The dashboard body is JSON once substituted.
    let body: Value = serde_json::from_str(&dashboard).expect("dashboard JSON");
    assert!(body["widgets"].as_array().unwrap().len() >= 10);
}

#[test]
fn every_metric_of_the_catalog_is_graphed_and_every_custom_metric_alarmed_on_is_in_it() {
    let t = template();
    let dashboard = t["Resources"]["Dashboard"]["Properties"]["DashboardBody"].to_string();
    let namespace = shared::metrics::NAMESPACE;
    for m in shared::metrics::CATALOG {
        let graphed = format!(r#"[\"{namespace}\", \"{}\""#, m.name);
        assert!(dashboard.contains(&graphed), "{} is not graphed", m.name);
    }
    let names: BTreeSet<&str> = shared::metrics::CATALOG.iter().map(|m| m.name).collect();
    for (id, alarm) in alarms(&t) {
        let p = &alarm["Properties"];
        if p["Namespace"] == namespace {
            let name = p["MetricName"].as_str().unwrap();
            assert!(names.contains(name), "{id}: {name} is not in the catalog");
        }
    }
    // The shared code's own constants are the catalog's names.
    for name in [
        shared::webhook::REJECTED_METRIC,
        shared::recordings::GAVE_UP_METRIC,
        shared::recordings::notify::SMS_METRIC,
    ] {
        assert!(names.contains(name), "{name}");
    }
}

#[test]
fn every_route_is_covered_by_its_functions_5xx_alarm() {
    let t = template();
    let all = alarms(&t);
    let f = functions(&t);
    for ((method, path), (function, _)) in routes(&t) {
        let (id, _) = f.iter().find(|(_, r)| binary(r) == function).unwrap();
        let alarm = id.trim_end_matches("Function").to_string() + "ServerErrorsAlarm";
        let metrics = all
            .get(&alarm)
            .unwrap_or_else(|| panic!("{alarm} for {function}"))["Properties"]["Metrics"]
            .to_string();
        let dims = json!([
            {"Name": "ApiId", "Value": {"Ref": "HttpApi"}},
            {"Name": "Stage", "Value": "$default"},
            {"Name": "Method", "Value": method},
            {"Name": "Resource", "Value": path},
        ])
        .to_string();
        assert!(metrics.contains(&dims), "{alarm} misses {method} {path}");
    }
}

#[test]
fn every_checkov_suppression_gives_a_one_line_reason() {
    let t = template();
    let mut count = 0;
    for (id, r) in t["Resources"].as_object().unwrap() {
        let Some(skips) = r["Metadata"]["checkov"]["skip"].as_array() else {
            continue;
        };
        for skip in skips {
            let check = skip["id"].as_str().unwrap_or_default();
            let reason = skip["comment"].as_str().unwrap_or_default();
            assert!(check.starts_with("CKV"), "{id}: {skip}");
            assert!(
                reason.len() > 20 && !reason.contains('\n'),
                "{id} {check}: a one-line reason"
            );
            count += 1;
        }
    }
    assert!(count > 0);
}

#[test]
fn the_readme_lists_every_metric_of_the_catalog() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("## Metrics")
        .nth(1)
        .expect("a Metrics section")
        .split("\n## ")
        .next()
        .unwrap();
    let listed: BTreeSet<&str> = section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    let catalog: BTreeSet<&str> = shared::metrics::CATALOG.iter().map(|m| m.name).collect();
    assert_eq!(listed, catalog);
}
