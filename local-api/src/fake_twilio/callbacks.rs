//! Twilio's status callbacks, as the fake sends them: a form-encoded POST to the
//! `StatusCallback` URL the resource was created with, signed with the Auth Token by the
//! crate's own signature code (`X-Twilio-Signature`), with an `I-Twilio-Idempotency-Token` of
//! its own, as Twilio sends them. They leave after the answer to the request that caused them
//! (Twilio sends them asynchronously) and in the order they were caused, one at a time.
//!
//! `LOCAL_FAKE_TWILIO_CALLBACKS` says which are delivered: all (`1`, the default), none (`0`),
//! or only the rooms' (`rooms`: composition callbacks are lost, so the reconciler's stuck check
//! is seen finding the composition finished at the fake and sending the SMS). A lost callback
//! is logged, never sent.

use std::time::Duration;

use anyhow::bail;
use shared::twilio::signature;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::answers::sid;

/// How long the fake waits for our answer: Twilio gives up after 15 seconds.
const TIMEOUT: Duration = Duration::from_secs(15);

/// Which callbacks are delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivered {
    /// Every callback.
    All,
    /// Room callbacks only; composition callbacks are lost.
    RoomsOnly,
    /// None: every callback is lost.
    None,
}

impl Delivered {
    /// `LOCAL_FAKE_TWILIO_CALLBACKS`: `1` (or unset), `0`, or `rooms`.
    pub fn parse(raw: Option<&str>) -> anyhow::Result<Self> {
        Ok(match raw.map(str::trim) {
            None | Some("" | "1") => Self::All,
            Some("0") => Self::None,
            Some("rooms") => Self::RoomsOnly,
            Some(other) => {
                bail!("LOCAL_FAKE_TWILIO_CALLBACKS must be 1, 0 or rooms, not {other:?}")
            }
        })
    }

    /// What the banner says.
    pub fn describe(self) -> &'static str {
        match self {
            Self::All => "all sent",
            Self::RoomsOnly => "room ones sent, composition ones lost",
            Self::None => "all lost",
        }
    }
}

/// What a callback reports on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A room status callback.
    Room,
    /// A composition status callback.
    Composition,
}

/// One callback to send.
struct Delivery {
    url: String,
    params: Vec<(String, String)>,
}

/// The fake's outgoing callbacks.
pub struct Callbacks {
    delivered: Delivered,
    queue: Option<UnboundedSender<Delivery>>,
}

impl Callbacks {
    /// Callbacks signed with `auth_token`, delivered as `delivered` says, by a task of the
    /// current Tokio runtime (without one, every callback is lost).
    pub fn new(auth_token: String, delivered: Delivered) -> Self {
        let runtime = tokio::runtime::Handle::try_current().ok();
        let queue = runtime.filter(|_| delivered != Delivered::None).map(|rt| {
            let (tx, rx) = unbounded_channel();
            rt.spawn(deliver(rx, auth_token));
            tx
        });
        Self { delivered, queue }
    }

    /// Which callbacks are delivered.
    pub fn delivered(&self) -> Delivered {
        self.delivered
    }

    /// Sends `params` (in order) to `url`, the resource's `StatusCallback`; nothing when the
    /// resource has none.
    pub fn send(&self, kind: Kind, url: Option<&str>, params: Vec<(&str, String)>) {
        let Some(url) = url.filter(|u| !u.is_empty()) else {
            return;
        };
        let event = params
            .iter()
            .find(|(k, _)| *k == "StatusCallbackEvent")
            .map_or(String::new(), |(_, v)| v.clone());
        let wanted = match self.delivered {
            Delivered::All => true,
            Delivered::RoomsOnly => kind == Kind::Room,
            Delivered::None => false,
        };
        let delivery = Delivery {
            url: url.to_string(),
            params: params
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        };
        match self.queue.as_ref().filter(|_| wanted) {
            Some(queue) if queue.send(delivery).is_ok() => {}
            _ => tracing::info!(event, "fake Twilio: callback lost, as configured"),
        }
    }
}

/// Sends each queued callback in turn.
async fn deliver(mut queue: UnboundedReceiver<Delivery>, auth_token: String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = match reqwest::Client::builder().timeout(TIMEOUT).build() {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "fake Twilio: no HTTP client; callbacks are lost");
            return;
        }
    };
    while let Some(delivery) = queue.recv().await {
        let signature = signature::compute(&auth_token, &delivery.url, &delivery.params);
        let event = delivery
            .params
            .iter()
            .find(|(k, _)| k == "StatusCallbackEvent")
            .map_or(String::new(), |(_, v)| v.clone());
        let sent = client
            .post(&delivery.url)
            .header(signature::HEADER, signature)
            .header("I-Twilio-Idempotency-Token", sid("ID"))
            .form(&delivery.params)
            .send()
            .await;
        match sent {
            Ok(answer) => {
                tracing::info!(
                    event,
                    status = answer.status().as_u16(),
                    "fake Twilio: callback delivered"
                )
            }
            // Twilio retries only a connection failure; the fake does not retry at all.
            Err(e) => tracing::warn!(event, error = %e, "fake Twilio: callback not delivered"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variable_takes_1_0_or_rooms_and_nothing_else() {
        assert_eq!(Delivered::parse(None).unwrap(), Delivered::All);
        assert_eq!(Delivered::parse(Some("1")).unwrap(), Delivered::All);
        assert_eq!(Delivered::parse(Some("0")).unwrap(), Delivered::None);
        assert_eq!(
            Delivered::parse(Some("rooms")).unwrap(),
            Delivered::RoomsOnly
        );
        assert!(Delivered::parse(Some("yes")).is_err());
    }
}
