//! Video v1 compositions and their media:
//!
//! - list (by `RoomSid`, newest first), create, fetch. A composition is composed at once: its
//!   resource is `completed` (or `failed`, "No media to compose", for a room that recorded
//!   nothing) right after the create answers `enqueued`, and the composition status callbacks
//!   Twilio would send go to its `StatusCallback`: `composition-enqueued`, `-started`,
//!   `-progress`, then `-available` (or `-failed`);
//! - `GET /v1/Compositions/{Sid}/Media?Ttl=N` (1–3600, default 3600): 302 with `Location`, and
//!   the same URL as JSON `redirect_to`, as Twilio answers; the link is served by the fake under
//!   `{PREFIX}/media/…` without credentials until it expires (then 403, as a lapsed signed URL
//!   is). The bytes are a placeholder, not a playable file.

use axum::body::Body;
use http::{Response, StatusCode};
use serde_json::{Value, json};
use shared::clock::{now_unix, rfc3339};

use super::State;
use super::answers::{Params, bad, field, iso_millis, not_found, now_millis, ok, sid};
use super::callbacks::{Callbacks, Kind};

/// Twilio's longest media link, in seconds (also the default).
const MAX_TTL: i64 = 3600;

impl State {
    /// `GET /v1/Compositions?RoomSid=…`.
    pub(super) fn list_compositions(&self, query: &Params) -> Response<Body> {
        let room = query.get("RoomSid");
        let page: Vec<&Value> = self
            .compositions
            .iter()
            .rev()
            .filter(|c| room.is_none_or(|r| c["room_sid"] == r.as_str()))
            .collect();
        ok(
            StatusCode::OK,
            json!({
                "compositions": page,
                "meta": { "page": 0, "page_size": 50, "key": "compositions",
                          "next_page_url": null, "previous_page_url": null },
            }),
        )
    }

    /// `POST /v1/Compositions`.
    pub(super) fn create_composition(
        &mut self,
        form: &Params,
        path: &str,
        out: &Callbacks,
    ) -> Response<Body> {
        let Some(room) = form.get("RoomSid") else {
            return bad(20001, "Missing required parameter RoomSid");
        };
        let Some(recorded) = self.rooms.get(room).map(|r| !r.recordings.is_empty()) else {
            return not_found(path);
        };
        let layout: Value = form
            .get("VideoLayout")
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_else(|| json!({}));
        let (sid, now) = (sid("CJ"), now_unix());
        let callback = form.get("StatusCallback").cloned();
        let mut composition = json!({
            "sid": sid, "room_sid": room, "account_sid": self.account_sid, "status": "enqueued",
            "format": field(form, "Format").unwrap_or("webm"), "resolution": "640x480",
            "audio_sources": form.get("AudioSources").into_iter().collect::<Vec<_>>(),
            "audio_sources_excluded": [], "video_layout": layout, "trim": true,
            "status_callback": callback,
            "status_callback_method": field(form, "StatusCallbackMethod").unwrap_or("POST"),
            "date_created": rfc3339(now), "date_completed": null, "date_deleted": null,
            "bitrate": 0, "size": 0, "duration": 0, "media_external_location": null,
            "url": format!("https://video.twilio.com/v1/Compositions/{sid}"),
            "links": { "media": format!("https://video.twilio.com/v1/Compositions/{sid}/Media") },
        });
        let created = composition.clone();
        let uri = format!("/v1/Compositions/{sid}");
        let at = now_millis();
        let send = |event: &str, i: i64, extra: Vec<(&str, String)>| {
            let mut params = vec![
                ("AccountSid", self.account_sid.clone()),
                ("CompositionSid", sid.clone()),
                ("CompositionUri", uri.clone()),
                ("RoomSid", room.clone()),
                ("StatusCallbackEvent", event.to_string()),
                ("Timestamp", iso_millis(at + i)),
            ];
            params.extend(extra);
            out.send(Kind::Composition, callback.as_deref(), params);
        };
        send("composition-enqueued", 0, vec![]);
        send("composition-started", 1, vec![]);
        let progress = [("PercentageDone", "50"), ("SecondsRemaining", "1")];
        send(
            "composition-progress",
            2,
            progress.map(|(k, v)| (k, v.to_string())).into(),
        );
        if recorded {
            let (size, duration) = (1_048_576, 60);
            for (name, value) in [("status", json!("completed")), ("size", json!(size))] {
                composition[name] = value;
            }
            composition["duration"] = json!(duration);
            composition["bitrate"] = json!(size * 8 / duration / 1000);
            composition["date_completed"] = json!(rfc3339(now));
            let available = vec![
                ("MediaUri", format!("{uri}/Media")),
                ("Size", size.to_string()),
                ("Duration", duration.to_string()),
            ];
            send("composition-available", 3, available);
        } else {
            composition["status"] = json!("failed");
            let failed = vec![
                ("FailedOperation", "compose".to_string()),
                ("ErrorMessage", "No media to compose".to_string()),
            ];
            send("composition-failed", 3, failed);
        }
        self.compositions.push(composition);
        ok(StatusCode::CREATED, created)
    }

    /// `GET /v1/Compositions/{Sid}`.
    pub(super) fn fetch_composition(&self, sid: &str, path: &str) -> Response<Body> {
        match self.compositions.iter().find(|c| c["sid"] == sid) {
            Some(c) => ok(StatusCode::OK, c.clone()),
            None => not_found(path),
        }
    }

    /// `GET /v1/Compositions/{Sid}/Media?Ttl=N`: a redirect to a link valid `N` seconds. A
    /// composition that is not `completed` has no media: 20404.
    pub(super) fn media(
        &mut self,
        sid: &str,
        query: &Params,
        path: &str,
        base_url: &str,
    ) -> Response<Body> {
        let ttl = match query.get("Ttl").map(|t| t.parse::<i64>()) {
            None => MAX_TTL,
            Some(Ok(t)) if (1..=MAX_TTL).contains(&t) => t,
            Some(_) => return bad(20001, "Ttl must be between 1 and 3600"),
        };
        if !self
            .compositions
            .iter()
            .any(|c| c["sid"] == sid && c["status"] == "completed")
        {
            return not_found(path);
        }
        let (signature, expires) = (super::answers::sid("SG"), now_unix() + ttl);
        self.media_links
            .insert(signature.clone(), (sid.to_string(), expires));
        let link = format!("{base_url}/media/{sid}.mp4?Expires={expires}&Signature={signature}");
        let mut answer = ok(StatusCode::FOUND, json!({ "redirect_to": link }));
        if let Ok(location) = http::HeaderValue::try_from(link) {
            answer
                .headers_mut()
                .insert(http::header::LOCATION, location);
        }
        answer
    }

    /// `GET {PREFIX}/media/{Sid}.mp4?Expires=…&Signature=…`: the media behind a link.
    pub(super) fn media_file(&self, file: &str, query: &Params, path: &str) -> Response<Body> {
        let signed = query
            .get("Signature")
            .and_then(|s| self.media_links.get(s))
            .filter(|(sid, _)| file.strip_suffix(".mp4") == Some(sid.as_str()));
        let refused = |reason: &str| {
            Response::builder()
                .status(StatusCode::FORBIDDEN)
                .body(Body::from(reason.to_string()))
                .unwrap_or_default()
        };
        match signed {
            None if file.ends_with(".mp4") => refused("AccessDenied"),
            None => not_found(path),
            Some((_, expires)) if *expires < now_unix() => refused("Request has expired"),
            Some(_) => Response::builder()
                .header(http::header::CONTENT_TYPE, "video/mp4")
                .body(Body::from("placeholder media of the local fake Twilio"))
                .unwrap_or_default(),
        }
    }
}
