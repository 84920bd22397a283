"""Writes the room status callback fixtures, events/room-status-*.json.

Each is the API Gateway event (HTTP API payload 2.0, or REST API for one) that Twilio's POST to
https://video.example.com/twilio/room-status becomes, its X-Twilio-Signature made by Twilio's own
helper library with the test Auth Token (tests/support/lib.rs). Form bodies are base64-encoded,
as API Gateway delivers them, except one kept as plain text.

Run from the repository root:  .venv/bin/python tests/python/room_status_events.py
"""

import base64
from urllib.parse import urlencode

import apigw_events
from apigw_events import ACCOUNT_SID, validator

ROUTE = "/twilio/room-status"
URL = "https://video.example.com/twilio/room-status"
ROOM_NAME = "acme:class:9f3c2b1a"
# The recorded room the valid fixtures tell the story of.
ROOM_SID = "RM00000000000000000000000000000a11"


def params(event, seq, room_sid=ROOM_SID, **extra):
    p = {
        "AccountSid": ACCOUNT_SID,
        "RoomName": ROOM_NAME,
        "RoomSid": room_sid,
        "RoomStatus": "completed" if event == "room-ended" else "in-progress",
        "RoomType": "group",
        "StatusCallbackEvent": event,
        "Timestamp": "2026-11-26T01:%02d:00.000Z" % seq,
        "SequenceNumber": str(seq),
    }
    p.update(extra)
    return p


def http_api_event(form, token, signature="sign", base64_body=True, url=URL):
    return apigw_events.signed_post(ROUTE, form, token, 1, signature, base64_body, url)


def rest_api_event(form, token):
    """The same POST through a REST API (payload 1.0) with a named stage, `prod`."""
    body = urlencode(form)
    signature = validator.compute_signature(URL, form)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Host": "video.example.com",
        "I-Twilio-Idempotency-Token": token,
        "User-Agent": "TwilioProxy/1.1",
        "X-Forwarded-Proto": "https",
        "X-Twilio-Signature": signature,
    }
    return {
        "resource": "/twilio/room-status",
        "path": "/twilio/room-status",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "resourceId": "abc123",
            "stage": "prod",
            "requestId": "Twilio-rest",
            "identity": {"sourceIp": "54.172.60.1", "userAgent": "TwilioProxy/1.1"},
            "resourcePath": "/twilio/room-status",
            "httpMethod": "POST",
            "apiId": "abc123defg",
            "path": "/twilio/room-status",
            "domainName": "video.example.com",
        },
        "body": base64.b64encode(body.encode()).decode(),
        "isBase64Encoded": True,
    }


def write(name, event):
    apigw_events.write("room-status-%s" % name, event)


def main():
    participant = {
        "ParticipantSid": "PA00000000000000000000000000000a11",
        "ParticipantIdentity": "acme:alice:web-1",
        "ParticipantStatus": "connected",
    }
    write("room-created", http_api_event(params("room-created", 1), "idem-0001-room-created", base64_body=False))
    write(
        "participant-connected",
        http_api_event(params("participant-connected", 2, **participant), "idem-0002-participant-connected"),
    )
    write(
        "recording-started",
        http_api_event(
            params(
                "recording-started",
                3,
                RecordingSid="RT00000000000000000000000000000a11",
                ParticipantSid=participant["ParticipantSid"],
                TrackKind="video",
            ),
            "idem-0003-recording-started",
        ),
    )
    write(
        "track-added",
        http_api_event(
            params("track-added", 4, TrackSid="MT00000000000000000000000000000a11", TrackKind="audio"),
            "idem-0004-track-added",
        ),
    )
    write("room-ended", http_api_event(params("room-ended", 9, RoomDuration="1800"), "idem-0009-room-ended"))

    # Rejected ones: each names its own room, so a test can show that nothing was stored for it.
    genuine = params("room-ended", 9, room_sid="RM00000000000000000000000000000bad")
    tampered = http_api_event(genuine, "idem-bad-tampered")
    forged = dict(genuine, RoomDuration="99999")
    tampered["body"] = base64.b64encode(urlencode(forged).encode()).decode()
    write("tampered", tampered)
    write(
        "unsigned",
        http_api_event(params("room-ended", 9, room_sid="RM00000000000000000000000000000b0b"), "idem-bad-unsigned", signature=None),
    )
    write(
        "signed-for-another-url",
        http_api_event(
            params("room-ended", 9, room_sid="RM00000000000000000000000000000bb1"),
            "idem-bad-url",
            url="https://abc123defg.execute-api.us-east-1.amazonaws.com/twilio/room-status",
        ),
    )
    malformed = http_api_event(params("room-ended", 9, room_sid="RM00000000000000000000000000000bb2"), "idem-bad-base64")
    malformed["body"] = "Um9vbVNpZD1STTAw%%%not base64"
    write("malformed-base64", malformed)
    not_form = http_api_event({}, "idem-bad-form", signature=validator.compute_signature(URL, {}))
    not_form["headers"]["content-type"] = "application/json"
    not_form["body"] = base64.b64encode(b'{"RoomSid":"RM00000000000000000000000000000bb3","StatusCallbackEvent":"room-ended"}').decode()
    write("malformed-form", not_form)

    write(
        "rest-api",
        rest_api_event(
            params(
                "participant-connected",
                2,
                room_sid="RM00000000000000000000000000000e57",
                ParticipantSid="PA00000000000000000000000000000e57",
                ParticipantIdentity="acme:bob",
                ParticipantStatus="connected",
            ),
            "idem-rest-0002",
        ),
    )


if __name__ == "__main__":
    main()
