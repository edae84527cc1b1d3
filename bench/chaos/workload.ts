// The chaos run's "nothing lost" phase: the whole local stack (`npm start`'s local/start.ts, as a
// child process) with the fault proxy between it and its DynamoDB Local, driven through its HTTP
// gateway by a mixed workload: create, rotate, self-rotate, revoke, edit, leak reports and the Posit
// Connect routes. Part of the run under faults (throttling, resets, the audit table refusing writes);
// midway the whole stack is killed with SIGKILL (its process group and DynamoDB Local, which runs in a
// group of its own) while requests are in flight, and started again on the same $DATA_DIR. Once the
// audit consumer has caught up, the audit reconciliation (the one `tokengate audit verify` runs)
// compares every token with its audit events, and every acknowledged operation is looked for in the
// tokens' final state. Bounded in count and time; everything on 127.0.0.1.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditEvent } from '#domain/audit';
import { type AuditReconciliation, type ReconciledToken, reconcileAudit } from '#domain/audit-reconciliation';
import { dataDirAt, LOCAL_AUDIT_TABLE, readStackInfo } from '#local/data-dir';
import { freePort } from '#local/dynamodb-local';
import { ENV } from '#spec/env';
import { FaultProxy, type FaultSetting } from '#test-support/fault-proxy';
import { LocalStack, tokengate } from '#test-support/processes';
import { round } from '../stats';

/** The operations sent, all kinds together. */
const OPERATIONS = 96;
/** How many are in flight at once: some are, when the stack is killed. */
const CONCURRENCY = 6;
/** The operation at which the whole stack is killed. */
const KILL_AT = 48;
/** A client's wait for an answer. */
const CLIENT_TIMEOUT_MS = 15_000;
/** How long the audit table refuses writes at most: well within the stream's retries. */
const AUDIT_FAULT_MAX_MS = 3_000;
/** The longest wait for the audit consumer to catch up once the workload is done. */
const CATCH_UP_MS = 45_000;
/** The whole phase's bound, a stack start twice included: it stops itself, whatever happens. */
export const WORKLOAD_DEADLINE_MS = 4 * 60_000;

const SCOPES = [{ scope: 'nameservice:read' }];

type OperationKind =
  | 'create'
  | 'edit'
  | 'rotate'
  | 'self_rotate'
  | 'revoke'
  | 'leak_report'
  | 'connect_create'
  | 'connect_delete';

/** The mix, in turn: creates come first and most often, so that the others have tokens to work on. */
const MIX: readonly OperationKind[] = [
  'create',
  'connect_create',
  'edit',
  'create',
  'rotate',
  'self_rotate',
  'edit',
  'create',
  'revoke',
  'leak_report',
  'connect_delete',
  'create',
];

/** Fault windows, by operation number: [from, to). */
const FAULTS: readonly { from: number; to: number; name: string; setting: FaultSetting; maxMs?: number }[] = [
  {
    from: 12,
    to: 28,
    name: 'throttle_third',
    setting: { fault: { mode: 'throttle', error: 'ThrottlingException' }, fraction: 1 / 3 },
  },
  { from: 28, to: 40, name: 'reset_fifth', setting: { fault: { mode: 'reset' }, fraction: 0.2 } },
  {
    from: 60,
    to: 76,
    name: 'audit_table_throttled',
    setting: {
      fault: { mode: 'throttle', error: 'ProvisionedThroughputExceededException' },
      tables: [LOCAL_AUDIT_TABLE],
    },
    maxMs: AUDIT_FAULT_MAX_MS,
  },
];

/** A token the workload holds: its id, its secret, and what the rules let it do. */
interface Held {
  id: string;
  secret: string;
  kind: 'native' | 'connect';
  /** Minted by self-rotation: it may not self-rotate again within its first hour. */
  selfMinted: boolean;
}

/** What an acknowledged operation promises about the tokens' final state. */
type Effect =
  | { kind: 'exists'; id: string }
  | { kind: 'revoked'; id: string }
  | { kind: 'rotated'; id: string; to: string }
  | { kind: 'gone_or_revoked'; id: string };
/** An effect, with the operation that promised it and whether it came after the kill. */
type Expectation = Effect & { op: number; afterKill: boolean };

export interface WorkloadFigures {
  /** Tokens whose state shows a change without its audit event. */
  audit_missing: number;
  /** Changes recorded more than once. */
  audit_duplicates: number;
  /** Acknowledged operations whose effect is not in the tokens' final state. */
  acknowledged_lost: number;
  workload: {
    /** Operations sent (those with no token to work on yet are skipped). */
    operations: number;
    skipped: number;
    acknowledged: number;
    /** Answered with another status: refused under a fault, or a token a refused operation left unknown. */
    refused: number;
    /** No answer: in flight when the stack was killed. */
    unanswered: number;
    by_kind: Record<string, { sent: number; acknowledged: number }>;
    faults_injected: number;
    killed_at_op: number;
    /** In flight at the kill. */
    in_flight_at_kill: number;
    /** From the kill to the restarted stack's ready line. */
    restart_s: number;
    /** From the last operation to a trail with nothing missing. */
    audit_catch_up_s: number;
    tokens: number;
    events: number;
    /** `tokengate audit verify`'s exit status on the deployment at the end. */
    verify_exit: number | null;
    duration_s: number;
  };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

async function call(
  url: string,
  method: string,
  path: string,
  options: { bearer?: string; body?: unknown } = {},
): Promise<Answer> {
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(options.bearer !== undefined && { authorization: `Bearer ${options.bearer}` }),
        ...(options.body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = {};
    }
    return { status: response.status, body };
  } catch {
    return { status: 0, body: {} };
  }
}

/** Every page of a listing, through the API. */
async function readAll<T>(url: string, bearer: string, path: string, field: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1_000; page++) {
    const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const answer = await call(url, 'GET', `${path}?${query}`, { bearer });
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}`);
    items.push(...(answer.body[field] as T[]));
    cursor = (answer.body.next_cursor as string | null) ?? null;
    if (!cursor) return items;
  }
  throw new Error(`GET ${path} did not end within 1,000 pages`);
}

/** The tokens, then their events (which follow them), and the reconciliation of the two. */
async function reconcile(url: string, bearer: string) {
  const tokens = await readAll<ReconciledToken>(url, bearer, '/v1/tokens', 'tokens');
  const events = await readAll<AuditEvent>(url, bearer, '/v1/audit', 'events');
  return { tokens, result: reconcileAudit(tokens, events.reverse()) }; // listed newest first
}

/** The processes of the stack: its process group (tsx and local/start.ts) and start.ts's children. */
function stackProcesses(startPid: number): { group: number; pids: number[] } {
  const statOf = (pid: number | string) => {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), group: Number(fields[2]) };
  };
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const { ppid } = statOf(entry);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // ended meanwhile
    }
  }
  const pids: number[] = [];
  const visit = (pid: number) => {
    pids.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(startPid);
  return { group: statOf(startPid).group, pids };
}

/**
 * SIGKILL to the whole stack at once: its process group, and DynamoDB Local in the group of its own.
 * Resolves once they are gone from the process table (reaped): until then a restart would take the
 * killed stack for a running one.
 */
async function killWholeStack(dataDir: string): Promise<void> {
  const info = readStackInfo(dataDirAt(dataDir));
  if (!info) throw new Error('The stack wrote no stack.json');
  const { group, pids } = stackProcesses(info.pid);
  process.kill(-group, 'SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone with its group
    }
  }
  for (const ends = performance.now() + 15_000; performance.now() < ends; await sleep(20)) {
    if (pids.every((pid) => !existsSync(`/proc/${pid}`))) return;
  }
}

/** The acknowledged operations whose effect the tokens' final state does not show. */
function unmet(expectations: readonly Expectation[], tokens: readonly ReconciledToken[]): Expectation[] {
  const byId = new Map(tokens.map((token) => [token.id, token]));
  // A Connect token deleted later is meant to be gone, whatever its creation promised.
  const deleted = new Set(expectations.filter((one) => one.kind === 'gone_or_revoked').map((one) => one.id));
  const met = (expectation: Expectation): boolean => {
    if (expectation.kind === 'exists' && deleted.has(expectation.id)) return true;
    const token = byId.get(expectation.id);
    switch (expectation.kind) {
      case 'exists':
        return token !== undefined;
      case 'revoked':
        return token !== undefined && token.revoked_at !== null;
      case 'rotated':
        return token?.rotated_to === expectation.to;
      case 'gone_or_revoked':
        return token === undefined || token.revoked_at !== null;
    }
  };
  return expectations.filter((expectation) => !met(expectation));
}

export async function runWorkload(log: (line: string) => void = () => {}): Promise<WorkloadFigures> {
  const started = performance.now();
  const deadline = started + WORKLOAD_DEADLINE_MS;
  const root = mkdtempSync(join(tmpdir(), 'tokengate-chaos-workload-'));
  const dataDir = join(root, 'data');
  // DynamoDB Local's port, fixed for both starts of the stack, so that the proxy can front it.
  const dynamoPort = await freePort();
  const proxy = await FaultProxy.start(`http://127.0.0.1:${dynamoPort}`);
  const env = {
    [ENV.port]: '0',
    [ENV.dataDir]: dataDir,
    [ENV.localDynamoPort]: String(dynamoPort),
    [ENV.localDynamoProxy]: proxy.endpoint,
    // Every request asks the authorizer, and so the database: no cached answer hides a fault.
    [ENV.authorizerCacheTtl]: '0',
  };
  // The stack's processes start as `npm start` would: not as the concurrent Lambda process that an
  // in-process gateway run before this one (chaos.ts) made of this process (local/invoke-context.ts).
  const concurrency = process.env.AWS_LAMBDA_MAX_CONCURRENCY;
  delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
  const stacks: LocalStack[] = [];
  const startStack = async () => {
    const stack = await LocalStack.start(env);
    stacks.push(stack);
    return stack;
  };
  try {
    log('workload: starting the local stack');
    let url = (await startStack()).url;
    const bootstrap = await tokengate(['bootstrap', '--local'], { [ENV.dataDir]: dataDir });
    if (bootstrap.status !== 0) throw new Error(`bootstrap failed: ${bootstrap.stderr}`);
    const admin = bootstrap.stdout.trim();
    log(`workload: ${OPERATIONS} operations, ${CONCURRENCY} at a time`);

    const held: Held[] = [];
    const expectations: Expectation[] = [];
    const byKind: Record<string, { sent: number; acknowledged: number }> = {};
    let acknowledged = 0;
    let refused = 0;
    let unanswered = 0;
    /** Operations with no token to work on (yet): not sent. */
    let skipped = 0;
    let inFlight = 0;
    let inFlightAtKill = 0;
    let restartMs = 0;
    let faultsInjected = 0;
    /** Resolves with the stack's URL; replaced by the restart while the stack is down. */
    let ready: Promise<string> = Promise.resolve(url);

    /** A held token that `fits`, taken out of the pool while an operation works on it. */
    const take = (fits: (token: Held) => boolean): Held | undefined => {
      const index = held.findIndex(fits);
      return index < 0 ? undefined : held.splice(index, 1)[0];
    };

    const operate = async (n: number, kind: OperationKind): Promise<'acknowledged' | 'not' | 'skipped'> => {
      const send = async (method: string, path: string, options: { bearer?: string; body?: unknown }) => {
        const base = await ready;
        inFlight++;
        try {
          return await call(base, method, path, options);
        } finally {
          inFlight--;
        }
      };
      const expect = (...effects: Effect[]) => {
        for (const effect of effects) expectations.push({ ...effect, op: n, afterKill: killed });
      };
      const count = (answer: Answer, expected: number): boolean => {
        if (answer.status === expected) return true;
        if (answer.status === 0) unanswered++;
        else refused++;
        return false;
      };
      switch (kind) {
        case 'create': {
          const answer = await send('POST', '/v1/tokens', {
            bearer: admin,
            body: {
              description: `workload ${n}`,
              ...(n % 2 === 0 && { user_email: `owner${n}@example.com` }),
              scopes: SCOPES,
            },
          });
          if (!count(answer, 201)) return 'not';
          const id = String(answer.body.id);
          held.push({ id, secret: String(answer.body.token), kind: 'native', selfMinted: false });
          expect({ kind: 'exists', id });
          return 'acknowledged';
        }
        case 'connect_create': {
          const answer = await send('POST', '/__api__/v1/system/service-tokens', {
            bearer: admin,
            body: { name: `workload connect ${n}`, scopes: ['nameservice:read'] },
          });
          if (!count(answer, 201)) return 'not';
          const id = String(answer.body.guid);
          held.push({ id, secret: String(answer.body.key), kind: 'connect', selfMinted: false });
          expect({ kind: 'exists', id });
          return 'acknowledged';
        }
        case 'edit': {
          const token = take(() => true);
          if (!token) return 'skipped';
          const body = n % 3 === 0 ? { user_email: null } : { description: `workload ${n}, edited` };
          const answer = await send('PATCH', `/v1/tokens/${token.id}`, { bearer: admin, body });
          if (!count(answer, 200)) return 'not'; // its state unknown: left out of the pool
          held.push(token);
          return 'acknowledged';
        }
        case 'rotate': {
          const token = take((one) => one.kind === 'native');
          if (!token) return 'skipped';
          const answer = await send('POST', `/v1/tokens/${token.id}/rotate`, {
            bearer: admin,
            body: { grace_seconds: n % 2 === 0 ? 0 : 600 },
          });
          if (!count(answer, 201)) return 'not';
          const to = String(answer.body.id);
          held.push({ id: to, secret: String(answer.body.token), kind: 'native', selfMinted: false });
          expect({ kind: 'rotated', id: token.id, to }, { kind: 'exists', id: to });
          return 'acknowledged';
        }
        case 'self_rotate': {
          const token = take((one) => !one.selfMinted);
          if (!token) return 'skipped';
          const answer = await send('POST', '/v1/tokens/self/rotate', {
            bearer: token.secret,
            body: { grace_seconds: 600 },
          });
          if (!count(answer, 201)) return 'not';
          const to = String(answer.body.id);
          // Its parent is rotated now: out of the pool, so no revocation reaches this child through it.
          held.push({ id: to, secret: String(answer.body.token), kind: 'native', selfMinted: true });
          expect({ kind: 'rotated', id: token.id, to }, { kind: 'exists', id: to });
          return 'acknowledged';
        }
        case 'revoke': {
          const token = take(() => true);
          if (!token) return 'skipped';
          const answer = await send('POST', `/v1/tokens/${token.id}/revoke`, { bearer: admin });
          if (!count(answer, 200)) return 'not';
          expect({ kind: 'revoked', id: token.id });
          return 'acknowledged';
        }
        case 'leak_report': {
          const token = take(() => true);
          if (!token) return 'skipped';
          const answer = await send('POST', '/v1/tokens/revoke', { body: { tokens: [token.secret] } });
          if (!count(answer, 202)) return 'not';
          expect({ kind: 'revoked', id: token.id });
          return 'acknowledged';
        }
        case 'connect_delete': {
          const token = take((one) => one.kind === 'connect');
          if (!token) return 'skipped';
          const answer = await send('DELETE', `/__api__/v1/system/service-tokens/${token.id}`, {
            bearer: admin,
          });
          if (!count(answer, 204)) return 'not';
          expect({ kind: 'gone_or_revoked', id: token.id });
          return 'acknowledged';
        }
      }
    };

    let killed = false;
    const kill = async (n: number) => {
      // Mid-request: the other workers' operations are on their way (a short, bounded wait for one).
      for (const ends = performance.now() + 2_000; inFlight === 0 && performance.now() < ends; ) {
        await sleep(5);
      }
      inFlightAtKill = inFlight;
      log(`workload: kill -9 of the whole stack at operation ${n}, ${inFlight} in flight`);
      const killedAt = performance.now();
      let restarted!: (url: string) => void;
      ready = new Promise((resolve) => (restarted = resolve));
      await killWholeStack(dataDir);
      killed = true;
      const stack = await startStack();
      restartMs = performance.now() - killedAt;
      log(`workload: restarted in ${round(restartMs / 1_000, 1)} s`);
      url = stack.url;
      restarted(url);
    };

    let next = 0;
    const timers: NodeJS.Timeout[] = [];
    const worker = async () => {
      for (let n = next++; n < OPERATIONS; n = next++) {
        if (performance.now() > deadline)
          throw new Error(`The workload passed its ${WORKLOAD_DEADLINE_MS} ms bound`);
        if (n === KILL_AT) await kill(n);
        for (const window of FAULTS) {
          if (n === window.from) {
            log(`workload: fault ${window.name} from operation ${n}`);
            proxy.resetCounts();
            proxy.set(window.setting);
            if (window.maxMs) timers.push(setTimeout(() => proxy.clear(), window.maxMs));
          }
          if (n === window.to) {
            faultsInjected += Object.values(proxy.snapshotCounts().faulted).reduce((a, b) => a + b, 0);
            proxy.clear();
          }
        }
        const kind = MIX[n % MIX.length] as OperationKind;
        const tally = byKind[kind] ?? { sent: 0, acknowledged: 0 };
        byKind[kind] = tally;
        const outcome = await operate(n, kind);
        if (outcome === 'skipped') skipped++;
        else tally.sent++;
        if (outcome === 'acknowledged') {
          tally.acknowledged++;
          acknowledged++;
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      for (const timer of timers) clearTimeout(timer);
      proxy.clear();
    }
    log(`workload: ${acknowledged} of ${OPERATIONS} operations acknowledged; waiting for the audit trail`);

    const done = performance.now();
    let state = await reconcile(url, admin);
    while (
      (state.result.audit_missing > 0 || state.result.audit_duplicates > 0) &&
      performance.now() - done < CATCH_UP_MS
    ) {
      await sleep(500);
      state = await reconcile(url, admin);
    }
    const catchUpMs = performance.now() - done;
    const result: AuditReconciliation = state.result;
    if (result.findings.length > 0) log(`workload: audit findings ${JSON.stringify(result.findings)}`);
    log(`workload: audit trail reconciled after ${round(catchUpMs / 1_000, 1)} s; tokengate audit verify`);
    const lost = unmet(expectations, state.tokens);
    for (const expectation of lost) {
      const token = state.tokens.find((one) => one.id === expectation.id);
      log(
        `workload: acknowledged but not in the tokens: ${JSON.stringify(expectation)}, token ${JSON.stringify(token ?? null)}`,
      );
    }
    const verify = await tokengate(['audit', 'verify', '-o', 'json'], {
      [ENV.endpoint]: url,
      [ENV.token]: admin,
    });
    return {
      audit_missing: result.audit_missing,
      audit_duplicates: result.audit_duplicates,
      acknowledged_lost: lost.length,
      workload: {
        operations: OPERATIONS - skipped,
        skipped,
        acknowledged,
        refused,
        unanswered,
        by_kind: byKind,
        faults_injected: faultsInjected,
        killed_at_op: KILL_AT,
        in_flight_at_kill: inFlightAtKill,
        restart_s: round(restartMs / 1_000, 1),
        audit_catch_up_s: round(catchUpMs / 1_000, 1),
        tokens: result.tokens,
        events: result.events,
        verify_exit: verify.status,
        duration_s: round((performance.now() - started) / 1_000, 1),
      },
    };
  } finally {
    for (const stack of stacks) await stack.kill();
    if (concurrency !== undefined) process.env.AWS_LAMBDA_MAX_CONCURRENCY = concurrency;
    await proxy.close();
    rmSync(root, { recursive: true, force: true });
  }
}
