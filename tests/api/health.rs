//! GET /healthz through the Lambda entry point.

use integration_tests::{event, json_body, request};
use shared::http::Handler;

#[tokio::test]
async fn health_answers_ok_to_an_api_gateway_event() {
    let response = health::Health.handle(request(&event("health"))).await;
    assert_eq!(response.status(), 200);
    assert_eq!(json_body(&response)["status"], "ok");
}
