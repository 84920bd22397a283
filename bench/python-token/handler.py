"""POST /video/token the usual way in Python: the secret from Secrets Manager (cached), the step-up
proof checked by its HMAC, an Access Token minted with twilio's helper. The same work as
functions/token, for scripts/bench's comparison. Not part of the product."""

import base64
import hashlib
import hmac
import json
import os
import time
from datetime import datetime, timezone

import boto3
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant

sm = boto3.client("secretsmanager")
TTL = int(os.environ.get("VIDEO_TOKEN_TTL_SECONDS", "3600"))
CACHE_SECONDS = int(os.environ.get("SECRETS_CACHE_TTL_SECONDS", "300"))
_cached = None


def credentials():
    global _cached
    if _cached and time.time() - _cached[1] < CACHE_SECONDS:
        return _cached[0]
    out = sm.get_secret_value(SecretId=os.environ["TWILIO_SECRET_ID"])
    _cached = (json.loads(out["SecretString"]), time.time())
    return _cached[0]


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def step_up_key(creds):
    if creds.get("step_up_key"):
        return b64url(creds["step_up_key"])
    label = b"twilio-video-backend step-up proof v1"
    return hmac.new(creds["api_key_secret"].encode(), label, hashlib.sha256).digest()


def check_proof(key, proof, tenant, sub):
    parts = (proof or "").split(".")
    if len(parts) != 3 or parts[0] != "v1":
        return "invalid_step_up_token"
    want = hmac.new(key, f"v1.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(want, b64url(parts[2])):
        return "invalid_step_up_token"
    claims = json.loads(b64url(parts[1]))
    if claims["ten"] != tenant or claims["sub"] != sub:
        return "step_up_mismatch"
    if time.time() >= claims["exp"]:
        return "step_up_expired"
    return None


def answer(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def handler(event, context):
    claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims", {})
    tenant, sub = claims.get(os.environ.get("TENANT_CLAIM", "tenant")), claims.get("sub")
    if not tenant or not sub:
        return answer(401, {"error": {"code": "unauthorized", "message": "no caller"}})
    creds = credentials()
    refused = check_proof(step_up_key(creds), event.get("headers", {}).get("x-step-up-token"), tenant, sub)
    if refused:
        return answer(401, {"error": {"code": refused, "message": "step-up refused"}})
    body = json.loads(event.get("body") or "{}")
    room = f"{tenant}:{body['room']['type']}:{body['room']['id']}"
    identity = f"{tenant}:{sub}:{body.get('device_id') or 'default'}"
    token = AccessToken(creds["account_sid"], creds["api_key_sid"], creds["api_key_secret"], identity=identity, ttl=TTL)
    token.add_grant(VideoGrant(room=room))
    expires = int(time.time()) + TTL
    return answer(200, {
        "token": token.to_jwt(),
        "identity": identity,
        "room": room,
        "expires_at": datetime.fromtimestamp(expires, timezone.utc).isoformat().replace("+00:00", "Z"),
    })
