//! What recordings cost in DynamoDB requests, counted request by request by the SDK's own client
//! (`support/dynamo_count.rs`) on moto, with a wiremock Twilio: each room and composition
//! callback kind, and a reconciler run with N entries owed of each kind. The figures are printed
//! (`--nocapture` shows them; the README quotes them); only bounds that follow from the design
//! are asserted: a duplicate costs its one conditional claim write, an idle run one index read,
//! every owed entry the same, and finished rooms nothing at all.

mod callbacks;
mod runs;

use integration_tests::recordings::{composition_json, message_created, messages};
use integration_tests::sid;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const NAME: &str = "acme:class:9f3c2b1a";
const PHONE: &str = "+14155550100";

/// Answers Twilio's composition create, list (none yet), fetch (processing) and Messages create.
async fn twilio() -> MockServer {
    let twilio = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/Compositions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "compositions": [],
            "meta": {"page": 0, "page_size": 50, "key": "compositions", "next_page_url": null}
        })))
        .mount(&twilio)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/Compositions"))
        .respond_with(|req: &Request| {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&req.body)
                .into_owned()
                .collect();
            let room = form
                .iter()
                .find(|(k, _)| k == "RoomSid")
                .map(|(_, v)| v.clone());
            let created = composition_json(&sid("CJ"), &room.unwrap_or_default(), "enqueued");
            ResponseTemplate::new(201).set_body_json(created)
        })
        .mount(&twilio)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/Compositions/CJ[0-9a-f]{32}$"))
        .respond_with(|req: &Request| {
            let cj = req
                .url
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string();
            ResponseTemplate::new(200).set_body_json(composition_json(&cj, "RM", "processing"))
        })
        .mount(&twilio)
        .await;
    messages()
        .respond_with(message_created(&sid("SM")))
        .mount(&twilio)
        .await;
    twilio
}
