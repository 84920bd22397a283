//! The local API's fake Twilio over HTTP, held to Twilio's published shapes: Messages (create,
//! list, fetch; its refusals and magic test numbers with Twilio's codes), and a composition's
//! Media redirect (302 with `Location`, the same URL as JSON `redirect_to`, a `Ttl` in range,
//! a link that works without credentials until it expires).

use reqwest::StatusCode;
use serde_json::Value;

use crate::local_api_recordings::{Api, DEV_ACCOUNT};

const SERVICE: &str = "MG00000000000000000000000000000000";

async fn send(api: &Api, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let url = format!(
        "{}/__twilio/2010-04-01/Accounts/{DEV_ACCOUNT}/Messages.json",
        api.base
    );
    let response = api
        .http
        .post(url)
        .basic_auth("SK0", Some("s"))
        .form(form)
        .send();
    let response = response.await.unwrap();
    (response.status(), response.json().await.unwrap())
}

async fn get(api: &Api, path: &str) -> reqwest::Response {
    let url = format!("{}/__twilio{path}", api.base);
    api.http
        .get(url)
        .basic_auth("SK0", Some("s"))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn messages_are_created_listed_and_fetched_and_refused_with_twilios_codes() {
    let api = Api::start(&[]).await;
    let form = [
        ("MessagingServiceSid", SERVICE),
        ("To", "+14155550100"),
        ("Body", "hi"),
    ];
    let (status, message) = send(&api, &form).await;
    assert_eq!(status, StatusCode::CREATED, "{message}");
    let sid = message["sid"].as_str().unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");
    assert_eq!(message["status"], "accepted");
    assert_eq!(message["messaging_service_sid"], SERVICE);
    assert_eq!(message["account_sid"], DEV_ACCOUNT);
    assert_eq!(message["direction"], "outbound-api");
    assert!(
        message["date_created"].as_str().unwrap().ends_with("+0000"),
        "RFC 2822"
    );
    let uri = format!("/2010-04-01/Accounts/{DEV_ACCOUNT}/Messages/{sid}.json");
    assert_eq!(message["uri"], uri.as_str());

    let fetched: Value = get(&api, &uri).await.json().await.unwrap();
    assert_eq!(fetched, message);
    let list = format!("/2010-04-01/Accounts/{DEV_ACCOUNT}/Messages.json");
    let page: Value = get(&api, &list).await.json().await.unwrap();
    assert_eq!(page["messages"], serde_json::json!([message]));
    assert_eq!(page["next_page_uri"], Value::Null);

    for (to, body, code) in [
        ("", "hi", 21604),
        ("+14155550100", "", 21602),
        ("4155550100", "hi", 21211),
        ("+15005550001", "hi", 21211),
        ("+15005550004", "hi", 21610),
        ("+15005550009", "hi", 21614),
    ] {
        let (status, error) = send(
            &api,
            &[("MessagingServiceSid", SERVICE), ("To", to), ("Body", body)],
        )
        .await;
        assert_eq!(
            (status, &error["code"]),
            (StatusCode::BAD_REQUEST, &code.into()),
            "{to}"
        );
        assert_eq!(error["status"], 400);
        assert!(
            error["more_info"]
                .as_str()
                .unwrap()
                .ends_with(&code.to_string())
        );
    }
    let (_, error) = send(&api, &[("To", "+14155550100"), ("Body", "hi")]).await;
    assert_eq!(error["code"], 21603, "neither a service nor a sender");
    let page: Value = get(&api, &list).await.json().await.unwrap();
    assert_eq!(
        page["messages"].as_array().unwrap().len(),
        1,
        "refusals record nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compositions_media_is_a_redirect_to_a_short_lived_link_never_the_media_itself() {
    let api = Api::start(&[]).await;
    let admin = api.token(&["--sub", "ops", "--tenant", "acme", "--scope", "video:admin"]);
    let room = api
        .recorded_room_that_ends(&admin, "media-1", &["acme:bob"])
        .await;
    let mut page = Value::Null;
    for _ in 0..300 {
        page = get(&api, &format!("/v1/Compositions?RoomSid={room}"))
            .await
            .json()
            .await
            .unwrap();
        if page["compositions"][0]["status"] == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let cj = page["compositions"][0]["sid"]
        .as_str()
        .expect("the room was composed")
        .to_string();

    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let media = format!("{}/__twilio/v1/Compositions/{cj}/Media?Ttl=60", api.base);
    let answer = no_redirects
        .get(&media)
        .basic_auth("SK0", Some("s"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::FOUND);
    let location = answer.headers()["location"].to_str().unwrap().to_string();
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["redirect_to"], location.as_str());
    assert!(
        location.contains("Expires=") && location.contains("Signature="),
        "{location}"
    );
    let file = api.http.get(&location).send().await.unwrap();
    assert_eq!(
        file.status(),
        StatusCode::OK,
        "a signed link needs no credentials"
    );
    let forged = location.replace("Signature=", "Signature=x");
    assert_eq!(
        api.http.get(forged).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    for (path, status, code) in [
        (
            format!("/v1/Compositions/{cj}/Media?Ttl=0"),
            StatusCode::BAD_REQUEST,
            20001,
        ),
        (
            format!("/v1/Compositions/{cj}/Media?Ttl=3601"),
            StatusCode::BAD_REQUEST,
            20001,
        ),
        (
            "/v1/Compositions/CJ0123456789abcdef0123456789abcdef/Media".into(),
            StatusCode::NOT_FOUND,
            20404,
        ),
    ] {
        let answer = get(&api, &path).await;
        assert_eq!(answer.status(), status, "{path}");
        assert_eq!(
            answer.json::<Value>().await.unwrap()["code"],
            code,
            "{path}"
        );
    }
    let unauthenticated = api.http.get(&media).send().await.unwrap();
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
}
