// The local stack as `npm start` runs it: the gateway under load from a second process on loopback
// (autocannon, bounded in time), and the lag from a token write to its audit event.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '#spec/env';
import { LocalStack, REPOSITORY_ROOT } from '#test-support/processes';
import { median, msSince, percentile, round } from './stats';

export interface LocalStackFigures {
  gateway_rps: number;
  gateway_p99_ms: number;
  gateway_errors: number;
  audit_lag_p50_ms: number;
  audit_lag_p99_ms: number;
}

const LOAD_SECONDS = 10;
const CONNECTIONS = 16;
const AUDIT_SAMPLES = 40;

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

function autocannon(url: string, token: string): Promise<AutocannonResult> {
  const bin = join(REPOSITORY_ROOT, 'node_modules/autocannon/autocannon.js');
  const args = [
    '-c',
    String(CONNECTIONS),
    '-d',
    String(LOAD_SECONDS),
    '-j',
    '-H',
    `Authorization=Bearer ${token}`,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('close', (code) => {
      try {
        resolve(JSON.parse(out) as AutocannonResult);
      } catch {
        reject(new Error(`autocannon exited ${code} without a JSON report`));
      }
    });
  });
}

async function auditLag(url: string, token: string): Promise<number[]> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const lags: number[] = [];
  for (let i = 0; i < AUDIT_SAMPLES; i++) {
    const created = await fetch(`${url}/v1/tokens`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ description: `audit lag ${i}`, scopes: [{ scope: 'nameservice:read' }] }),
    });
    const written = process.hrtime.bigint();
    if (created.status !== 201) throw new Error(`Create failed: ${created.status} ${await created.text()}`);
    const { id } = (await created.json()) as { id: string };
    for (;;) {
      const audit = await fetch(`${url}/v1/audit?token_id=${id}`, { headers });
      const { events } = (await audit.json()) as { events?: { type: string }[] };
      if (events?.some((event) => event.type === 'token.created')) break;
      if (msSince(written) > 10_000) throw new Error(`No audit event for ${id} after 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    lags.push(msSince(written));
  }
  return lags;
}

export async function benchLocalStack(): Promise<LocalStackFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-bench-stack-'));
  const stack = await LocalStack.start({ [ENV.port]: '0', [ENV.dataDir]: dataDir });
  try {
    const bootstrap = spawnSync(
      process.execPath,
      [join(REPOSITORY_ROOT, 'cli/bin.js'), 'bootstrap', '--local'],
      {
        env: { ...process.env, [ENV.dataDir]: dataDir },
        encoding: 'utf8',
      },
    );
    const token = bootstrap.stdout.trim();
    if (bootstrap.status !== 0 || !token) throw new Error(`bootstrap failed: ${bootstrap.stderr}`);
    await autocannon(`${stack.url}/scim/v2/Users`, token); // warm-up run, not counted
    const load = await autocannon(`${stack.url}/scim/v2/Users`, token);
    const lags = await auditLag(stack.url, token);
    return {
      gateway_rps: Math.round(load.requests.average),
      gateway_p99_ms: load.latency.p99,
      gateway_errors: load.errors + load.timeouts + load.non2xx,
      audit_lag_p50_ms: round(median(lags), 1),
      audit_lag_p99_ms: round(percentile(lags, 99), 1),
    };
  } finally {
    await stack.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
