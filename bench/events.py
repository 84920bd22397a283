"""The bench's events: those of events/, made fresh for each round where the function would
otherwise see a duplicate (a new room, callback, key rotation id), signed as Twilio signs, and a
valid step-up proof minted for the token function.
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import urllib.parse
import uuid

ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
API_KEY_SID = "SK0123456789abcdef0123456789abcdef"
API_KEY_SECRET = "bench-api-key-secret"
AUTH_TOKEN = "test-auth-token"
PUBLIC_BASE_URL = "https://video.example.com"
STEP_UP_LABEL = b"twilio-video-backend step-up proof v1"


def load(root, name):
    with open(os.path.join(root, "events", name + ".json")) as f:
        return json.load(f)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def step_up_proof(tenant, sub, ttl=3600):
    """A proof as shared::stepup issues one, under the key derived from the API key secret
    (which key rotation carries unchanged as the secret's step_up_key)."""
    key = hmac.new(API_KEY_SECRET.encode(), STEP_UP_LABEL, hashlib.sha256).digest()
    claims = {"ten": tenant, "sub": sub, "exp": int(time.time()) + ttl, "jti": secrets.token_hex(16)}
    signed = "v1." + b64url(json.dumps(claims, separators=(",", ":")).encode())
    tag = b64url(hmac.new(key, signed.encode(), hashlib.sha256).digest())
    return f"{signed}.{tag}"


def twilio_signature(url, params):
    """X-Twilio-Signature: HMAC-SHA1 of the URL and the sorted form parameters."""
    data = url + "".join(k + v for k, v in sorted(params))
    return base64.b64encode(hmac.new(AUTH_TOKEN.encode(), data.encode(), hashlib.sha1).digest()).decode()


def signed_callback(event, changes):
    """`event` (a signed Twilio callback) with form fields changed, signed again."""
    body = event["body"]
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    params = [(k, changes.get(k, v)) for k, v in urllib.parse.parse_qsl(body)]
    encoded = urllib.parse.urlencode(params)
    event = json.loads(json.dumps(event))
    event["body"] = base64.b64encode(encoded.encode()).decode()
    event["isBase64Encoded"] = True
    event["headers"]["x-twilio-signature"] = twilio_signature(PUBLIC_BASE_URL + event["rawPath"], params)
    event["headers"]["i-twilio-idempotency-token"] = str(uuid.uuid4())
    return event


# The room presence's event asks about (events/presence-get.json's), recorded once per run.
PRESENCE_ROOM = "9f3c2b1a"


def presence_room_callbacks(root):
    """Signed callbacks that open PRESENCE_ROOM and bring two participants into it, as bytes."""
    room_sid = "RM" + secrets.token_hex(16)
    base = {"RoomSid": room_sid, "RoomName": f"acme:class:{PRESENCE_ROOM}"}
    out = [signed_callback(load(root, "room-status-room-created"), base)]
    for seq, who in [("2", "alice"), ("3", "bob")]:
        out.append(signed_callback(load(root, "room-status-participant-connected"), dict(
            base, SequenceNumber=seq, ParticipantSid="PA" + secrets.token_hex(16),
            ParticipantIdentity=f"acme:{who}:web-1")))
    return [json.dumps(e).encode() for e in out]


def fresh(root, target):
    """The event `target`'s first invocation gets in a new round, as bytes."""
    if target in ("token", "node-token", "python-token"):
        event = load(root, "token")
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        event["headers"]["x-step-up-token"] = step_up_proof(claims["tenant"], claims["sub"])
    elif target == "webhook":
        room = secrets.token_hex(4)
        event = signed_callback(load(root, "room-status-room-ended"), {
            "RoomSid": "RM" + secrets.token_hex(16), "RoomName": f"acme:class:{room}"})
    elif target == "composition":
        cj, rm = "CJ" + secrets.token_hex(16), "RM" + secrets.token_hex(16)
        event = signed_callback(load(root, "composition-available"), {
            "CompositionSid": cj, "RoomSid": rm, "CompositionUri": f"/v1/Compositions/{cj}",
            "MediaUri": f"/v1/Compositions/{cj}/Media"})
    elif target == "rooms":
        event = load(root, "admin-create-room")
        body = json.loads(event["body"])
        body["id"] = secrets.token_hex(4)
        event["body"] = json.dumps(body)
    elif target == "presence":
        event = load(root, "presence-get")
    elif target == "verify":
        event = load(root, "verify-start")
    elif target == "reconciler":
        event = load(root, "reconciler-scheduled")
    elif target == "key-rotation":
        event = load(root, "key-rotation-schedule")
        event["id"] = str(uuid.uuid4())
    else:  # health and the floor
        event = load(root, "health")
    return json.dumps(event).encode()
