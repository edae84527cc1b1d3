// CPU per check with the database taken out: our token check (parse, checksum, HMAC, constant-time
// compare, status, policy) beside what teams pick instead, verifying an RS256 JWT with aws-jwt-verify.
// The JWT needs no read, but cannot be revoked before it expires; ours can, at once.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { hashToken } from '#domain/keyring';
import { requestPolicy, scopesAllow } from '#domain/policy';
import { mintToken } from '#domain/token-format';
import type { Credential, CredentialStore } from '#domain/token-store';
import { BearerVerifier } from '#domain/verify-bearer';
import { median } from './stats';

export interface CpuFigures {
  authorizer_cpu_p50_us: number;
  jwt_verify_p50_us: number;
}

const BATCHES = 20;
const PER_BATCH = 1000;

/** Microseconds per call: the median over batches of the mean within each batch. */
async function microsPerCall(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < PER_BATCH; i++) await call(); // warm up
  const batches: number[] = [];
  for (let b = 0; b < BATCHES; b++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < PER_BATCH; i++) await call();
    batches.push(Number(process.hrtime.bigint() - start) / 1e3 / PER_BATCH);
  }
  return median(batches);
}

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export async function benchCpu(keyFile: string): Promise<CpuFigures> {
  const keys = new FileKeyRingSource(keyFile);
  const ring = await keys.get();
  const { id, token } = mintToken();
  const credential: Credential = {
    id,
    kind: 'service',
    scopes: [{ scope: 'identity:manage', resources: null }],
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: new Date().toISOString(), // recorded just now: no write
    hash: hashToken(ring, token),
  };
  const memoryStore: CredentialStore = {
    getCredential: async () => credential,
    touchLastUsed: async () => undefined,
  };
  const verifier = new BearerVerifier({ store: memoryStore, keys });
  const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:bench123/prod/GET/scim/v2/Users';
  const ours = await microsPerCall(async () => {
    const caller = await verifier.verify(`Bearer ${token}`);
    const allowed = scopesAllow(caller.scopes, 'GET', '/scim/v2/Users');
    return requestPolicy(methodArn, allowed ? 'Allow' : 'Deny');
  });

  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };
  const issuer = 'https://issuer.example.invalid';
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${base64url({ alg: 'RS256', typ: 'JWT', kid: 'bench' })}.${base64url({
    iss: issuer,
    aud: 'tokengate',
    sub: 'service',
    iat: now,
    exp: now + 3600,
  })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url');
  const jwt = `${unsigned}.${signature}`;
  const jwtVerifier = JwtRsaVerifier.create({
    issuer,
    audience: 'tokengate',
    jwksUri: `${issuer}/jwks.json`,
  });
  // biome-ignore lint/suspicious/noExplicitAny: the JWK from node:crypto is a valid RSA JWK
  jwtVerifier.cacheJwks({ keys: [jwk as any] });
  const theirs = await microsPerCall(() => jwtVerifier.verify(jwt));

  return { authorizer_cpu_p50_us: ours, jwt_verify_p50_us: theirs };
}
