// A real OpenID Connect provider for Tessera's tests: panva's certified `oidc-provider`, on
// loopback, with in-memory storage, its development login and consent pages (any login, any
// password), client credentials giving JWT access tokens, and RP-initiated logout.
//
//   node provider.mjs CONFIG.json
//
// CONFIG.json (every key optional):
//   {
//     "port": 0,                      // 0 picks a free port
//     "clients": [ { "client_id": "tessera", "client_secret": "...", ... } ],
//     "accounts": { "alice": { "email": "alice@example.org", "email_verified": true,
//                              "name": "Alice", "preferred_username": "alice" } },
//     "api_audience": "tessera-api",  // the `aud` of client-credentials access tokens
//     "id_token_claims": false        // true: profile and e-mail claims in the ID token too
//   }
//
// Once listening it prints one line of JSON, {"issuer": "...", "port": N}, then logs requests
// to stderr. Clients may redirect to any loopback URL (tests run Tessera on port 0).
//
// Control endpoints for tests, outside the provider's own paths:
//   POST /__control/rotate-keys   a new signing key; the old one stays published unless
//                                 ?drop_old=1. Answers the new JWKS (public keys).
//   POST /__control/accounts      JSON {"id": {claims}}: adds or replaces accounts.

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import Provider from 'oidc-provider';

const config = process.argv[2] ? JSON.parse(readFileSync(process.argv[2], 'utf8')) : {};
const accounts = { ...(config.accounts ?? {}) };
const audience = config.api_audience ?? 'tessera-api';
const resource = 'urn:tessera:api';

function newKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

function isLoopback(uri) {
  try {
    const url = new URL(uri);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

function build(issuer, keys) {
  const provider = new Provider(issuer, {
    clients: config.clients ?? [],
    jwks: { keys },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, ...(accounts[id] ?? {}) };
        },
      };
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username', 'given_name', 'family_name'],
    },
    conformIdTokenClaims: !config.id_token_claims,
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Only client credentials get a JWT for the API; a sign-in's access token stays the
        // provider's own (opaque, good for its userinfo endpoint).
        defaultResource: (ctx) =>
          ctx.oidc.params?.grant_type === 'client_credentials' ? resource : undefined,
        useGrantedResource: () => false,
        getResourceServerInfo: (ctx, indicator) => {
          if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
          return {
            scope: 'api',
            audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 600,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    pkce: { required: () => true },
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  });
  provider.Client.prototype.redirectUriAllowed = function (uri) {
    return isLoopback(uri) || this.redirectUris.includes(uri);
  };
  provider.Client.prototype.postLogoutRedirectUriAllowed = function (uri) {
    return isLoopback(uri) || this.postLogoutRedirectUris.includes(uri);
  };
  return provider;
}

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function publicJwks(keys) {
  return {
    keys: keys.map(({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use })),
  };
}

const server = http.createServer();
server.listen(config.port ?? 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  let keys = [newKey()];
  let provider = build(issuer, keys);
  let handle = provider.callback();
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    if (req.method === 'POST' && url.pathname === '/__control/rotate-keys') {
      keys = url.searchParams.get('drop_old') ? [newKey()] : [newKey(), ...keys];
      provider = build(issuer, keys);
      handle = provider.callback();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(publicJwks(keys)));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/__control/accounts') {
      Object.assign(accounts, JSON.parse(await body(req)));
      res.writeHead(204);
      res.end();
      return;
    }
    console.error(`${req.method} ${req.url}`);
    handle(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
