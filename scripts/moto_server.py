"""moto's server for the tests, with one change: requests are applied one at a time.

DynamoDB applies each write, with its condition, atomically. moto's threaded server has no lock
around "check the condition, then write", so two concurrent conditional writes can both pass:
a race that DynamoDB never has, which would make the exactly-once tests fail for moto's reasons.
One lock around each request gives back DynamoDB's guarantee while clients stay concurrent.

Usage: moto_server.py HOST PORT
"""

import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple

moto_app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()


def serialized(environ, start_response):
    with lock:
        # moto answers with a complete body, so the whole request is handled under the lock.
        return list(moto_app(environ, start_response))


if __name__ == "__main__":
    run_simple(
        sys.argv[1],
        int(sys.argv[2]),
        serialized,
        threaded=True,
        request_handler=MotoRequestHandler,
    )
