//! The operations side of `template.yaml`: parameters without a default that only fails at
//! Twilio, CORS and stage throttling as parameters, the outputs, every alarm notifying the topic and on
//! the dashboard, the dashboard graphing every metric of the catalog (and the README listing it),
//! a 5xx alarm over each function's routes, and a one-line reason for each checkov suppression.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::template::{binary, functions, repo, routes, template};

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

#[test]
fn every_function_logs_to_its_own_group_kept_for_the_retention_parameter() {
    let t = template();
    let resources = &t["Resources"];
    let mut groups = BTreeSet::new();
    for (id, f) in functions(&t) {
        let group = f["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} names its log group"))
            .to_string();
        let g = &resources[&group];
        assert_eq!(g["Type"], "AWS::Logs::LogGroup", "{id}");
        assert_eq!(
            g["Properties"]["RetentionInDays"],
            json!({"Ref": "LogRetentionDays"}),
            "{id}"
        );
        assert!(groups.insert(group), "{id} shares a log group");
    }
    let access_log = &resources["HttpApi"]["Properties"]["AccessLogSettings"];
    assert_eq!(
        access_log["DestinationArn"],
        json!({"Fn::GetAtt": "ApiAccessLogGroup.Arn"})
    );
    let format = access_log["Format"].as_str().unwrap();
    assert!(
        !format.contains("header") && !format.contains("body") && !format.contains("query"),
        "the access log holds no headers, bodies or query strings: {format}"
    );
}
