//! Video v1 Compositions: one mp4 of a room's tracks, all audio and a grid of all video.
//! Paths and fields follow Twilio's OpenAPI description of Video v1 (`twilio_video_v1.json`):
//!
//! - `GET /v1/Compositions?RoomSid=…` → `{"compositions":[…],"meta":{…}}`;
//! - `POST /v1/Compositions` (`RoomSid`, `AudioSources`, `VideoLayout` as JSON, `Format`,
//!   `StatusCallback`, `StatusCallbackMethod`) → 201 with the composition.
//!
//! [`Compositions::ensure`] makes a room's composition exist without ever making two: it looks
//! for one first, and only then creates. That lookup is what makes it safe to try the create
//! again after an answer that leaves unknown whether Twilio acted (a 500 or 502, a timeout after
//! sending), which the client alone never repeats.

use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::retry::full_jitter;
use super::{Call, Form, TwilioClient, TwilioError};
use crate::names::RoomSid;
use crate::secrets::TwilioCredentials;

/// The first pause between two rounds of lookup and create; doubled per round.
const ROUND_BACKOFF: Duration = Duration::from_millis(200);
const ROUND_BACKOFF_CAP: Duration = Duration::from_secs(2);

/// A composition, as far as we use it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Composition {
    /// `CJ…`.
    pub sid: String,
    /// `enqueued`, `processing`, `completed`, `deleted` or `failed`.
    pub status: String,
    /// The room it composes.
    #[serde(default)]
    pub room_sid: Option<String>,
    /// Bytes, once completed.
    #[serde(default)]
    pub size: Option<u64>,
    /// Seconds, once completed.
    #[serde(default)]
    pub duration: Option<u64>,
    /// Its sub-resources (`media`).
    #[serde(default)]
    pub links: Option<Links>,
}

/// A composition's sub-resources.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Links {
    /// The Media sub-resource's URL.
    #[serde(default)]
    pub media: Option<String>,
}

impl Composition {
    /// Whether it is or will become media: not failed, not deleted.
    pub fn is_usable(&self) -> bool {
        !matches!(self.status.as_str(), "failed" | "deleted")
    }
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    compositions: Vec<Composition>,
}

/// How [`Compositions::ensure`] got its composition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ensured {
    /// It created this one.
    Created(Composition),
    /// One already existed for the room.
    Found(Composition),
}

impl Ensured {
    /// The composition, however it was had.
    pub fn composition(&self) -> &Composition {
        match self {
            Ensured::Created(c) | Ensured::Found(c) => c,
        }
    }
}

/// The Compositions API on a [`TwilioClient`], at `TWILIO_VIDEO_BASE_URL`.
#[derive(Clone, Debug)]
pub struct Compositions {
    pub(super) client: TwilioClient,
    base: Url,
}

impl Compositions {
    /// Compositions under `base` (`https://video.twilio.com` in production).
    pub fn new(client: TwilioClient, base: Url) -> Self {
        Self { client, base }
    }

    /// The room's usable compositions, newest first as Twilio lists them.
    pub async fn for_room(
        &self,
        creds: &TwilioCredentials,
        room: &RoomSid,
        deadline: Instant,
    ) -> Result<Vec<Composition>, TwilioError> {
        let mut url = self.url();
        url.query_pairs_mut()
            .append_pair("RoomSid", room.as_str())
            .append_pair("PageSize", "50");
        let page: Page = self
            .client
            .send(creds, &Call::get(url), deadline)
            .await?
            .json()?;
        Ok(page
            .compositions
            .into_iter()
            .filter(Composition::is_usable)
            .collect())
    }

    /// Creates a composition of all the room's audio and a grid of all its video, as mp4, with
    /// status callbacks POSTed to `status_callback`. Sent once: see [`Compositions::ensure`].
    pub async fn create(
        &self,
        creds: &TwilioCredentials,
        room: &RoomSid,
        status_callback: &str,
        deadline: Instant,
    ) -> Result<Composition, TwilioError> {
        let form = Form::new()
            .text("RoomSid", room.as_str())
            .list("AudioSources", ["*"])
            .json(
                "VideoLayout",
                &serde_json::json!({ "grid": { "video_sources": ["*"] } }),
            )
            .text("Format", "mp4")
            .text("StatusCallback", status_callback)
            .text("StatusCallbackMethod", "POST");
        self.client
            .send(creds, &Call::create(self.url(), form), deadline)
            .await?
            .json()
    }

    /// The room's composition: an existing usable one, else a new one. Rounds of lookup then
    /// create are repeated, with backoff, while the deadline allows and the failure leaves room
    /// for another try (see [`worth_another_round`]).
    pub async fn ensure(
        &self,
        creds: &TwilioCredentials,
        room: &RoomSid,
        status_callback: &str,
        deadline: Instant,
    ) -> Result<Ensured, TwilioError> {
        let mut round = 0u32;
        loop {
            round += 1;
            let attempt = async {
                if let Some(existing) = self
                    .for_room(creds, room, deadline)
                    .await?
                    .into_iter()
                    .next()
                {
                    return Ok(Ensured::Found(existing));
                }
                self.create(creds, room, status_callback, deadline)
                    .await
                    .map(Ensured::Created)
            }
            .await;
            let error = match attempt {
                Ok(ensured) => return Ok(ensured),
                Err(e) => e,
            };
            let wait = full_jitter(ROUND_BACKOFF, ROUND_BACKOFF_CAP, round);
            if !worth_another_round(&error) || Instant::now() + wait >= deadline {
                return Err(error);
            }
            tracing::warn!(
                room_sid = room.as_str(),
                round,
                wait_ms = wait.as_millis() as u64,
                error = %error,
                "composition not created yet; looking again before another try"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// `{base}/v1/Compositions`.
    pub(super) fn url(&self) -> Url {
        let mut url = self.base.clone();
        let path = format!("{}/v1/Compositions", self.base.path().trim_end_matches('/'));
        url.set_path(&path);
        url
    }
}

/// Whether a failed round of lookup and create may be repeated.
///
/// - 429 and 503: Twilio did not act (the client already retried them within its own limits).
/// - 500, 502 and 504: Twilio may or may not have created the composition. The client never
///   repeats a create on these, but the next round looks for the composition first, so
///   repeating is safe here; and these are the transient failures worth riding out within the
///   deadline rather than handing to Twilio's redelivery at once.
/// - A failure in transit, sent or not: the same reasoning.
/// - Anything else (4xx: a bad room, no recorded tracks): another try would fail the same way.
pub fn worth_another_round(error: &TwilioError) -> bool {
    match error {
        TwilioError::Api { status, .. } => matches!(status, 429 | 500 | 502 | 503 | 504),
        TwilioError::Transport { .. } | TwilioError::TimedOut { .. } => true,
        TwilioError::Decode(_) | TwilioError::Credentials(_) => false,
    }
}

#[cfg(test)]
#[path = "compositions_tests.rs"]
mod tests;
