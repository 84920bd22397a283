// A Lambda Runtime API loop as the Node.js runtime's interface client runs one: load the
// handler (its init), then GET /next, call it, POST /response, for ever. scripts/bench runs
// `node bootstrap.js` as Lambda would run the runtime. Not part of the product.
const http = require("node:http");

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const base = "/2018-06-01/runtime";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, path, body) {
  return new Promise((resolve, reject) => {
    const [host, port] = api.split(":");
    const req = http.request({ host, port, method, path: base + path, agent }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    if (body !== undefined) req.setHeader("content-type", "application/json");
    req.end(body);
  });
}

(async () => {
  const { handler } = require(process.env.LAMBDA_TASK_ROOT + "/index.js");
  for (;;) {
    const next = await call("GET", "/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    try {
      const result = await handler(JSON.parse(next.body), { awsRequestId: id });
      await call("POST", `/invocation/${id}/response`, JSON.stringify(result));
    } catch (e) {
      await call("POST", `/invocation/${id}/error`, JSON.stringify({ errorMessage: String(e) }));
    }
  }
})();
