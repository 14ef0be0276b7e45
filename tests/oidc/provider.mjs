// A real OpenID Provider (oidc-provider) on loopback, for the end-to-end tests of tokens from an
// identity provider. The tests start it, read one JSON line from stdout ({"issuer": ...}), and
// kill it when done.
//
//   node provider.mjs PORT
//
// - Discovery at /.well-known/openid-configuration, keys at /jwks.
// - One confidential client (`api-client` / `api-client-secret-0123456789abcdef`) allowed the
//   client-credentials grant. Its access tokens are JWTs (RFC 9068, `typ: at+jwt`) for the
//   resource (audience) named in the token request's `resource` parameter:
//     https://api.example          scopes orders:read orders:write admin, 300 s
//     https://short-lived.example  the same scopes, 1 s (for expiry tests)
//     https://other.example        the same scopes, 300 s (a wrong audience for our API)
// - POST /__rotate: a new ES256 signing key goes first in the JWKS; the old one stays listed,
//   so tokens already issued keep verifying. New tokens carry the new `kid`.
//
// Nothing here is fetched at run time: `npm ci` in this folder installs oidc-provider.

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2] || 0);
const issuer = `http://127.0.0.1:${port}`;

const SCOPES = 'orders:read orders:write admin';
const RESOURCES = {
  'https://api.example': 300,
  'https://short-lived.example': 1,
  'https://other.example': 300,
};

let generation = 0;
function newKey() {
  generation += 1;
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `es256-${generation}-${crypto.randomBytes(4).toString('hex')}`, alg: 'ES256', use: 'sig' };
}

let keys = [newKey()];

function build() {
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'api-client',
        client_secret: 'api-client-secret-0123456789abcdef',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: SCOPES,
        // Our only keys are ES256 (the default would ask for an RS256 key).
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys },
    scopes: SCOPES.split(' '),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'https://api.example',
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => {
          const ttl = RESOURCES[resource];
          if (ttl === undefined) {
            throw new Provider.errors.InvalidTarget();
          }
          return {
            scope: SCOPES,
            audience: resource,
            accessTokenTTL: ttl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
  });
  provider.on('server_error', (ctx, err) => console.error('provider error:', err));
  return provider;
}

let handler = build().callback();

const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__rotate') {
    keys = [newKey(), ...keys];
    handler = build().callback();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ kid: keys[0].kid }));
    return;
  }
  handler(req, res);
});

server.listen(port, '127.0.0.1', () => {
  console.log(JSON.stringify({ issuer, kid: keys[0].kid }));
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
