//! What recordings cost in DynamoDB requests, counted request by request by the SDK's own client
//! (`support/dynamo_count.rs`) on moto, with a wiremock Twilio: each room and composition
//! callback kind, and a reconciler run with N entries owed of each kind. The figures are printed
//! (`--nocapture` shows them; the README quotes them); only bounds that follow from the design
//! are asserted: a duplicate costs its one conditional claim write, an idle run one index read,
//! every owed entry the same, and finished rooms nothing at all.

mod callbacks;
mod runs;

use integration_tests::fixtures::composition_created;
use integration_tests::recordings::{composition_json, message_created, messages, no_compositions};
use integration_tests::rooms::{answer, form, last_segment};
use integration_tests::sid;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Answers Twilio's composition create, list (none yet), fetch (processing) and Messages create.
async fn twilio() -> MockServer {
    let twilio = MockServer::start().await;
    answer(&twilio, "GET", "/v1/Compositions", no_compositions()).await;
    let create = |req: &Request| {
        let room = form(req).into_iter().find(|(k, _)| k == "RoomSid");
        composition_created(&sid("CJ"), &room.map(|(_, v)| v).unwrap_or_default())
    };
    answer(&twilio, "POST", "/v1/Compositions", create).await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/Compositions/CJ[0-9a-f]{32}$"))
        .respond_with(|req: &Request| {
            let processing = composition_json(&last_segment(req), "RM", "processing");
            ResponseTemplate::new(200).set_body_json(processing)
        })
        .mount(&twilio)
        .await;
    messages()
        .respond_with(message_created(&sid("SM")))
        .mount(&twilio)
        .await;
    twilio
}
