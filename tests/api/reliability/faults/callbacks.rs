//! The callbacks' and the reconciler's outbound Twilio calls, each under each fault: the room
//! callback's composition lookup and create, the composition callback's recording-ready SMS, and
//! the reconciler's stuck-composition fetch. Every signed callback answers 200 inside its
//! deadline (Twilio gives up after 15 s and never redelivers a 5xx); a reconciler run while
//! Twilio still fails leaves the work owed; the first run after Twilio is back does it, once;
//! later runs find nothing. An SMS whose send may have reached Twilio is never sent again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use integration_tests::faults::Match;
use integration_tests::recordings::{
    composition, composition_json, composition_params, composition_status, message_created,
    messages_path, own,
};
use integration_tests::webhook::{body, invoke, room_params, room_status, status};
use integration_tests::{sid, unique};
use serde_json::json;
use shared::aws::Backends;
use shared::clock::now_unix;
use shared::deadline::Deadline;
use shared::store::compositions::{CompositionStatus, SmsState};
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use super::{ALL, BUDGET};
use crate::reliability::{Twilio, embedded, within};

/// A reconciler run's deadline: long enough for a 503's retries, short enough that a held
/// answer ends the entry's budget soon.
fn run_deadline() -> Deadline {
    Deadline::after(Duration::from_secs(6))
}

/// The three functions on a store of their own (the embedded one: see `embedded`) and the
/// proxied Twilio.
struct World {
    twilio: Twilio,
    backends: Backends,
    webhook: webhook::State,
    composition: composition::State,
    reconciler: reconciler::State,
}

impl World {
    async fn new() -> Self {
        let twilio = Twilio::start().await;
        let backends = embedded().await;
        let config = twilio.config(&[]);
        Self {
            webhook: webhook::State::new(&config, &backends),
            composition: composition::State::new(&config, &backends).unwrap(),
            reconciler: reconciler::State::new(&config, &backends).unwrap(),
            backends,
            twilio,
        }
    }

    /// Runs the reconciler at `at`: what it composed, notified and applied.
    async fn reconcile(&self, at: i64) -> (Vec<String>, Vec<String>, Vec<String>) {
        let report = self.reconciler.run(at, run_deadline()).await.unwrap();
        (report.composed, report.notified, report.applied)
    }
}

#[tokio::test]
async fn a_room_ended_callback_answers_200_under_each_twilio_fault_and_the_reconciler_composes_once()
 {
    for (call, on) in [
        ("list", Match::request("GET", "/v1/Compositions")),
        ("create", Match::request("POST", "/v1/Compositions")),
    ] {
        for fault in ALL {
            let what = format!("compositions {call} under {fault:?}");
            let w = World::new().await;
            let (room, cj) = (sid("RM"), sid("CJ"));
            let page = json!({"compositions": [], "meta": {"next_page_url": null}});
            Mock::given(method("GET"))
                .and(path("/v1/Compositions"))
                .respond_with(ResponseTemplate::new(200).set_body_json(page))
                .mount(&w.twilio.mock)
                .await;
            let created = composition_json(&cj, &room, "enqueued");
            Mock::given(method("POST"))
                .and(path("/v1/Compositions"))
                .respond_with(ResponseTemplate::new(201).set_body_json(created))
                .mount(&w.twilio.mock)
                .await;
            w.twilio.proxy.fail(on.clone(), fault.fault());
            let started = room_params(&room, "recording-started", "3", &[]);
            let started = room_status(&started, Some(&unique("tok-")));
            assert_eq!(status(&invoke(&w.webhook, started, None).await), 200);
            let ended = room_params(&room, "room-ended", "9", &[("RoomDuration", "60")]);
            let clock = Instant::now();
            let answer = invoke(&w.webhook, room_status(&ended, None), Some(BUDGET)).await;
            within(clock, BUDGET, &what);
            assert_eq!(status(&answer), 200, "{what}: {answer}");

            let now = now_unix();
            let (composed, _, _) = w.reconcile(now + 301).await;
            assert!(composed.is_empty(), "{what}: Twilio still failing");
            w.twilio.proxy.heal();
            let (composed, _, _) = w.reconcile(now + 700).await;
            assert_eq!(composed, std::slice::from_ref(&room), "{what}");
            let (composed, _, _) = w.reconcile(now + 2000).await;
            assert!(composed.is_empty(), "{what}: done once");
            assert_eq!(
                w.twilio.reached("POST", "/v1/Compositions").await,
                1,
                "{what}"
            );
            let record = w.backends.store.room_record(&room).await.unwrap().unwrap();
            assert_eq!(
                record.composition_sid.as_deref(),
                Some(cj.as_str()),
                "{what}"
            );
        }
    }
}

#[tokio::test]
async fn a_composition_callback_answers_200_under_each_twilio_fault_and_one_sms_at_most_is_sent() {
    for fault in ALL {
        let what = format!("messages under {fault:?}");
        let w = World::new().await;
        let (room, cj) = (sid("RM"), sid("CJ"));
        own(
            &w.backends.store,
            &room,
            "acme:class:x",
            "alice",
            Some("+14155550100"),
        )
        .await;
        Mock::given(method("POST"))
            .and(path(messages_path()))
            .respond_with(message_created("SM0123456789abcdef0123456789abcdef"))
            .mount(&w.twilio.mock)
            .await;
        w.twilio
            .proxy
            .fail(Match::request("POST", &messages_path()), fault.fault());
        let params = composition_params(
            &room,
            &cj,
            "composition-available",
            "2026-11-26T02:03:00Z",
            &[],
        );
        let clock = Instant::now();
        let answer = invoke(
            &w.composition,
            composition_status(&params, None),
            Some(BUDGET),
        )
        .await;
        within(clock, BUDGET, &what);
        assert_eq!(status(&answer), 200, "{what}: {answer}");
        assert_eq!(body(&answer)["status"], "processed", "{what}");

        let now = now_unix();
        let (_, notified, _) = w.reconcile(now + 301).await;
        assert!(
            notified.is_empty() || fault.maybe_sent(),
            "{what}: {notified:?}"
        );
        w.twilio.proxy.heal();
        w.reconcile(now + 700).await;
        w.reconcile(now + 2000).await;
        let record = w.backends.store.composition(&room).await.unwrap().unwrap();
        let sent = w.twilio.reached("POST", &messages_path()).await;
        if fault.maybe_sent() {
            // It may have reached Twilio: recorded as uncertain, never sent again.
            assert_eq!((sent, record.sms), (0, Some(SmsState::Uncertain)), "{what}");
        } else {
            let want = SmsState::Sent("SM0123456789abcdef0123456789abcdef".into());
            assert_eq!((sent, record.sms), (1, Some(want)), "{what}");
        }
    }
}

#[tokio::test]
async fn a_stuck_composition_is_looked_up_again_after_each_twilio_fault_and_applied_once() {
    for fault in ALL {
        let what = format!("composition fetch under {fault:?}");
        let w = World::new().await;
        let (room, cj) = (sid("RM"), sid("CJ"));
        let now = now_unix();
        let store: &Arc<dyn shared::store::Store> = &w.backends.store;
        let processing = Some(CompositionStatus::Processing);
        composition(store, &room, &cj, "acme:class:x", now, processing).await;
        let resource = format!("/v1/Compositions/{cj}");
        Mock::given(method("GET"))
            .and(path(resource.as_str()))
            .respond_with(ResponseTemplate::new(200).set_body_json(composition_json(
                &cj,
                &room,
                "completed",
            )))
            .mount(&w.twilio.mock)
            .await;
        w.twilio
            .proxy
            .fail(Match::request("GET", &resource), fault.fault());
        let (_, _, applied) = w.reconcile(now + 7201).await;
        assert!(applied.is_empty(), "{what}");
        w.twilio.proxy.heal();
        let (_, _, applied) = w.reconcile(now + 7202).await;
        assert_eq!(applied, std::slice::from_ref(&cj), "{what}");
        let (_, _, applied) = w.reconcile(now + 7203).await;
        assert!(applied.is_empty(), "{what}: applied once");
        let record = w.backends.store.composition(&room).await.unwrap().unwrap();
        assert_eq!(record.status, CompositionStatus::Completed, "{what}");
    }
}
