// The web console: its first screen in Chromium with 10,000 tokens in the local stack's table, and
// the size of its JavaScript as a browser downloads it (gzipped).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#adapters/clients';
import { recordToItem } from '#adapters/token-item';
import { hintOf, mintToken } from '#domain/token-format';
import { launchChromium } from '#test-support/browser';
import { LocalStack, tokengate } from '#test-support/processes';
import { buildFiles, ensureConsoleBuild } from '#web/build';
import { TOKEN_KEY } from '../web/src/session';
import { median } from './stats';

export interface ConsoleFigures {
  console_first_screen_ms_10k: number;
  console_js_kb_gz: number;
}

const TOKENS = 10_000;
const BATCH = 25; // BatchWriteItem's limit
const WRITERS = 8;
const ROUNDS = 7;

/** Gzipped kilobytes of every script of the build. */
function scriptKbGzipped(dir: string): number {
  const bytes = buildFiles(dir)
    .filter((path) => path.endsWith('.js'))
    .reduce((sum, path) => sum + gzipSync(readFileSync(join(dir, path)), { level: 9 }).length, 0);
  return bytes / 1024;
}

/** Writes `TOKENS` token items straight into the stack's table, 25 to a request. */
async function seed(endpoint: string, table: string): Promise<void> {
  const client = documentClient(endpoint);
  const stamp = {
    actor: { type: 'system', id: 'bench' },
    op: 'create',
    at: new Date().toISOString(),
  } as const;
  const started = Date.now();
  const items = Array.from({ length: TOKENS }, (_, i) => {
    const { id, token } = mintToken();
    return recordToItem(
      {
        id,
        kind: i % 3 === 0 ? 'service' : 'user',
        description: `team-${i % 100} pipeline ${i}`,
        userEmail: i % 2 === 0 ? `owner${i}@example.com` : null,
        scopes: [{ scope: 'repos:read', resources: ['cran'] }],
        createdAt: new Date(started - (TOKENS - i) * 1000).toISOString(),
        createdBy: 'system:bench',
        rotatedFrom: null,
        rotatedTo: null,
        expiresAt: i % 10 === 0 ? new Date(started + 86_400_000 * 30).toISOString() : null,
        revokedAt: null,
        revokedBy: null,
        lastUsedAt: null,
        hint: hintOf(token),
        hash: { hash: 'not-a-real-hash', keyId: 'bench' },
      },
      stamp,
      86_400,
    );
  });
  let next = 0;
  const writer = async () => {
    while (next < items.length) {
      let batch: Record<string, unknown>[] = items.slice(next, next + BATCH);
      next += BATCH;
      while (batch.length > 0) {
        const { UnprocessedItems } = await client.send(
          new BatchWriteCommand({
            RequestItems: { [table]: batch.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        batch = (UnprocessedItems?.[table] ?? []).map((request) => request.PutRequest?.Item ?? {});
      }
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  client.destroy();
}

export async function benchConsole(): Promise<ConsoleFigures> {
  const build = await ensureConsoleBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-bench-console-'));
  const stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir });
  const browser = await launchChromium();
  try {
    const bootstrap = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    if (bootstrap.status !== 0) throw new Error(`bootstrap failed: ${bootstrap.stderr}`);
    const admin = bootstrap.stdout.trim();
    const info = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as {
      dynamodb_endpoint: string;
      tokens_table: string;
    };
    await seed(info.dynamodb_endpoint, info.tokens_table);

    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // Signed in as the tab would be after a sign-in; the first rows' time, from the navigation's start.
    await context.addInitScript(
      ({ key, token }) => {
        sessionStorage.setItem(key, token);
        new MutationObserver((_, observer) => {
          if (document.querySelector('tbody tr')) {
            (window as unknown as { firstRows: number }).firstRows = performance.now();
            observer.disconnect();
          }
        }).observe(document, { childList: true, subtree: true });
      },
      { key: TOKEN_KEY, token: admin },
    );
    const times: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const page = await context.newPage();
      await page.goto(stack.url);
      await page.waitForFunction(() => 'firstRows' in window, undefined, { timeout: 30_000 });
      times.push(await page.evaluate(() => (window as unknown as { firstRows: number }).firstRows));
      await page.close();
    }
    return {
      console_first_screen_ms_10k: median(times.slice(1)), // the first round warms the stack up
      console_js_kb_gz: scriptKbGzipped(build.dir),
    };
  } finally {
    await browser.close();
    await stack.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
