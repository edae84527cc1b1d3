// The soak: the local stack as `npm start` runs it (a child process, its authorizer cache on), a fixed
// number of requests from a mix of tokens (valid, resource-limited on a named resource, wrong scope,
// revoked, expired, unknown, forged, malformed, none) on tokengate's own API and on the example
// protected API, without faults. Every answer is checked against an oracle that knows only what the
// soak set up: the tokens it made and the scope table of docs/scopes.md, written out again in
// test/support/authorization-contract.ts (it shares nothing with the authorizer's policy code).
// What it measures: wrong answers, 5xx, latency, and the stack's resident memory after a warm-up
// and at the end. Bounded in count and in time; everything on 127.0.0.1.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#adapters/clients';
import { mintToken } from '#domain/token-format';
import { dataDirAt, LOCAL_TOKENS_TABLE, readStackInfo } from '#local/data-dir';
import { CACHED_ALLOW_EXPIRY_MARGIN_MS, GATEWAY_RESPONSES } from '#spec/gateway';
import { ROUTES, type Route } from '#spec/routes';
import { TOKEN_ATTRIBUTES } from '#spec/tables';
import { expectedFor, type Grant, type Holder } from '#test-support/authorization-contract';
import { LocalStack, tokengate } from '#test-support/processes';
import { percentile, round } from '../stats';

/** The soak's requests, warm-up included: about two to three minutes on a busy two-core machine. */
export const SOAK_REQUESTS = 12_000;
/** The share of the requests sent first, after which memory is first measured: the caches and the heap have grown to size. */
const WARM_UP_SHARE = 1 / 6;
/** How many requests are in flight at once. */
const CONCURRENCY = 4;
/** The soak stops sending at this bound, whatever happens (the stack's start and set-up not counted). */
export const SOAK_DEADLINE_MS = 6 * 60_000;
/** A client's wait for one answer. */
const CLIENT_TIMEOUT_MS = 15_000;
/**
 * The gateway's authorizer cache TTL: shorter than the default (30 s), so that cached answers lapse and are
 * decided again many times over the soak, and the token revoked mid-run is past any cached Allow
 * well before the end even on a fast machine. A revoked token's cached Allow lasts at most this long.
 */
const CACHE_TTL_SECONDS = 10;
/** When, as a share of the requests, one working token is revoked while the soak runs. */
const REVOKE_SHARE = 0.3;
/** Resident memory is read this many times, this far apart, and the median kept: one read is noisy. */
const RSS_READS = 5;
const RSS_READ_GAP_MS = 200;

export interface SoakFigures {
  soak_requests: number;
  soak_requests_planned: number;
  /** Answers whose status (or, for a 2xx, whose body's token) differs from the oracle's. */
  soak_wrong_answers: number;
  /** The first few wrong answers, described without their tokens. */
  soak_wrong_examples: string[];
  soak_errors_5xx: number;
  /** Requests with no answer within the client's wait. */
  soak_no_answer: number;
  /** Answers by status. */
  soak_statuses: Record<string, number>;
  /** 2xx for the token revoked mid-run within the cache TTL after its revocation (what the cache allows). */
  soak_revoked_cached_allows: number;
  /** Requests of that token made after the TTL had passed: each must be refused. */
  soak_revoked_after_ttl: number;
  soak_p50_ms: number;
  soak_p99_ms: number;
  soak_rps: number;
  /** The stack's node process (`local/start.ts`), after the warm-up and at the end. */
  soak_rss_warm_mb: number;
  soak_rss_end_mb: number;
  soak_rss_growth_pct: number;
  /** DynamoDB Local's JVM, the same two moments (it keeps the data: it grows with what is written). */
  soak_dynamodb_rss_warm_mb: number | null;
  soak_dynamodb_rss_end_mb: number | null;
  soak_stopped_at_deadline: boolean;
  soak_duration_s: number;
}

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

interface Target extends Request {
  route: Route;
  /** Whose token id a 2xx names: the caller's (whoami, the echo) or the token read; none: not checked. */
  names?: 'caller' | 'edited';
}

interface Answer {
  status: number;
  tokenId: unknown;
  body: unknown;
  ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The route of the route table at `method` and `path` (the table's own spelling). */
function route(method: Route['method'], path: string): Route {
  const found = ROUTES.find((r) => r.method === method && r.path === path);
  if (!found) throw new Error(`No route ${method} ${path} in the route table`);
  return found;
}

/** A process's resident memory in MB, from /proc/<pid>/status; null when it is gone. */
function rssMb(pid: number): number | null {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Number(kb) / 1024;
  } catch {
    return null;
  }
}

/** The median of a few reads of a process's resident memory. */
async function steadyRssMb(pid: number | undefined): Promise<number | null> {
  if (pid === undefined) return null;
  const reads: number[] = [];
  for (let i = 0; i < RSS_READS; i++) {
    const mb = rssMb(pid);
    if (mb !== null) reads.push(mb);
    await sleep(RSS_READ_GAP_MS);
  }
  return reads.length > 0 ? round(percentile(reads, 50), 1) : null;
}

/** DynamoDB Local: the java child of the stack's process. */
function javaChildOf(pid: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
      const [, comm = '', rest = ''] = /^\d+ \((.*)\) (.*)$/s.exec(stat) ?? [];
      if (comm === 'java' && Number(rest.split(' ')[1]) === pid) return Number(entry);
    } catch {}
  }
  return undefined;
}

async function send(url: string, authorization: string | undefined, target: Request): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(`${url}${target.path}`, {
      method: target.method,
      headers: {
        ...(authorization !== undefined && { authorization }),
        ...(target.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(target.body !== undefined && { body: JSON.stringify(target.body) }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const tokenId =
      typeof body === 'object' && body !== null
        ? ((body as { token_id?: unknown; id?: unknown }).token_id ?? (body as { id?: unknown }).id)
        : undefined;
    return { status: response.status, tokenId, body, ms: performance.now() - started };
  } catch {
    return { status: 0, tokenId: undefined, body: undefined, ms: performance.now() - started };
  }
}

/** `requests`: fewer than `SOAK_REQUESTS` for a quick look while developing. */
export async function runSoak(
  log: (line: string) => void = () => undefined,
  requests = SOAK_REQUESTS,
): Promise<SoakFigures> {
  const warmUp = Math.floor(requests * WARM_UP_SHARE);
  const revokeAt = Math.floor(requests * REVOKE_SHARE);
  const root = mkdtempSync(join(tmpdir(), 'tokengate-soak-'));
  let stack: LocalStack | undefined;
  let direct: ReturnType<typeof documentClient> | undefined;
  let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
  try {
    log('soak: starting the local stack');
    stack = await LocalStack.start({
      PORT: '0',
      DATA_DIR: root,
      TOKENGATE_AUTHORIZER_CACHE_TTL: String(CACHE_TTL_SECONDS),
    });
    const url = stack.url;
    const info = readStackInfo(dataDirAt(root));
    if (!info) throw new Error('The local stack wrote no stack.json');
    // Interrupted (Ctrl-C, a test's timeout), this process ends without its `finally`: the stack, in
    // a process group of its own, is told to stop first (it stops DynamoDB Local in turn).
    onSignal = (signal) => {
      try {
        process.kill(info.pid, 'SIGTERM');
      } catch {}
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    direct = documentClient(info.dynamodb_endpoint);

    // The tokens. The admin comes from `tokengate bootstrap --local`, the others through the API.
    const boot = await tokengate(['bootstrap', '--local'], { DATA_DIR: root });
    if (boot.status !== 0) throw new Error(`bootstrap failed: ${boot.stderr}`);
    const adminAuthorization = `Bearer ${boot.stdout.trim()}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await send(url, adminAuthorization, { method, path, body });
      if (answer.status >= 300)
        throw new Error(`${method} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body as { id: string; token: string };
    };
    const adminId = (await call('GET', '/v1/whoami')).id;
    const holders: Holder[] = [
      {
        name: 'global:admin',
        authorization: adminAuthorization,
        id: adminId,
        grants: [{ scope: 'global:admin', resources: null }],
        kind: 'user',
      },
    ];
    const create = async (name: string, grant: Grant) => {
      const created = await call('POST', '/v1/tokens', {
        description: `soak ${name}`,
        scopes: [grant.resources === null ? { scope: grant.scope } : grant],
      });
      return { id: created.id, authorization: `Bearer ${created.token}` };
    };
    const working = async (name: string, grant: Grant) => {
      const made = await create(name, grant);
      const holder: Holder = { name, ...made, grants: [grant], kind: 'user' };
      holders.push(holder);
      return holder;
    };
    await working('repos:read [a]', { scope: 'repos:read', resources: ['a'] });
    await working('repos:read [*]', { scope: 'repos:read', resources: ['*'] });
    await working('sources:write [a]', { scope: 'sources:write', resources: ['a'] });
    await working('nameservice:read', { scope: 'nameservice:read', resources: null });
    await working('blocklist:admin', { scope: 'blocklist:admin', resources: null });
    // Revoked mid-run: until then it works; within the cache TTL after, a cached Allow may answer.
    const revokedMidRun = await working('revoked mid-run', { scope: 'repos:read', resources: ['*'] });
    const invalid = (name: string, authorization: string | undefined) =>
      holders.push({ name, authorization, grants: null, kind: 'invalid' });
    // Revoked before its first use, so that no cached answer of it exists.
    const revoked = await create('revoked', { scope: 'repos:read', resources: ['*'] });
    await call('POST', `/v1/tokens/${revoked.id}/revoke`);
    invalid('revoked', revoked.authorization);
    // Expired for real: its expiry set in the past in the table, before its first use.
    const expired = await create('expired', { scope: 'repos:read', resources: ['*'] });
    await direct.send(
      new UpdateCommand({
        TableName: LOCAL_TOKENS_TABLE,
        Key: { [TOKEN_ATTRIBUTES.id]: expired.id },
        UpdateExpression: `SET ${TOKEN_ATTRIBUTES.expires_at} = :past`,
        ConditionExpression: `attribute_exists(${TOKEN_ATTRIBUTES.id})`,
        ExpressionAttributeValues: { ':past': new Date(Date.now() - 60_000).toISOString() },
      }),
    );
    invalid('expired', expired.authorization);
    invalid('unknown', `Bearer ${mintToken().token}`);
    invalid('forged (the admin id, another secret)', `Bearer ${mintToken(adminId).token}`);
    invalid('malformed', 'Bearer tg_not-a-token');
    invalid('other scheme', `Basic ${Buffer.from('user:password').toString('base64')}`);
    invalid('no token', undefined);
    // The target of the admin's edits (a write now and then among the reads).
    const edited = await create('edited', { scope: 'nameservice:read', resources: null });

    const targets: Target[] = [
      { route: route('GET', '/v1/whoami'), method: 'GET', path: '/v1/whoami', names: 'caller' },
      { route: route('GET', '/v1/tokens'), method: 'GET', path: '/v1/tokens?limit=5' },
      {
        route: route('GET', '/v1/tokens/{id}'),
        method: 'GET',
        path: `/v1/tokens/${edited.id}`,
        names: 'edited',
      },
      { route: route('GET', '/v1/scopes'), method: 'GET', path: '/v1/scopes' },
      { route: route('GET', '/openapi.json'), method: 'GET', path: '/openapi.json' },
      {
        route: route('PATCH', '/v1/tokens/{id}'),
        method: 'PATCH',
        path: `/v1/tokens/${edited.id}`,
        body: { description: 'soak edited' },
        names: 'edited',
      },
      {
        route: route('ANY', '/repos/{proxy+}'),
        method: 'GET',
        path: '/repos/a/pkgs/p/1.0.tar.gz',
        names: 'caller',
      },
      {
        route: route('ANY', '/repos/{proxy+}'),
        method: 'GET',
        path: '/repos/b/pkgs/p/1.0.tar.gz',
        names: 'caller',
      },
      { route: route('ANY', '/metadata/{proxy+}'), method: 'GET', path: '/metadata/p/1.0', names: 'caller' },
      {
        route: route('ANY', '/sources/{proxy+}'),
        method: 'PUT',
        path: '/sources/a/packages/p',
        names: 'caller',
      },
      {
        route: route('ANY', '/sources/{proxy+}'),
        method: 'PUT',
        path: '/sources/b/packages/p',
        names: 'caller',
      },
      {
        route: route('ANY', '/nameservice/{proxy+}'),
        method: 'GET',
        path: '/nameservice/users/u1',
        names: 'caller',
      },
      {
        route: route('ANY', '/blocklist/{proxy+}'),
        method: 'DELETE',
        path: '/blocklist/rules/r1',
        names: 'caller',
      },
    ];
    /** Request `index`: every pair of holder and target once in each run of holders × targets requests. */
    const shotOf = (index: number) => ({
      holder: holders[index % holders.length] as Holder,
      target: targets[Math.floor(index / holders.length) % targets.length] as Target,
    });

    // The oracle: the status each request must get, from the holder's grants and the route's access.
    let revokeStarted = Number.POSITIVE_INFINITY;
    let cachedAllowEnds = Number.POSITIVE_INFINITY;
    const expected = (holder: Holder, target: Target, sentAt: number, answeredAt: number): number[] => {
      const asValid = expectedFor(
        holder,
        target.route.access,
        target.method,
        target.path.split('?')[0] ?? '',
      );
      // A person outside the admin group (`not-admin`) is refused 403 by tokengate's function; the soak sends no ID token.
      const status = (outcome: typeof asValid) =>
        outcome === 'reach' ? 200 : outcome === 'not-admin' ? 403 : outcome;
      if (holder !== revokedMidRun) return [status(asValid)];
      if (answeredAt < revokeStarted) return [status(asValid)];
      // A cached answer of the authorizer's, from before the revocation, lasts until the TTL passes.
      const refused = status(
        expectedFor({ ...holder, grants: null }, target.route.access, target.method, target.path),
      );
      return sentAt < cachedAllowEnds ? [status(asValid), refused] : [refused];
    };

    const statuses: Record<string, number> = {};
    const latencies: number[] = [];
    const wrongExamples: string[] = [];
    let wrong = 0;
    let noAnswer = 0;
    let revokedCachedAllows = 0;
    let revokedAfterTtl = 0;
    let sent = 0;
    const started = performance.now();
    const deadline = started + SOAK_DEADLINE_MS;

    const check = (index: number, answer: Answer, sentAt: number, answeredAt: number) => {
      const { holder, target } = shotOf(index);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      latencies.push(answer.ms);
      if (answer.status === 0) noAnswer++;
      const allowed = expected(holder, target, sentAt, answeredAt);
      if (holder === revokedMidRun && sentAt >= revokeStarted) {
        if (sentAt >= cachedAllowEnds) revokedAfterTtl++;
        else if (answer.status >= 200 && answer.status < 300) revokedCachedAllows++;
      }
      let right = allowed.includes(answer.status);
      // A 2xx names the right token: whoami and the echo the caller's, a token read the token asked
      // for; a refusal is the gateway's own, word for word.
      if (right && answer.status === 200 && target.names) {
        right = answer.tokenId === (target.names === 'caller' ? holder.id : edited.id);
      } else if (right && (answer.status === 401 || answer.status === 403)) {
        right = isDeepStrictEqual(answer.body, GATEWAY_RESPONSES[answer.status]);
      }
      if (!right) {
        wrong++;
        if (wrongExamples.length < 10)
          wrongExamples.push(
            `${holder.name} ${target.method} ${target.path}: ${answer.status}, expected ${allowed.join(' or ')}`,
          );
      }
    };

    const pool = async (from: number, to: number) => {
      let next = from;
      const worker = async () => {
        for (let index = next++; index < to && performance.now() < deadline; index = next++) {
          if (index === revokeAt) {
            revokeStarted = performance.now();
            await call('POST', `/v1/tokens/${revokedMidRun.id}/revoke`);
            // An Allow the authorizer gave before the revocation's write may still be cached this long
            // after it (the TTL starts when the gateway receives the answer, hence the margin).
            cachedAllowEnds = performance.now() + CACHE_TTL_SECONDS * 1_000 + CACHED_ALLOW_EXPIRY_MARGIN_MS;
          }
          const { holder, target } = shotOf(index);
          const sentAt = performance.now();
          const answer = await send(url, holder.authorization, target);
          sent++;
          check(index, answer, sentAt, performance.now());
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };

    const stackPid = info.pid;
    const javaPid = javaChildOf(stackPid);
    log(`soak: warm-up, ${warmUp} requests (stack pid ${stackPid}, DynamoDB Local pid ${javaPid})`);
    await pool(0, warmUp);
    const rssWarm = await steadyRssMb(stackPid);
    const dynamoWarm = await steadyRssMb(javaPid);
    log(
      `soak: after the warm-up, ${rssWarm} MB (DynamoDB Local ${dynamoWarm} MB); ${requests - warmUp} more requests`,
    );
    await pool(warmUp, requests);
    const duration = performance.now() - started;
    const rssEnd = await steadyRssMb(stackPid);
    const dynamoEnd = await steadyRssMb(javaPid);
    log(`soak: at the end, ${rssEnd} MB (DynamoDB Local ${dynamoEnd} MB)`);
    if (rssWarm === null || rssEnd === null) throw new Error('The stack process could not be measured');

    return {
      soak_requests: sent,
      soak_requests_planned: requests,
      soak_wrong_answers: wrong,
      soak_wrong_examples: wrongExamples,
      soak_errors_5xx: Object.entries(statuses)
        .filter(([status]) => Number(status) >= 500)
        .reduce((sum, [, n]) => sum + n, 0),
      soak_no_answer: noAnswer,
      soak_statuses: statuses,
      soak_revoked_cached_allows: revokedCachedAllows,
      soak_revoked_after_ttl: revokedAfterTtl,
      soak_p50_ms: round(percentile(latencies, 50), 1),
      soak_p99_ms: round(percentile(latencies, 99), 1),
      soak_rps: round(sent / (duration / 1_000), 1),
      soak_rss_warm_mb: rssWarm,
      soak_rss_end_mb: rssEnd,
      soak_rss_growth_pct: round(((rssEnd - rssWarm) / rssWarm) * 100, 1),
      soak_dynamodb_rss_warm_mb: dynamoWarm,
      soak_dynamodb_rss_end_mb: dynamoEnd,
      soak_stopped_at_deadline: sent < requests,
      soak_duration_s: round(duration / 1_000, 1),
    };
  } finally {
    if (onSignal) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    direct?.destroy();
    await stack?.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The chaos run's figures with the soak's: the soak runs without faults, so its 5xx count among
 * those outside the fault windows.
 */
export function withSoak<Figures extends { errors_5xx_outside_faults: number }>(
  figures: Figures,
  soak: SoakFigures,
): Figures & SoakFigures {
  return {
    ...figures,
    ...soak,
    errors_5xx_outside_faults: figures.errors_5xx_outside_faults + soak.soak_errors_5xx,
  };
}
