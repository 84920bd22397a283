"""Differential test helper: shared-key signatures, as Twilio's Python helper library and as
Python's standard library alone compute them.

Reads a JSON list from stdin, each item {"key", "algorithm", "signed_url", "request_url",
"params": [[name, value], ...]} (names may repeat). For each, prints:

- "signature": RequestValidator(key).compute_signature(signed_url, params, algorithm), the
  signature Twilio sends for a request to signed_url;
- "valid": RequestValidator(key).validate(request_url, params, signature, algorithm), whether
  twilio-python accepts that signature on a request that arrived as request_url (it tries the
  URL with its port removed and with the scheme's default port added).

The signature is also derived independently with hmac and hashlib (the URL, then each name and
its distinct values in sorted order; HMAC; base64), and the script fails if the two differ: the
known answers do not rest on the library alone.
"""

import base64
import hashlib
import hmac
import json
import sys

from multidict import MultiDict
from twilio.request_validator import RequestValidator

HASHES = {"HMAC_SHA1": hashlib.sha1, "HMAC_SHA256": hashlib.sha256}


def derived(key, algorithm, url, params):
    signed = url
    for name in sorted({name for name, _ in params}):
        for value in sorted({v for n, v in params if n == name}):
            signed += name + value
    mac = hmac.new(key.encode("utf-8"), signed.encode("utf-8"), HASHES[algorithm])
    return base64.b64encode(mac.digest()).decode("ascii")


def main() -> None:
    out = []
    for case in json.load(sys.stdin):
        params = MultiDict([(k, v) for k, v in case["params"]])
        validator = RequestValidator(case["key"])
        algorithm = case["algorithm"]
        signature = validator.compute_signature(case["signed_url"], params, algorithm)
        ours = derived(case["key"], algorithm, case["signed_url"], case["params"])
        if signature != ours:
            sys.exit(f"hmac/hashlib and twilio disagree on {case!r}: {ours} != {signature}")
        valid = validator.validate(case["request_url"], params, signature, algorithm)
        out.append({"signature": signature, "valid": valid})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
