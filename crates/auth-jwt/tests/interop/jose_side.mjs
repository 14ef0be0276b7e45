// node `jose`'s side of the interop test: mint tokens with our keys, verify ours with our JWKS.
// Reads one JSON request on stdin, writes one JSON answer on stdout.
import { SignJWT, jwtVerify, importPKCS8, createLocalJWKSet } from 'jose';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const req = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const secret = Buffer.from(req.secret, 'base64url');

const minted = {};
for (const [alg, kid] of Object.entries(req.kids)) {
  const key = alg === 'HS256' ? secret : await importPKCS8(req.pems[alg], alg);
  minted[alg] = await new SignJWT({ scope: 'read write', jti: 'jose-jti' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer(req.iss)
    .setAudience(req.aud)
    .setSubject('jose-user')
    .setIssuedAt(req.now)
    .setNotBefore(req.now)
    .setExpirationTime(req.now + 300)
    .sign(key);
}

const jwks = createLocalJWKSet(req.jwks);
const verified = {};
for (const [alg, token] of Object.entries(req.tokens)) {
  try {
    const key = alg === 'HS256' ? secret : jwks;
    const { payload } = await jwtVerify(token, key, {
      issuer: req.iss, audience: req.aud, typ: 'at+jwt', algorithms: [alg],
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    verified[alg] = { ok: true, sub: payload.sub, sid: payload.sid ?? null };
  } catch (e) {
    verified[alg] = { ok: false, error: String(e) };
  }
}
process.stdout.write(JSON.stringify({ minted, verified }));
