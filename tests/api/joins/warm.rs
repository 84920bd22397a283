//! What a join to a known room costs (one DynamoDB read, no Twilio call), and how a room not
//! confirmed lately is checked with Twilio once, so a lost room-ended callback is noticed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use integration_tests::{backends, config_with_twilio, dynamo, sdk, table_name, unique};
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::dynamo::DynamoTable;
use shared::store::rooms::names::RoomNames;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::{entry, join, token_state, twilio};

/// Records the DynamoDB requests a client sends, by operation (`X-Amz-Target`).
#[derive(Clone, Debug, Default)]
struct Counted(Arc<Mutex<Vec<String>>>);

impl Intercept for Counted {
    fn name(&self) -> &'static str {
        "Counted"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or("");
        let operation = target.rsplit('.').next().unwrap_or_default();
        self.0.lock().unwrap().push(operation.to_string());
        Ok(())
    }
}

#[tokio::test]
async fn a_warm_join_reads_dynamodb_once_and_calls_no_twilio() {
    let (twilio, _rooms) = twilio().await;
    let id = unique("r");
    assert_eq!(
        join(&token_state(&twilio, &[]).await, &unique("u"), &id)
            .await
            .0,
        200
    );

    let silent = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .named("no Twilio call on a warm join")
        .mount(&silent)
        .await;
    let counted = Counted::default();
    let conf = aws_sdk_dynamodb::config::Builder::from(sdk().await)
        .interceptor(counted.clone())
        .build();
    let store = DynamoTable::new(aws_sdk_dynamodb::Client::from_conf(conf), table_name());
    let backends = Backends {
        store: Arc::new(store),
        ..backends().await
    };
    let warm = token::State::new(&config_with_twilio(&silent.uri(), &[]), &backends).unwrap();
    let (status, body) = join(&warm, &unique("u"), &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(*counted.0.lock().unwrap(), ["GetItem"]);
}

#[tokio::test]
async fn a_room_not_confirmed_lately_is_checked_once_and_a_lost_room_end_noticed() {
    let (twilio, rooms) = twilio().await;
    let state = token_state(&twilio, &[("ROOM_CONFIRM_AFTER_SECONDS", "60")]).await;
    let names = dynamo().await;
    let (id_alive, id_gone) = (unique("r"), unique("r"));
    for id in [&id_alive, &id_gone] {
        assert_eq!(join(&state, &unique("u"), id).await.0, 200);
        // Last confirmed long ago: as if no one had joined for a while.
        let mut stale = entry(&format!("acme:class:{id}")).await;
        stale.confirmed_at -= 3600;
        assert!(names.name_opened(&stale).await.unwrap());
    }
    // Still in progress at Twilio: confirmed, no new room.
    let alive = format!("acme:class:{id_alive}");
    assert_eq!(join(&state, &unique("u"), &id_alive).await.0, 200);
    assert_eq!(rooms.created(&alive).len(), 1);
    assert!(entry(&alive).await.confirmed_at >= now_unix() - 5);
    // Ended at Twilio, its room-ended callback lost: noticed, and a new room opened.
    let gone = format!("acme:class:{id_gone}");
    let old = rooms.end(&gone).unwrap();
    assert_eq!(join(&state, &unique("u"), &id_gone).await.0, 200);
    let created = rooms.created(&gone);
    assert_eq!(created.len(), 2);
    let now = entry(&gone).await;
    assert!(now.is_open() && now.room_sid != old && now.room_sid == created[1]);
    let distinct: HashSet<_> = created.iter().collect();
    assert_eq!(distinct.len(), 2);
}
