"""Writes the recordings fixtures: events/composition-*.json, events/recordings-get.json and
events/reconciler-scheduled.json.

Each composition fixture is the API Gateway event (HTTP API payload 2.0) that Twilio's POST to
https://video.example.com/twilio/composition-status becomes, its X-Twilio-Signature made by
Twilio's own helper library with the test Auth Token (tests/support/lib.rs), body base64 as API
Gateway delivers it. Their story: the composition of the recorded room of the room status
fixtures (room-status-*.json) is enqueued, progresses, and becomes available; another one fails.

Run from the repository root:  .venv/bin/python tests/python/composition_status_events.py
"""

import base64
from urllib.parse import urlencode

from apigw_events import ACCOUNT_SID, signed_post, write

ROUTE = "/twilio/composition-status"
ROOM_SID = "RM00000000000000000000000000000a11"
COMPOSITION_SID = "CJ00000000000000000000000000000a11"


def params(event, minute, composition_sid=COMPOSITION_SID, room_sid=ROOM_SID, **extra):
    p = {
        "AccountSid": ACCOUNT_SID,
        "CompositionSid": composition_sid,
        "CompositionUri": "/v1/Compositions/%s" % composition_sid,
        "RoomSid": room_sid,
        "StatusCallbackEvent": event,
        "Timestamp": "2026-11-26T02:%02d:00.000Z" % minute,
    }
    p.update(extra)
    return p


def composition_event(form, token, signature="sign"):
    return signed_post(ROUTE, form, token, 2, signature)


def recordings_get():
    path = "/recordings/class/9f3c2b1a"
    return {
        "version": "2.0",
        "routeKey": "GET /recordings/{type}/{id}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "authorization": "Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImV4YW1wbGUifQ.eyJzdWIiOiJ1c2VyLTQyIn0.signature",
            "host": "api.video.example.com",
            "user-agent": "Mozilla/5.0",
            "x-forwarded-for": "198.51.100.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
            "x-step-up-token": "v1.replace-with-the-step_up_token-of-verify-check.mac",
        },
        "pathParameters": {"type": "class", "id": "9f3c2b1a"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123defg",
            "domainName": "api.video.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "198.51.100.7",
                "userAgent": "Mozilla/5.0",
            },
            "requestId": "UmVjb3JkaW5nMDE=",
            "routeKey": "GET /recordings/{type}/{id}",
            "stage": "$default",
            "time": "26/Nov/2026:03:00:00 +0000",
            "timeEpoch": 1795662000000,
            "authorizer": {
                "jwt": {
                    "claims": {
                        "aud": "video-frontend",
                        "exp": "1795665600",
                        "iat": "1795662000",
                        "iss": "https://issuer.example.com/",
                        "phone_number": "+14155550100",
                        "phone_number_verified": "true",
                        "scope": "openid profile",
                        "sub": "user-42",
                        "tenant": "acme",
                    },
                    "scopes": None,
                }
            },
        },
        "isBase64Encoded": False,
    }


def scheduled_event():
    """An EventBridge rule's scheduled event, as `rate(5 minutes)` delivers it."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-26T03:05:00Z",
        "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/video-backend-Every5Minutes"],
        "detail": {},
    }


def main():
    write("composition-enqueued", composition_event(params("composition-enqueued", 0), "idem-c001-enqueued"))
    write(
        "composition-progress",
        composition_event(
            params("composition-progress", 1, PercentageDone="40", SecondsRemaining="90"),
            "idem-c002-progress",
        ),
    )
    write(
        "composition-available",
        composition_event(
            params(
                "composition-available",
                3,
                MediaUri="/v1/Compositions/%s/Media" % COMPOSITION_SID,
                Size="18734126",
                Duration="1800",
            ),
            "idem-c003-available",
        ),
    )
    write(
        "composition-failed",
        composition_event(
            params(
                "composition-failed",
                4,
                composition_sid="CJ00000000000000000000000000000fa1",
                room_sid="RM00000000000000000000000000000fa1",
                FailedOperation="compose",
                ErrorMessage="No media to compose",
            ),
            "idem-c004-failed",
        ),
    )
    genuine = params("composition-available", 3, composition_sid="CJ00000000000000000000000000000bad", room_sid="RM000000000000000000000000000c0bad")
    tampered = composition_event(genuine, "idem-cbad-tampered")
    forged = dict(genuine, MediaUri="https://attacker.example/x")
    tampered["body"] = base64.b64encode(urlencode(forged).encode()).decode()
    write("composition-tampered", tampered)
    write(
        "composition-unsigned",
        composition_event(
            params("composition-available", 3, composition_sid="CJ00000000000000000000000000000b0b", room_sid="RM0000000000000000000000000000cb0b"),
            "idem-cbad-unsigned",
            signature=None,
        ),
    )
    write("recordings-get", recordings_get())
    write("reconciler-scheduled", scheduled_event())


if __name__ == "__main__":
    main()
