//! The 2010-04-01 Keys API, as Twilio's OpenAPI description (`twilio_api_v2010.json`) gives it,
//! under `TWILIO_API_BASE_URL`:
//!
//! - `POST /2010-04-01/Accounts/{AC}/Keys.json` (`FriendlyName`, at most 64 characters) → 201
//!   with `sid`, `friendly_name` and `secret`, the only answer that ever carries the secret;
//! - `GET …/Keys.json?PageSize=…` → `{"keys":[…],"next_page_uri":…}`;
//! - `GET …/Keys/{SK}.json` → the key, or 404;
//! - `DELETE …/Keys/{SK}.json` → 204 (revoked), or 404 (already gone).
//!
//! Keys are managed with the Account SID and Auth Token as Basic credentials: a key created
//! through this API is a standard key, which cannot manage keys. [`authenticates`] checks a new
//! key the way it will be used, with one Video read signed by that key.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::{Call, Form, TwilioClient, TwilioError};
use crate::secrets::{AuthCredentials, SecretError, TwilioCredentials};

/// The longest `FriendlyName` Twilio accepts.
pub const MAX_FRIENDLY_NAME: usize = 64;
/// Keys listed per page (Twilio's maximum), so that listing takes one call for most accounts.
const PAGE_SIZE: &str = "1000";

/// A key as Twilio lists it (never its secret).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Key {
    /// `SK…`.
    pub sid: String,
    /// Its friendly name.
    #[serde(default)]
    pub friendly_name: Option<String>,
}

/// A key just created: its secret is in hand only now.
#[derive(Clone, Debug, Deserialize)]
pub struct NewKey {
    /// `SK…`.
    pub sid: String,
    /// Its friendly name.
    #[serde(default)]
    pub friendly_name: Option<String>,
    /// Its secret (never printed).
    pub secret: SecretString,
}

/// What a DELETE found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deleted {
    /// The key existed and is revoked now.
    Revoked,
    /// There was no such key (revoked before).
    AlreadyGone,
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    keys: Vec<Key>,
    #[serde(default)]
    next_page_uri: Option<String>,
}

/// The Keys API of one account, authenticated with its Auth Token.
pub struct Keys<'a> {
    client: &'a TwilioClient,
    base: &'a Url,
    account: TwilioCredentials,
}

impl<'a> Keys<'a> {
    /// The Keys API under `base` (`https://api.twilio.com`), as `auth`'s account; an error when
    /// `auth` holds no Auth Token (a standard API key cannot manage keys).
    pub fn new(
        client: &'a TwilioClient,
        base: &'a Url,
        auth: &AuthCredentials,
    ) -> Result<Self, SecretError> {
        // The client sends whatever Basic pair it is given: here the Account SID and Auth Token.
        let account = TwilioCredentials {
            account_sid: auth.account_sid.clone(),
            api_key_sid: auth.account_sid.clone(),
            api_key_secret: SecretString::from(auth.auth_token()?.expose_secret()),
            step_up_key: None,
        };
        Ok(Self {
            client,
            base,
            account,
        })
    }

    /// Creates a key named `friendly_name` (cut to [`MAX_FRIENDLY_NAME`] characters). Sent once:
    /// a failure that may have reached Twilio can leave a key behind, which the caller must look
    /// for by its name.
    pub async fn create(
        &self,
        friendly_name: &str,
        deadline: Instant,
    ) -> Result<(NewKey, Option<String>), TwilioError> {
        let name: String = friendly_name.chars().take(MAX_FRIENDLY_NAME).collect();
        let form = Form::new().text("FriendlyName", name);
        let response = self
            .client
            .send(
                &self.account,
                &Call::create(self.url("Keys.json"), form),
                deadline,
            )
            .await?;
        let key: NewKey = response.json()?;
        if !crate::names::is_sid(&key.sid, "SK") {
            return Err(TwilioError::Decode(
                "the new key's sid is not an SK SID".into(),
            ));
        }
        Ok((key, response.request_id))
    }

    /// The key `sid`, or `None` when Twilio has no such key.
    pub async fn fetch(&self, sid: &str, deadline: Instant) -> Result<Option<Key>, TwilioError> {
        let call = Call::get(self.url(&format!("Keys/{sid}.json")));
        match self.client.send(&self.account, &call, deadline).await {
            Ok(response) => response.json().map(Some),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every key of the account, following `next_page_uri` to the last page.
    pub async fn list(&self, deadline: Instant) -> Result<Vec<Key>, TwilioError> {
        let mut url = self.url("Keys.json");
        url.query_pairs_mut().append_pair("PageSize", PAGE_SIZE);
        let mut keys = Vec::new();
        loop {
            let page: Page = self
                .client
                .send(&self.account, &Call::get(url), deadline)
                .await?
                .json()?;
            keys.extend(page.keys);
            match page.next_page_uri.filter(|uri| !uri.is_empty()) {
                Some(next) => {
                    url = self
                        .base
                        .join(&next)
                        .map_err(|e| TwilioError::Decode(format!("next_page_uri: {e}")))?;
                }
                None => return Ok(keys),
            }
        }
    }

    /// Revokes the key `sid`; a key already gone is not an error.
    pub async fn delete(
        &self,
        sid: &str,
        deadline: Instant,
    ) -> Result<(Deleted, Option<String>), TwilioError> {
        let call = Call::delete(self.url(&format!("Keys/{sid}.json")));
        match self.client.send(&self.account, &call, deadline).await {
            Ok(response) => Ok((Deleted::Revoked, response.request_id)),
            Err(TwilioError::Api {
                status: 404,
                request_id,
                ..
            }) => Ok((Deleted::AlreadyGone, request_id)),
            Err(e) => Err(e),
        }
    }

    fn url(&self, tail: &str) -> Url {
        let mut url = self.base.clone();
        let path = format!(
            "{}/2010-04-01/Accounts/{}/{tail}",
            self.base.path().trim_end_matches('/'),
            self.account.account_sid
        );
        url.set_path(&path);
        url
    }
}

/// Whether `creds` authenticate: one Video read (`GET /v1/Rooms?Status=in-progress&PageSize=1`
/// under `video_base`) signed by the key. `false` for Twilio's 401; other failures are errors.
pub async fn authenticates(
    client: &TwilioClient,
    creds: &TwilioCredentials,
    video_base: &Url,
    deadline: Instant,
) -> Result<bool, TwilioError> {
    let mut url = video_base.clone();
    url.set_path(&format!(
        "{}/v1/Rooms",
        video_base.path().trim_end_matches('/')
    ));
    url.query_pairs_mut()
        .append_pair("Status", "in-progress")
        .append_pair("PageSize", "1");
    match client.send(creds, &Call::get(url), deadline).await {
        Ok(_) => Ok(true),
        Err(e) if e.status() == Some(401) => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_those_of_the_2010_api_and_a_new_keys_secret_never_prints() {
        let client = TwilioClient::new(std::time::Duration::from_secs(1)).unwrap();
        let base = Url::parse("https://api.twilio.com").unwrap();
        let auth = AuthCredentials {
            account_sid: "AC0123456789abcdef0123456789abcdef".into(),
            auth_token: Some(SecretString::from("token")),
            webhook_keys: Default::default(),
        };
        let keys = Keys::new(&client, &base, &auth).unwrap();
        assert_eq!(
            keys.url("Keys/SK0123456789abcdef0123456789abcdef.json")
                .as_str(),
            "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Keys/SK0123456789abcdef0123456789abcdef.json"
        );
        let key: NewKey = serde_json::from_str(
            r#"{"sid":"SK0123456789abcdef0123456789abcdef","friendly_name":"x","secret":"shh-secret","date_created":"Mon, 13 Jun 2016 22:50:08 +0000"}"#,
        )
        .unwrap();
        assert_eq!(key.secret.expose_secret(), "shh-secret");
        assert!(!format!("{key:?}").contains("shh-secret"));
        assert!(!format!("{:?}", keys.account).contains("token"));
    }
}
