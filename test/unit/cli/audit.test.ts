import { describe, expect, it } from 'vitest';
import { lines, runCli } from './fixtures';

const ENV = { TOKENGATE_ENDPOINT: 'https://api.example.com/prod', TOKENGATE_TOKEN: 'tg_admin' };
const TOKEN_ID = 'AAAAAAAAAAAAAAA1';

const created = {
  id: 'e1',
  time: '2026-02-01T10:00:00.000Z',
  type: 'token.created',
  token_id: TOKEN_ID,
  actor: { type: 'token', id: 'ADMINADMINADMIN1' },
  details: { kind: 'user', description: 'CI downloads', scopes: [] },
};
const updated = {
  id: 'e2',
  time: '2026-02-02T11:30:15.000Z',
  type: 'token.updated',
  token_id: TOKEN_ID,
  actor: { type: 'iam', id: 'arn:aws:iam::123456789012:role/ops' },
  details: { changes: { user_email: { old: null, new: 'owner@example.com' } } },
};

describe('tokengate audit', () => {
  it('lists every page of the trail, newest first, as a table of who did what', async () => {
    const result = await runCli(['audit'], {
      env: ENV,
      api: ({ url }) =>
        url.searchParams.get('cursor') === 'page2'
          ? { body: { events: [created], next_cursor: null } }
          : { body: { events: [updated], next_cursor: 'page2' } },
    });

    expect(result.status, result.stderr).toBe(0);
    expect(result.sent.map(({ method, url }) => `${method} ${url.pathname}`)).toEqual([
      'GET /prod/v1/audit',
      'GET /prod/v1/audit',
    ]);
    expect(result.sent[0]?.authorization).toBe('Bearer tg_admin');
    const [header, first, second] = lines(result.stdout);
    expect(header).toMatch(/^TIME \(UTC\)\s+EVENT\s+TOKEN\s+BY\s+DETAILS$/);
    expect(first).toMatch(
      /^2026-02-02 11:30:15\s+token\.updated\s+AAAAAAAAAAAAAAA1\s+iam:arn:aws:iam::123456789012:role\/ops\s+user_email: - -> owner@example\.com$/,
    );
    expect(second).toMatch(
      /^2026-02-01 10:00:00\s+token\.created\s+AAAAAAAAAAAAAAA1\s+token:ADMINADMINADMIN1\s+CI downloads$/,
    );
  });

  it("shows a rotation's link: rotated to the successor, and the successor's creation rotated from the old token", async () => {
    const rotated = {
      ...updated,
      id: 'e3',
      type: 'token.rotated',
      details: {
        description: 'CI downloads',
        rotated_to: 'BBBBBBBBBBBBBBB2',
        expires_at: '2026-02-02T12:30:15.000Z',
      },
    };
    const successor = {
      ...created,
      id: 'e4',
      token_id: 'BBBBBBBBBBBBBBB2',
      details: { ...created.details, rotated_from: TOKEN_ID },
    };
    const result = await runCli(['audit'], {
      env: ENV,
      api: () => ({ body: { events: [rotated, successor], next_cursor: null } }),
    });

    const [, first, second] = lines(result.stdout);
    expect(first).toMatch(/\s+token\.rotated\s+AAAAAAAAAAAAAAA1\s+\S+\s+rotated to BBBBBBBBBBBBBBB2$/);
    expect(second).toMatch(
      /\s+token\.created\s+BBBBBBBBBBBBBBB2\s+\S+\s+CI downloads \(rotated from AAAAAAAAAAAAAAA1\)$/,
    );
  });

  it('--guid asks for the events of one token only; -o json prints the events as the API sent them', async () => {
    const result = await runCli(['audit', '--guid', TOKEN_ID, '-o', 'json'], {
      env: ENV,
      api: () => ({ body: { events: [updated, created], next_cursor: null } }),
    });

    expect(result.status, result.stderr).toBe(0);
    expect(result.sent[0]?.url.searchParams.get('token_id')).toBe(TOKEN_ID);
    expect(JSON.parse(result.stdout)).toEqual([updated, created]);
  });

  it('says so on stderr when there is nothing, and fails with one line when the API refuses', async () => {
    const empty = await runCli(['audit'], {
      env: ENV,
      api: () => ({ body: { events: [], next_cursor: null } }),
    });
    expect(empty).toMatchObject({ status: 0, stdout: '', stderr: 'No audit events.\n' });

    const refused = await runCli(['audit', '--guid', 'nope'], {
      env: ENV,
      api: () => ({
        status: 400,
        body: {
          error: { code: 'invalid_request', message: 'token_id: must be a token id', field: 'token_id' },
        },
      }),
    });
    expect(refused.status).not.toBe(0);
    expect(lines(refused.stderr)).toHaveLength(1);
    expect(refused.stderr).toContain('(--guid)');
  });
});

describe('tokengate audit filters', () => {
  const empty = () => ({ body: { events: [], next_cursor: null } });

  it('--since, --until, --type and --actor go to the API as its query names them, on every page', async () => {
    const result = await runCli(
      [
        'audit',
        '--since',
        '2026-02-01',
        '--until',
        '2026-02-08T00:00:00Z',
        '--type',
        'token.revoked',
        '--actor',
        'token:ADMINADMINADMIN1',
      ],
      {
        env: ENV,
        api: ({ url }) =>
          url.searchParams.get('cursor') === 'p2'
            ? { body: { events: [], next_cursor: null } }
            : { body: { events: [], next_cursor: 'p2' } },
      },
    );
    expect(result.status, result.stderr).toBe(0);
    for (const request of result.sent) {
      expect(Object.fromEntries(request.url.searchParams)).toMatchObject({
        since: '2026-02-01',
        until: '2026-02-08T00:00:00Z',
        type: 'token.revoked',
        actor: 'token:ADMINADMINADMIN1',
      });
    }
    expect(result.sent).toHaveLength(2);
  });

  it('a time ago (7d, 12h, 30m) is that instant before now', async () => {
    const result = await runCli(['audit', '--since', '7d', '--until', '30m'], {
      env: ENV,
      api: empty,
      now: new Date('2026-03-01T12:00:00.000Z'),
    });
    expect(result.sent[0]?.url.searchParams.get('since')).toBe('2026-02-22T12:00:00.000Z');
    expect(result.sent[0]?.url.searchParams.get('until')).toBe('2026-03-01T11:30:00.000Z');
  });

  it.each([
    [['--since', 'yesterday'], /^tokengate: --since must be a date \(2026-12-01\)/],
    [['--until', '5y'], /^tokengate: --until must be/],
    [['--type', 'token.eaten'], /^tokengate: option '--type <type>' argument 'token.eaten' is invalid/],
  ])('%j: one line, exit status 2, no request', async (flags, message) => {
    const result = await runCli(['audit', ...flags], { env: ENV, api: empty });
    expect(result.status).toBe(2);
    expect(result.sent).toHaveLength(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it("the API's refusal of a filter names its option", async () => {
    const result = await runCli(['audit', '--actor', 'nobody'], {
      env: ENV,
      api: () => ({
        status: 400,
        body: { error: { code: 'invalid_request', message: 'actor: must be token:<id>', field: 'actor' } },
      }),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('field actor (--actor)');
  });
});
