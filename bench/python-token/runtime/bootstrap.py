"""A Lambda Runtime API loop as the Python runtime's interface client runs one: import the handler
(its init), then GET /next, call it, POST /response, for ever. scripts/bench runs it as Lambda
would run the runtime. Not part of the product."""

import http.client
import json
import os
import sys

sys.path.insert(0, os.environ["LAMBDA_TASK_ROOT"])
import handler  # noqa: E402  (the function's init, timed by the bench)

host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
base = "/2018-06-01/runtime"
conn = http.client.HTTPConnection(host, int(port))

while True:
    conn.request("GET", f"{base}/invocation/next")
    res = conn.getresponse()
    event, request_id = res.read(), res.getheader("Lambda-Runtime-Aws-Request-Id")
    try:
        body, path = json.dumps(handler.handler(json.loads(event), None)), "response"
    except Exception as e:  # what the runtime reports as a function error
        body, path = json.dumps({"errorMessage": str(e)}), "error"
    conn.request("POST", f"{base}/invocation/{request_id}/{path}", body, {"Content-Type": "application/json"})
    conn.getresponse().read()
