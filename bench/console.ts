// The web console: its first screen in Chromium with 100,000 tokens in the local stack's table, and
// the size of its JavaScript as a browser downloads it (gzipped).
//
// The tokens are written straight into DynamoDB Local before the stack starts, with the tokens
// table's stream turned off meanwhile: the stack's stream poller (and the audit consumer behind it)
// then finds a new, empty stream and has nothing to replay, where 100,000 records would keep it busy
// for many minutes, and the measure with it. Only the token items are written: the first screen reads
// no search posting (the listing benchmark measures search at this size). The admin token is made
// before them (bootstrap reads every active token): its audit event is left on the old stream.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#adapters/clients';
import { recordToItem } from '#adapters/token-item';
import { dataDirAt, LOCAL_TOKENS_TABLE, makeDataDirPrivate, prepareDataDir } from '#local/data-dir';
import { startDynamoDbLocal } from '#local/dynamodb-local';
import { TOKENS_TABLE } from '#spec/tables';
import { launchChromium } from '#test-support/browser';
import { LocalStack, tokengate } from '#test-support/processes';
import { buildFiles, ensureConsoleBuild } from '#web/build';
import { TOKEN_KEY } from '../web/src/session';
import { seededRecord, seededStamp } from './fixtures';
import { median } from './stats';

export interface ConsoleFigures {
  console_first_screen_ms_100k: number;
  /** Seconds to write the 100,000 tokens (not a budget: it keeps the benchmark's run bounded). */
  console_seed_s_100k: number;
  console_js_kb_gz: number;
}

const TOKENS = 100_000;
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

/** The `i`th of the seeded tokens, as the token store writes it. */
function seededItem(i: number, started: number): Record<string, unknown> {
  const createdAt = new Date(started - (TOKENS - i) * 1000).toISOString();
  return recordToItem(seededRecord(i, createdAt, started), seededStamp(createdAt), 86_400);
}

/** Turns the tokens table's stream off, or on again (a new stream, empty). */
async function setStream(endpoint: string, on: boolean): Promise<void> {
  const client = documentClient(endpoint);
  try {
    await client.send(
      new UpdateTableCommand({
        TableName: LOCAL_TOKENS_TABLE,
        StreamSpecification: on
          ? { StreamEnabled: true, StreamViewType: TOKENS_TABLE.stream ?? 'NEW_AND_OLD_IMAGES' }
          : { StreamEnabled: false },
      }),
    );
  } finally {
    client.destroy();
  }
}

/**
 * Makes the data folder's tables in a DynamoDB Local of its own, writes `TOKENS` token items into
 * them, 25 to a request, with the stream off, and stops it. Returns the seconds it took.
 */
async function seed(dataDir: string): Promise<number> {
  const started = Date.now();
  const dir = dataDirAt(dataDir);
  makeDataDirPrivate(dir);
  const db = await startDynamoDbLocal({ dbPath: dir.dynamoDir });
  try {
    await prepareDataDir(dir, db.endpoint);
    await setStream(db.endpoint, false);
    const client = documentClient(db.endpoint);
    let next = 0;
    const writer = async () => {
      while (next < TOKENS) {
        const from = next;
        next = Math.min(TOKENS, next + BATCH);
        let batch = Array.from({ length: next - from }, (_, k) => seededItem(from + k, started));
        while (batch.length > 0) {
          const { UnprocessedItems } = await client.send(
            new BatchWriteCommand({
              RequestItems: { [LOCAL_TOKENS_TABLE]: batch.map((Item) => ({ PutRequest: { Item } })) },
            }),
          );
          batch = (UnprocessedItems?.[LOCAL_TOKENS_TABLE] ?? []).map(
            (request) => request.PutRequest?.Item ?? {},
          );
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: WRITERS }, writer));
    } finally {
      client.destroy();
    }
    await setStream(db.endpoint, true);
  } finally {
    await db.stop();
  }
  return (Date.now() - started) / 1000;
}

export async function benchConsole(): Promise<ConsoleFigures> {
  const build = await ensureConsoleBuild();
  const size = { console_js_kb_gz: scriptKbGzipped(build.dir) };
  // In memory where the system has a tmpfs for it: DynamoDB Local syncs its file on every write.
  const dataDir = mkdtempSync(
    join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tokengate-bench-console-'),
  );
  try {
    // The admin token first: bootstrap reads every active token to find an admin one.
    const bootstrap = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    if (bootstrap.status !== 0) throw new Error(`bootstrap failed: ${bootstrap.stderr}`);
    const admin = bootstrap.stdout.trim();
    const seedSeconds = await seed(dataDir);
    const stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir });
    try {
      return { ...(await firstScreen(stack.url, admin)), console_seed_s_100k: seedSeconds, ...size };
    } finally {
      await stack.kill();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The first rows' time in Chromium, signed in with `admin`: the median of the rounds after the first. */
async function firstScreen(url: string, admin: string) {
  const browser = await launchChromium();
  try {
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
      await page.goto(url);
      await page.waitForFunction(() => 'firstRows' in window, undefined, { timeout: 30_000 });
      times.push(await page.evaluate(() => (window as unknown as { firstRows: number }).firstRows));
      await page.close();
    }
    return { console_first_screen_ms_100k: median(times.slice(1)) }; // the first round warms up
  } finally {
    await browser.close();
  }
}
