// POST /video/token the usual way in Node.js: the secret from Secrets Manager (cached), the
// step-up proof checked by its HMAC, an Access Token minted with twilio's helper. The same work
// as functions/token, for scripts/bench's comparison. Not part of the product.
const crypto = require("node:crypto");
const { SecretsManagerClient, GetSecretValueCommand } = require("@aws-sdk/client-secrets-manager");
const twilio = require("twilio");

const { AccessToken } = twilio.jwt;
const { VideoGrant } = AccessToken;
const sm = new SecretsManagerClient({});
const TTL = Number(process.env.VIDEO_TOKEN_TTL_SECONDS || 3600);
const CACHE_MS = Number(process.env.SECRETS_CACHE_TTL_SECONDS || 300) * 1000;
let cached = null;

async function credentials() {
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.value;
  const out = await sm.send(new GetSecretValueCommand({ SecretId: process.env.TWILIO_SECRET_ID }));
  cached = { value: JSON.parse(out.SecretString), at: Date.now() };
  return cached.value;
}

function stepUpKey(creds) {
  if (creds.step_up_key) return Buffer.from(creds.step_up_key, "base64url");
  return crypto.createHmac("sha256", creds.api_key_secret)
    .update("twilio-video-backend step-up proof v1").digest();
}

function checkProof(key, proof, tenant, sub) {
  const [version, claims, tag] = (proof || "").split(".");
  if (version !== "v1" || !claims || !tag) return "invalid_step_up_token";
  const want = crypto.createHmac("sha256", key).update(`v1.${claims}`).digest();
  const got = Buffer.from(tag, "base64url");
  if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return "invalid_step_up_token";
  const c = JSON.parse(Buffer.from(claims, "base64url").toString());
  if (c.ten !== tenant || c.sub !== sub) return "step_up_mismatch";
  if (Date.now() / 1000 >= c.exp) return "step_up_expired";
  return null;
}

const answer = (statusCode, body) => ({
  statusCode,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

exports.handler = async (event) => {
  const claims = event.requestContext?.authorizer?.jwt?.claims || {};
  const tenant = claims[process.env.TENANT_CLAIM || "tenant"];
  const sub = claims.sub;
  if (!tenant || !sub) return answer(401, { error: { code: "unauthorized", message: "no caller" } });
  const creds = await credentials();
  const refused = checkProof(stepUpKey(creds), event.headers?.["x-step-up-token"], tenant, sub);
  if (refused) return answer(401, { error: { code: refused, message: "step-up refused" } });
  const body = JSON.parse(event.body || "{}");
  const room = `${tenant}:${body.room.type}:${body.room.id}`;
  const identity = `${tenant}:${sub}:${body.device_id || "default"}`;
  const token = new AccessToken(creds.account_sid, creds.api_key_sid, creds.api_key_secret, {
    identity,
    ttl: TTL,
  });
  token.addGrant(new VideoGrant({ room }));
  const expires = Math.floor(Date.now() / 1000) + TTL;
  return answer(200, {
    token: token.toJwt(),
    identity,
    room,
    expires_at: new Date(expires * 1000).toISOString(),
  });
};
