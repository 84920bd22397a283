"""What the fixture writers share: Twilio's signed POST to a callback route as the API Gateway
event (HTTP API payload 2.0) it becomes, signed by Twilio's own helper library with the test Auth
Token (tests/support/lib.rs), and the writing of a fixture into events/.

Imported by room_status_events.py and composition_status_events.py; run those, not this.
"""

import base64
import json
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
HOST = "video.example.com"
EVENTS = Path(__file__).resolve().parents[2] / "events"

validator = RequestValidator(AUTH_TOKEN)


def signed_post(route, form, token, hour, signature="sign", base64_body=True, url=None):
    """Twilio's POST of `form` to `route` at `hour` o'clock on the fixtures' day. `signature` is
    "sign" (Twilio's signature of `url`, by default the route's public URL), None (unsigned) or the
    header's value as it is."""
    url = url or "https://%s%s" % (HOST, route)
    body = urlencode(form)
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "host": HOST,
        "i-twilio-idempotency-token": token,
        "user-agent": "TwilioProxy/1.1",
        "x-forwarded-for": "54.172.60.1",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        "x-home-region": "us1",
    }
    if signature == "sign":
        headers["x-twilio-signature"] = validator.compute_signature(url, form)
    elif signature is not None:
        headers["x-twilio-signature"] = signature
    return {
        "version": "2.0",
        "routeKey": "POST %s" % route,
        "rawPath": route,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123defg",
            "domainName": HOST,
            "domainPrefix": "video",
            "http": {
                "method": "POST",
                "path": route,
                "protocol": "HTTP/1.1",
                "sourceIp": "54.172.60.1",
                "userAgent": "TwilioProxy/1.1",
            },
            "requestId": "Twilio-%s" % token[-8:],
            "routeKey": "POST %s" % route,
            "stage": "$default",
            "time": "26/Nov/2026:%02d:00:00 +0000" % hour,
            "timeEpoch": 1795651200000 + hour * 3600000,
        },
        "body": base64.b64encode(body.encode()).decode() if base64_body else body,
        "isBase64Encoded": base64_body,
    }


def write(name, event):
    """Writes `event` as events/{name}.json."""
    path = EVENTS / ("%s.json" % name)
    path.write_text(json.dumps(event, indent=2) + "\n")
    print(path)
