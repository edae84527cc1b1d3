// CPU per check with the database taken out: our token check (told apart from a person's JWT, parse,
// checksum, HMAC, constant-time compare, status, policy) beside what teams pick instead, verifying an
// RS256 JWT with aws-jwt-verify. The JWT needs no read, but cannot be revoked before it expires; ours
// can, at once. And the same check on a team's catalogue of 200 scopes, for a token holding 50 of them.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { AuthorizerMetrics } from '#adapters/authorizer-metrics';
import { FileKeyRingSource } from '#adapters/file-keyring';
import { hashToken } from '#domain/keyring';
import { type PersonSource, withPeople } from '#domain/people';
import {
  type CompiledCatalogue,
  compileCatalogue,
  DEFAULT_GRANTS,
  type PolicyDocument,
  requestPolicy,
  scopesAllow,
} from '#domain/policy';
import { mintToken } from '#domain/token-format';
import type { Credential } from '#domain/token-store';
import { BearerVerifier } from '#domain/verify-bearer';
import { heldScopes, largeCatalogue, lastScopeRequest } from '#test-support/large-catalogue';
import { median } from './stats';

export interface CpuFigures {
  authorizer_cpu_p50_us: number;
  /**
   * The same check (verify, scopes, policy) with a catalogue of 200 scopes compiled as the authorizer
   * compiles it, for a token holding 50 of them, some naming resources, on a path that only the last
   * one grants: the most scopes a decision can have to try.
   */
  catalogue_decision_cpu_p50_us: number;
  jwt_verify_p50_us: number;
  /**
   * What the authorizer's metrics add to a check: counting its outcome and its read's latency in
   * memory, and asking whether a flush is due (one a minute at most, which this also pays when due).
   */
  metrics_cpu_us_per_check: number;
}

const BATCHES = 20;
const PER_BATCH = 1000;

/**
 * Microseconds per call of each: the median over batches of the mean within each batch. Their
 * batches take turns, so that whatever else loads the machine weighs on each alike (the budgets are
 * ratios between them).
 */
async function microsPerCall<K extends string>(
  calls: Record<K, () => Promise<unknown>>,
): Promise<Record<K, number>> {
  const entries = Object.entries(calls) as [K, () => Promise<unknown>][];
  for (const [, call] of entries) for (let i = 0; i < PER_BATCH; i++) await call(); // warm up
  const batches = entries.map(() => [] as number[]);
  for (let b = 0; b < BATCHES; b++) {
    for (const [index, [, call]] of entries.entries()) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < PER_BATCH; i++) await call();
      batches[index]?.push(Number(process.hrtime.bigint() - start) / 1e3 / PER_BATCH);
    }
  }
  return Object.fromEntries(entries.map(([name], index) => [name, median(batches[index] ?? [])])) as Record<
    K,
    number
  >;
}

/** People's verifier, which a token never reaches: were it reached, the check would fail. */
const NO_PEOPLE: PersonSource = {
  verify: () => Promise.reject(new Error("a token reached people's verifier")),
};

function base64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An RS256 JWT and a verifier that has its key: the stateless alternative to our check. */
function rs256Check(): () => Promise<unknown> {
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
  return () => jwtVerifier.verify(jwt);
}

/** What the handler does for the metrics on each uncached check. */
function metricsPerCheck(): () => Promise<unknown> {
  const metrics = new AuthorizerMetrics({ gate: 'bench' });
  let latency = 0;
  return async () => {
    metrics.allowed();
    latency = (latency + 0.37) % 5;
    metrics.storeRead(latency);
    metrics.flushIfDue();
  };
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
  const check = (held: Credential, grants: CompiledCatalogue, method: string, path: string) => {
    const verifier = new BearerVerifier({
      store: { getCredential: async () => held, touchLastUsed: async () => undefined },
      keys,
    });
    const methodArn = `arn:aws:execute-api:eu-west-1:123456789012:bench123/prod/${method}${path}`;
    // As the authorizer has it with people sign-in on: a header carrying a JWT would go to people's
    // verifier (loaded on demand, never here), this token to the token path.
    const source = withPeople(verifier, NO_PEOPLE);
    return async () => {
      const caller = await source.verify(`Bearer ${token}`);
      const allowed = scopesAllow(caller.scopes, method, path, grants);
      return requestPolicy(methodArn, allowed ? 'Allow' : 'Deny');
    };
  };
  const catalogue = largeCatalogue(200);
  const wide = { ...credential, scopes: heldScopes(catalogue, 50) };
  const request = lastScopeRequest(catalogue, wide.scopes);
  const calls = {
    authorizer_cpu_p50_us: check(credential, DEFAULT_GRANTS, 'GET', '/scim/v2/Users'),
    catalogue_decision_cpu_p50_us: check(wide, compileCatalogue(catalogue), request.method, request.path),
    jwt_verify_p50_us: rs256Check(),
    metrics_cpu_us_per_check: metricsPerCheck(),
  };
  for (const name of ['authorizer_cpu_p50_us', 'catalogue_decision_cpu_p50_us'] as const) {
    const policy = (await calls[name]()) as PolicyDocument;
    if (policy.Statement[0]?.Effect !== 'Allow') throw new Error(`${name}: the check must allow`);
  }
  return microsPerCall(calls);
}
