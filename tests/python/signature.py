"""Differential test helper: Twilio's own Python helper library computes request signatures.

Reads a JSON list from stdin, each item {"token", "url", "params": [[name, value], ...]}
(names may repeat), and prints a JSON list of the signatures that
RequestValidator(token).compute_signature(url, params) gives, in the same order.
"""

import json
import sys

from multidict import MultiDict
from twilio.request_validator import RequestValidator


def main() -> None:
    cases = json.load(sys.stdin)
    out = [
        RequestValidator(case["token"]).compute_signature(
            case["url"], MultiDict([(k, v) for k, v in case["params"]])
        )
        for case in cases
    ]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
