"""Differential test helper: Twilio's own Python helper library on our Access Tokens.

Reads one JSON object from stdin:
  {"account_sid", "api_key_sid", "api_key_secret", "identity", "room", "ttl", "ours"}
and prints one JSON object:
  {"theirs": <token Twilio's library mints for the same inputs>,
   "ours": {"headers": …, "payload": …}}  (our token, decoded AND signature-checked by
                                           Twilio's library with the key secret)
Any failure (a bad signature included) exits non-zero with the reason on stderr.
"""

import json
import sys

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VideoGrant


def main() -> None:
    args = json.load(sys.stdin)
    token = AccessToken(
        args["account_sid"],
        args["api_key_sid"],
        args["api_key_secret"],
        identity=args["identity"],
        ttl=args["ttl"],
    )
    token.add_grant(VideoGrant(room=args["room"]))
    theirs = token.to_jwt()

    # from_jwt with a key verifies the HS256 signature, exp and nbf; it raises otherwise.
    decoded = AccessToken.from_jwt(args["ours"], key=args["api_key_secret"])
    json.dump(
        {"theirs": theirs, "ours": {"headers": decoded.headers, "payload": decoded.payload}},
        sys.stdout,
    )


if __name__ == "__main__":
    main()
