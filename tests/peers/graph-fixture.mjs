#!/usr/bin/env node
// A test fixture for the two Graph API calls Facebook Login needs: /me and /debug_token. It is a
// fixture, not a peer: no real stand-in for Facebook's Graph API exists (the OpenID provider peer,
// ../../../shared/peers/oidc-provider.mjs, has no /me?fields=, no debug_token, no appsecret_proof).
// It does not invent users or tokens: it asks the OpenID provider peer, which stands in for
// Facebook's login dialog and code exchange, whose a user access token is (its userinfo endpoint),
// so a token is valid here exactly when that peer issued it and it has not expired.
//
// What it checks like Graph does: the app access token (`app_id|app_secret`) of /debug_token, and
// `appsecret_proof` (hex HMAC-SHA256 of the user token keyed with the app secret) on /me. Answers
// use Graph's shapes: {"data":{...}} for debug_token, {"id","name","email"} for /me, and
// {"error":{"message","type","code"}} with status 400 for refusals.
//
// env: GRAPH_PORT, GRAPH_APP_ID, GRAPH_APP_SECRET, GRAPH_USERINFO (the peer's /me URL),
//      GRAPH_TOKEN_APP_ID (the app debug_token says user tokens belong to; default GRAPH_APP_ID).
import crypto from 'node:crypto';
import http from 'node:http';

const port = Number(process.env.GRAPH_PORT);
const appId = process.env.GRAPH_APP_ID;
const appSecret = process.env.GRAPH_APP_SECRET;
const userinfo = process.env.GRAPH_USERINFO;
const tokenAppId = process.env.GRAPH_TOKEN_APP_ID || appId;

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function graphError(res, message, code, type = 'OAuthException') {
  send(res, 400, { error: { message, type, code, fbtrace_id: 'fixture' } });
}

// The peer's claims for a user token, or null when it does not accept the token.
async function userOf(token) {
  if (!token) return null;
  const r = await fetch(userinfo, { headers: { authorization: `Bearer ${token}` } });
  if (r.status !== 200) return null;
  return r.json();
}

function sameHex(a, b) {
  const x = Buffer.from(String(a || ''), 'utf8');
  const y = Buffer.from(String(b || ''), 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    // Graph URLs carry a version prefix (/v21.0/me).
    const path = url.pathname.replace(/^\/v\d+\.\d+/, '');
    const q = url.searchParams;
    if (req.method === 'GET' && path === '/debug_token') {
      if (q.get('access_token') !== `${appId}|${appSecret}`) {
        return graphError(res, 'Invalid OAuth access token - Cannot parse access token', 190);
      }
      const user = await userOf(q.get('input_token'));
      if (!user) {
        return send(res, 200, {
          data: { is_valid: false, error: { code: 190, message: 'Invalid OAuth access token.' } },
        });
      }
      return send(res, 200, {
        data: {
          app_id: tokenAppId,
          type: 'USER',
          application: 'trader fixture',
          is_valid: true,
          user_id: user.sub,
          scopes: ['email', 'public_profile'],
        },
      });
    }
    if (req.method === 'GET' && path === '/me') {
      const token = q.get('access_token');
      const expected = crypto.createHmac('sha256', appSecret).update(token || '').digest('hex');
      if (!sameHex(q.get('appsecret_proof'), expected)) {
        return graphError(res, 'Invalid appsecret_proof provided in the API argument', 100,
          'GraphMethodException');
      }
      const user = await userOf(token);
      if (!user) {
        return graphError(res, 'Invalid OAuth access token.', 190);
      }
      const fields = (q.get('fields') || 'id,name').split(',');
      const all = { id: user.sub, name: user.name, email: user.email };
      return send(res, 200, Object.fromEntries(fields.filter((f) => all[f] !== undefined)
        .map((f) => [f, all[f]])));
    }
    return graphError(res, `Unknown path components: ${path}`, 2500);
  } catch (e) {
    return send(res, 500, { error: { message: String(e), type: 'FixtureError', code: 1 } });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ graph: port, app_id: appId, token_app_id: tokenAppId }));
});
