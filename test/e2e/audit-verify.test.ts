// `tokengate audit verify` against the local stack: after tokens are created, edited, rotated and
// revoked through the CLI, the trail matches (exit 0, nothing missing or duplicated); an audit event
// deleted from the audit table, or one recorded a second time under another id, makes it fail
// (exit 1) and says which. The tests run in order and share the stack.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/clients';
import { dataDirAt, LOCAL_AUDIT_TABLE, readStackInfo } from '#local/data-dir';
import { AUDIT_ATTRIBUTES } from '#spec/tables';
import { type CliResult, LocalStack, tokengate } from '#test-support/processes';

const CATCH_UP_MS = 20_000;

describe('tokengate audit verify on the local stack', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-e2e-audit-verify-'));
  let stack: LocalStack | undefined;
  let env: Record<string, string> = {};
  let auditItems: () => Promise<Record<string, unknown>[]>;
  let audit: ReturnType<typeof documentClient> | undefined;

  const cli = (...args: string[]) => tokengate(args, env);
  const verify = async (): Promise<{ result: CliResult; report: Record<string, number> }> => {
    const result = await cli('audit', 'verify', '-o', 'json');
    return { result, report: JSON.parse(result.stdout) };
  };

  beforeAll(async () => {
    stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir });
    const admin = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    expect(admin.status, admin.stderr).toBe(0);
    env = { DATA_DIR: dataDir, TOKENGATE_TOKEN: admin.stdout.trim() };
    const info = readStackInfo(dataDirAt(dataDir));
    if (!info) throw new Error('The stack wrote no stack.json');
    const client = documentClient(info.dynamodb_endpoint);
    audit = client;
    auditItems = async () =>
      (await client.send(new ScanCommand({ TableName: LOCAL_AUDIT_TABLE }))).Items ?? [];

    // A little of everything: created, edited, rotated (the old token then carries rotated_to), revoked.
    const made = await cli(
      'create',
      'token',
      '--description',
      'verify me',
      '--scope',
      'nameservice:read',
      '-q',
    );
    expect(made.status, made.stderr).toBe(0);
    const listed = JSON.parse(
      (await cli('-o', 'json', 'list', 'tokens', '--search', 'verify me')).stdout,
    ) as {
      id: string;
    }[];
    const target = listed[0]?.id ?? '';
    for (const args of [
      ['edit', 'token', '--guid', target, '--email', 'ops@example.com'],
      ['edit', 'token', '--guid', target, '--description', 'verify me, edited'],
      ['rotate', 'token', '--guid', target, '--grace', '0s', '-q'],
    ]) {
      const result = await cli(...args);
      expect(result.status, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    const other = await cli(
      'create',
      'token',
      '--description',
      'revoke me',
      '--scope',
      'nameservice:read',
      '-q',
    );
    const revoked = await cli('revoke', 'token', '--token', other.stdout.trim());
    expect(revoked.status, revoked.stderr).toBe(0);
  }, 240_000);

  afterAll(async () => {
    audit?.destroy();
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('passes once the audit consumer has caught up: every change has its one event', async () => {
    const ends = Date.now() + CATCH_UP_MS;
    let { result, report } = await verify();
    while (result.status !== 0 && Date.now() < ends) {
      await sleep(250);
      ({ result, report } = await verify());
    }
    expect(result.status, result.stderr).toBe(0);
    expect(report).toMatchObject({ tokens: 4, audit_missing: 0, audit_duplicates: 0, findings: [] });
    expect(report.events).toBeGreaterThanOrEqual(8);
    const human = await cli('audit', 'verify');
    expect(human.stdout).toMatch(/^Missing\s+0$/m);
    expect(human.stdout).toMatch(/^Duplicates\s+0$/m);
  }, 60_000);

  it('fails, naming the token and the event, when an audit event is deleted', async () => {
    const items = await auditItems();
    const lost = items.find((item) => item[AUDIT_ATTRIBUTES.type] === 'token.revoked');
    if (!lost) throw new Error('No token.revoked event to delete');
    await audit?.send(
      new DeleteCommand({
        TableName: LOCAL_AUDIT_TABLE,
        Key: { [AUDIT_ATTRIBUTES.id]: lost[AUDIT_ATTRIBUTES.id] },
      }),
    );
    try {
      const { result, report } = await verify();
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/1 change\(s\) without their event, 0 recorded twice/);
      expect(report).toMatchObject({
        audit_missing: 1,
        audit_duplicates: 0,
        findings: [{ token_id: lost[AUDIT_ATTRIBUTES.token_id], problem: 'missing', type: 'token.revoked' }],
      });
      const human = await cli('audit', 'verify');
      expect(human.status).toBe(1);
      expect(human.stdout).toMatch(/^Missing\s+1$/m);
      expect(human.stdout).toContain(String(lost[AUDIT_ATTRIBUTES.token_id]));
    } finally {
      await audit?.send(new PutCommand({ TableName: LOCAL_AUDIT_TABLE, Item: lost }));
    }
    expect((await verify()).result.status).toBe(0);
  }, 60_000);

  it('fails when a change is recorded twice, under another event id', async () => {
    const items = await auditItems();
    const original = items.find((item) => item[AUDIT_ATTRIBUTES.type] === 'token.updated');
    if (!original) throw new Error('No token.updated event to repeat');
    const copy = {
      ...original,
      [AUDIT_ATTRIBUTES.id]: `${original[AUDIT_ATTRIBUTES.id]}-again`,
      [AUDIT_ATTRIBUTES.time_sk]: `${original[AUDIT_ATTRIBUTES.time_sk]}-again`,
    };
    await audit?.send(new PutCommand({ TableName: LOCAL_AUDIT_TABLE, Item: copy }));
    const { result, report } = await verify();
    expect(result.status).toBe(1);
    expect(report).toMatchObject({
      audit_missing: 0,
      audit_duplicates: 1,
      findings: [
        { problem: 'duplicate', type: 'token.updated', token_id: original[AUDIT_ATTRIBUTES.token_id] },
      ],
    });
  }, 60_000);
});
