//! A stateful Twilio for key rotation, as a wiremock responder: the 2010 Keys API (create, list
//! in pages, fetch, delete) authenticated with the Account SID and Auth Token only, as Twilio
//! requires of key management, and one Video read that succeeds only for a live key's own SID
//! and secret. Any other request is answered 404 and kept, so a test can assert there was none.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use integration_tests::{ACCOUNT_SID, AUTH_TOKEN};
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

/// Keys per listed page, fewer than asked, so that listing must follow `next_page_uri`.
const PAGE: usize = 2;

/// A key at the fake.
#[derive(Clone, Debug)]
pub struct FakeKey {
    pub sid: String,
    pub name: String,
    pub secret: String,
}

#[derive(Default)]
pub struct Books {
    pub keys: BTreeMap<String, FakeKey>,
    /// Every key ever created through the API, in order.
    pub created: Vec<FakeKey>,
    /// Every DELETE that revoked a live key, in order.
    pub revoked: Vec<String>,
    /// DELETEs of a key that was already gone.
    pub deletes_of_gone_keys: usize,
    /// Creates to fail with a 500 before the next succeeds.
    pub failing_creates: usize,
    /// New keys' Video reads answered 401, as if the key did not work.
    pub reject_video: bool,
    /// Requests the fake does not serve.
    pub unexpected: Vec<String>,
}

/// The fake; cheap to clone, one state.
#[derive(Clone, Default)]
pub struct FakeTwilio(pub Arc<Mutex<Books>>);

fn error(status: u16, code: u32, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .insert_header("twilio-request-id", "RQ0123456789abcdef0123456789abcdef")
        .set_body_json(json!({"code": code, "message": message, "status": status}))
}

fn basic(request: &Request) -> Option<(String, String)> {
    let header = request.headers.get("authorization")?.to_str().ok()?;
    let raw = STANDARD.decode(header.strip_prefix("Basic ")?).ok()?;
    let (user, pass) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    Some((user.to_string(), pass.to_string()))
}

fn key_json(key: &FakeKey) -> Value {
    json!({"sid": key.sid, "friendly_name": key.name,
        "date_created": "Mon, 13 Jun 2016 22:50:08 +0000",
        "date_updated": "Mon, 13 Jun 2016 22:50:08 +0000"})
}

impl FakeTwilio {
    /// A fake holding `keys` (SID, secret) made by hand, without a rotation's name.
    pub fn with_keys(keys: &[(&str, &str)]) -> Self {
        let fake = Self::default();
        for (sid, secret) in keys {
            fake.add(sid, "made by hand", secret);
        }
        fake
    }

    /// Adds a key as if created elsewhere (the console, another system).
    pub fn add(&self, sid: &str, name: &str, secret: &str) {
        let key = FakeKey {
            sid: sid.into(),
            name: name.into(),
            secret: secret.into(),
        };
        self.0.lock().unwrap().keys.insert(sid.into(), key);
    }

    /// Whether `sid` is alive.
    pub fn alive(&self, sid: &str) -> bool {
        self.0.lock().unwrap().keys.contains_key(sid)
    }

    /// Reads the books.
    pub fn books<T>(&self, f: impl FnOnce(&mut Books) -> T) -> T {
        f(&mut self.0.lock().unwrap())
    }

    fn keys_api(&self, request: &Request, tail: &str) -> ResponseTemplate {
        if basic(request) != Some((ACCOUNT_SID.into(), AUTH_TOKEN.into())) {
            // A standard key cannot manage keys; neither can wrong credentials.
            return error(401, 20003, "Authenticate");
        }
        let mut books = self.0.lock().unwrap();
        let method = request.method.as_str();
        match (method, tail) {
            ("POST", "Keys.json") => {
                let form: Vec<(String, String)> =
                    serde_urlencoded::from_bytes(&request.body).unwrap_or_default();
                let [(field, name)] = form.as_slice() else {
                    return error(400, 21_000, "exactly one field, FriendlyName");
                };
                if field != "FriendlyName" || name.chars().count() > 64 {
                    return error(400, 21_000, "FriendlyName of at most 64 characters");
                }
                if books.failing_creates > 0 {
                    books.failing_creates -= 1;
                    return error(500, 20_500, "Internal Server Error");
                }
                let key = FakeKey {
                    sid: integration_tests::sid("SK"),
                    name: name.clone(),
                    secret: uuid::Uuid::new_v4().simple().to_string(),
                };
                books.keys.insert(key.sid.clone(), key.clone());
                books.created.push(key.clone());
                let mut body = key_json(&key);
                body["secret"] = key.secret.clone().into();
                ResponseTemplate::new(201).set_body_json(body)
            }
            ("GET", "Keys.json") => {
                let page: usize = query(request, "Page")
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let all: Vec<Value> = books.keys.values().map(key_json).collect();
                let chunk: Vec<Value> = all.iter().skip(page * PAGE).take(PAGE).cloned().collect();
                let next = ((page + 1) * PAGE < all.len()).then(|| {
                    format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Keys.json?PageSize=1000&Page={}&PageToken=PA{}", page + 1, page + 1)
                });
                ResponseTemplate::new(200).set_body_json(json!({
                    "keys": chunk, "page": page, "page_size": PAGE, "next_page_uri": next}))
            }
            (_, tail) if tail.starts_with("Keys/") && tail.ends_with(".json") => {
                let sid = &tail[5..tail.len() - 5];
                match (method, books.keys.get(sid).cloned()) {
                    ("GET", Some(key)) => ResponseTemplate::new(200).set_body_json(key_json(&key)),
                    ("DELETE", Some(_)) => {
                        books.keys.remove(sid);
                        books.revoked.push(sid.to_string());
                        ResponseTemplate::new(204)
                    }
                    ("DELETE", None) => {
                        books.deletes_of_gone_keys += 1;
                        error(404, 20404, "not found")
                    }
                    _ => error(404, 20404, "not found"),
                }
            }
            _ => {
                books.unexpected.push(format!("{method} {}", request.url));
                error(404, 20404, "not found")
            }
        }
    }

    fn rooms(&self, request: &Request) -> ResponseTemplate {
        let books = self.0.lock().unwrap();
        let wanted = query(request, "Status").as_deref() == Some("in-progress")
            && query(request, "PageSize").as_deref() == Some("1");
        let authentic = basic(request)
            .is_some_and(|(sid, secret)| books.keys.get(&sid).is_some_and(|k| k.secret == secret));
        let rejected = books.reject_video
            && books
                .created
                .iter()
                .any(|k| basic(request).is_some_and(|(sid, _)| sid == k.sid));
        if !wanted {
            return error(400, 20001, "unexpected query");
        }
        if !authentic || rejected {
            return error(401, 20003, "Authenticate");
        }
        ResponseTemplate::new(200).set_body_json(json!({"rooms": [], "meta": {"page": 0}}))
    }
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

impl Respond for FakeTwilio {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let path = request.url.path().to_string();
        let prefix = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/");
        if let Some(tail) = path.strip_prefix(&prefix) {
            return self.keys_api(request, tail);
        }
        if request.method.as_str() == "GET" && path == "/v1/Rooms" {
            return self.rooms(request);
        }
        self.0
            .lock()
            .unwrap()
            .unexpected
            .push(format!("{} {}", request.method, request.url));
        error(404, 20404, "not found")
    }
}
