// `tokengate bootstrap --local`, four at once, as separate processes on one fresh data folder with no
// local stack running: each needs a DynamoDB Local of its own on the folder, so they take turns on
// the folder's lock, and exactly one of them makes an admin token. A lock left behind by a process
// that has died does not stop them.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TOKEN_PREFIX } from '#domain/token-format';
import { dataDir } from '#local/data-dir';
import { notPrivate } from '#test-support/file-modes';
import { tokengate } from '#test-support/processes';

const TOKEN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{65}\\n$`);

describe('bootstrap --local, four processes at once without a running stack', () => {
  const root = mkdtempSync(join(tmpdir(), 'tokengate-bootstrap-race-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('prints exactly one admin token; the others fail with one line saying one exists', async () => {
    const dir = dataDir({ DATA_DIR: root });
    chmodSync(root, 0o755);
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(dir.dynamoLockFile, `${dead}\n`); // left by a process that has ended

    const results = await Promise.all(
      Array.from({ length: 4 }, () => tokengate(['bootstrap', '--local'], { DATA_DIR: root }, 150_000)),
    );

    const winners = results.filter((result) => result.status === 0);
    expect(winners, JSON.stringify(results, null, 2)).toHaveLength(1);
    expect(winners[0]?.stdout).toMatch(TOKEN);
    for (const loser of results.filter((result) => result.status !== 0)) {
      expect(loser.stdout).toBe('');
      expect(loser.stderr).toMatch(/^tokengate: An active global:admin token exists already[^\n]*\n$/);
    }
    expect(existsSync(dir.dynamoLockFile)).toBe(false);
    // What they wrote, DynamoDB Local's database included, is their user's alone.
    expect(readdirSync(dir.dynamoDir).some((name) => name.endsWith('.db'))).toBe(true);
    expect(notPrivate(root).loose).toEqual([]);
  }, 200_000);
});
