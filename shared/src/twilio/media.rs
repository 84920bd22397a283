//! One composition, and a short-lived link to its media, on [`Compositions`]:
//!
//! - `GET /v1/Compositions/{Sid}` → the composition (the reconciler's look at a stuck one);
//! - `GET /v1/Compositions/{Sid}/Media?Ttl=N` → a redirect to a signed URL of the media file,
//!   valid `N` seconds: Twilio answers 302 with `Location` (or 200 with JSON `redirect_to`).
//!   The client never follows redirects, so the media itself is never fetched or streamed.

use serde::Deserialize;
use tokio::time::Instant;
use url::Url;

use super::compositions::{Composition, Compositions};
use super::{Call, TwilioError};
use crate::names::CompositionSid;
use crate::secrets::TwilioCredentials;

#[derive(Deserialize)]
struct Redirect {
    redirect_to: String,
}

impl Compositions {
    /// The composition `sid`.
    pub async fn fetch(
        &self,
        creds: &TwilioCredentials,
        sid: &CompositionSid,
        deadline: Instant,
    ) -> Result<Composition, TwilioError> {
        let call = Call::get(self.resource(sid, ""));
        self.client.send(creds, &call, deadline).await?.json()
    }

    /// A URL of `sid`'s media that Twilio keeps valid for `ttl_seconds`.
    pub async fn media_url(
        &self,
        creds: &TwilioCredentials,
        sid: &CompositionSid,
        ttl_seconds: u64,
        deadline: Instant,
    ) -> Result<Url, TwilioError> {
        let mut url = self.resource(sid, "/Media");
        url.query_pairs_mut()
            .append_pair("Ttl", &ttl_seconds.to_string());
        let response = self.client.send(creds, &Call::get(url), deadline).await?;
        let location = response
            .headers
            .get(http::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let target = match location {
            Some(location) => location,
            None => response.json::<Redirect>()?.redirect_to,
        };
        Url::parse(&target)
            .ok()
            .filter(|u| u.scheme() == "https" || u.scheme() == "http")
            .ok_or_else(|| TwilioError::Decode("the media redirect is not a URL".into()))
    }

    fn resource(&self, sid: &CompositionSid, tail: &str) -> Url {
        let mut url = self.url();
        let path = format!("{}/{sid}{tail}", url.path());
        url.set_path(&path);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::twilio::TwilioClient;

    #[test]
    fn media_is_a_sub_resource_of_the_composition() {
        let c = Compositions::new(
            TwilioClient::new(std::time::Duration::from_secs(1)).unwrap(),
            Url::parse("http://127.0.0.1:9/p").unwrap(),
        );
        let sid = CompositionSid::parse("CJ0123456789abcdef0123456789abcdef", "sid").unwrap();
        assert_eq!(
            c.resource(&sid, "/Media").as_str(),
            "http://127.0.0.1:9/p/v1/Compositions/CJ0123456789abcdef0123456789abcdef/Media"
        );
    }
}
