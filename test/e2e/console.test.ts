// The web console in Debian's Chromium, against a real local stack: the same
// gateway, authorizer, handlers and DynamoDB Local as `npm start`. The tests run in order and share
// the stack, the browser and the tokens they make. Screenshots at a laptop's and a phone's size go
// to reports/console/ (git-ignored) for a person to look at.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleCsp } from '#spec/console';
import { axeViolations, chromiumInstalled, launchChromium } from '#test-support/browser';
import { LocalStack, REPOSITORY_ROOT, tokengate } from '#test-support/processes';

const SHOTS = join(REPOSITORY_ROOT, 'reports/console');
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
const STEP = 90_000;

describe.skipIf(!chromiumInstalled() && !process.env.CI)('the web console in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-console-'));
  let stack: LocalStack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let admin = '';
  let created = '';
  /** Tokens for the refused sign-ins. */
  const refused = { reader: '', revoked: '', expired: '' };
  const cspViolations: string[] = [];

  /** The status of a GET of `path` sent exactly as written (fetch would resolve its dot segments). */
  function rawStatus(path: string): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      httpRequest(`${stack.url}/`, { path }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on('error', reject)
        .end();
    });
  }

  async function api(method: string, path: string, body?: unknown, token = admin) {
    const response = await fetch(`${stack.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function make(body: Record<string, unknown>): Promise<{ id: string; token: string }> {
    const answer = await api('POST', '/v1/tokens', body);
    expect(answer.status).toBe(201);
    return { id: answer.body.id as string, token: answer.body.token as string };
  }

  async function newPage(viewport: { width: number; height: number }): Promise<Page> {
    const opened = await context.newPage();
    await opened.setViewportSize(viewport);
    opened.on('console', (message) => {
      if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
    });
    return opened;
  }

  async function shot(target: Page, name: string) {
    await target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
  }

  async function seriousViolations(target: Page) {
    return (await axeViolations(target))
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((node) => node.target.join(' ')).join(', ')}`)
      .join('\n');
  }

  async function signIn(target: Page, token: string) {
    await target.getByLabel('Admin token').fill(token);
    await target.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** The token names the table shows, in order. */
  function names(target: Page = page) {
    return target.locator('tbody .token-name').allInnerTexts();
  }

  function row(name: string, target: Page = page) {
    return target.getByRole('row').filter({ has: target.getByRole('button', { name, exact: true }) });
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir, TOKENGATE_AUTHORIZER_CACHE_TTL: '0' });
    const bootstrap = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    expect(bootstrap.status, bootstrap.stderr).toBe(0);
    admin = bootstrap.stdout.trim();

    refused.reader = (
      await make({ description: 'reader', scopes: [{ scope: 'repos:read', resources: ['*'] }] })
    ).token;
    const revoked = await make({ description: 'former admin', scopes: [{ scope: 'global:admin' }] });
    await api('POST', `/v1/tokens/${revoked.id}/revoke`);
    refused.revoked = revoked.token;
    const expiring = await make({
      description: 'expiring admin',
      scopes: [{ scope: 'global:admin' }],
      expires_at: new Date(Date.now() + 3_000).toISOString(),
    });
    refused.expired = expiring.token;
    // Created in this order, so that newest-first and name order differ.
    await make({
      description: 'sort-b nightly build',
      user_email: 'ci@example.com',
      scopes: [{ scope: 'blocklist:read' }],
    });
    await make({
      description: 'sort-c docs deploy',
      scopes: [{ scope: 'metadata:admin' }],
      expires_in_days: 30,
    });
    await make({
      description: 'sort-a mirror sync',
      scopes: [{ scope: 'sources:write', resources: ['internal'] }],
    });
    const old = await make({ description: 'old pipeline', scopes: [{ scope: 'nameservice:read' }] });
    await api('POST', `/v1/tokens/${old.id}/revoke`);
    await sleep(Math.max(0, 3_500)); // the expiring admin token has expired by now

    browser = await launchChromium();
    context = await browser.newContext({ viewport: LAPTOP, locale: 'en-US', timezoneId: 'UTC' });
    page = await newPage(LAPTOP);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it('is served at / with its security headers, and crafted paths still get 400', async () => {
    const response = await fetch(`${stack.url}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // The console may also reach the development issuer that /config.json names, and nothing else.
    const config = (await (await fetch(`${stack.url}/config.json`)).json()) as { oidc_issuer: string };
    expect(response.headers.get('content-security-policy')).toBe(
      consoleCsp(new URL(config.oidc_issuer).origin),
    );
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    // React's production build, even though this run's NODE_ENV is `test` (which Vite would follow).
    const script = /<script[^>]*\bsrc="([^"]+)"/.exec(html)?.[1] ?? '';
    const js = await (await fetch(`${stack.url}${script}`)).text();
    expect(js).toContain('Minified React error');
    for (const crafted of [
      '/assets/..%2findex.html',
      '/%2e%2e/package.json',
      '/assets/%2E%2e/index.html',
      '/..',
    ]) {
      expect(await rawStatus(crafted), crafted).toBe(400);
    }
    // The API's routes come first.
    const openapi = await fetch(`${stack.url}/openapi.json`);
    expect(openapi.headers.get('content-type')).toContain('application/json');
    expect((await fetch(`${stack.url}/v1/tokens`)).status).toBe(401);
    for (const missing of ['/package.json', '/web/src/App.tsx', '/index.html/', '/assets/']) {
      expect((await fetch(`${stack.url}${missing}`)).status, missing).toBe(404);
    }
  });

  it(
    'refuses a malformed, a non-admin, a revoked and an expired token, each with its reason',
    async () => {
      await page.goto(stack.url);
      await expect.poll(() => page.getByLabel('Admin token').isVisible()).toBe(true);
      await shot(page, 'laptop-sign-in');
      expect(await seriousViolations(page)).toBe('');

      const cases: [string, RegExp][] = [
        ['tg_not-a-token', /not a tokengate token/],
        [`${admin.slice(0, -1)}${admin.endsWith('A') ? 'B' : 'A'}`, /not a tokengate token/], // bad checksum
        [refused.reader, /not an admin token/],
        [refused.revoked, /revoked/],
        [refused.expired, /expired/],
      ];
      for (const [token, reason] of cases) {
        await signIn(page, token);
        await expect.poll(() => page.getByRole('alert').innerText()).toMatch(reason);
        expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      }
      await shot(page, 'laptop-sign-in-refused');
      expect(await seriousViolations(page)).toBe('');
    },
    STEP,
  );

  it(
    'signs in with an admin token and lists the tokens, active ones first',
    async () => {
      await signIn(page, admin);
      await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      await expect.poll(() => names()).toContain('sort-a mirror sync');
      const statuses = await page.locator('tbody .status').allInnerTexts();
      const firstInactive = statuses.findIndex((status) => status !== 'Active');
      expect(firstInactive).toBeGreaterThan(0);
      expect(statuses.slice(firstInactive)).not.toContain('Active');
      await expect.poll(() => row('expiring admin').locator('.status').innerText()).toBe('Expired');
      await expect.poll(() => row('old pipeline').locator('.status').innerText()).toBe('Revoked');
      expect(await row('sort-b nightly build').innerText()).toContain('Never expires');
      await shot(page, 'laptop-list');
      expect(await seriousViolations(page)).toBe('');
    },
    STEP,
  );

  it(
    'shows an API field error at its field in the Create Token dialog',
    async () => {
      await page.getByRole('button', { name: 'Create Token' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create Token' });
      await expect.poll(() => dialog.isVisible()).toBe(true);
      await dialog.getByLabel('Token Description').fill('bad email');
      expect(await dialog.getByText('9 / 500 characters').isVisible()).toBe(true);
      await dialog.getByLabel('User Email').fill('someone@nowhere');
      await dialog.getByRole('button', { name: 'Create Token' }).click();
      const email = dialog.getByLabel('User Email');
      await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
      const describedBy = (await email.getAttribute('aria-describedby')) ?? '';
      const messages = await Promise.all(
        describedBy.split(' ').map((id) => page.locator(`[id="${id}"]`).innerText()),
      );
      expect(messages.join(' ')).toMatch(/user_email.*valid email/);
      await shot(page, 'laptop-create-field-error');
      expect(await seriousViolations(page)).toBe('');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => dialog.count()).toBe(0);
    },
    STEP,
  );

  it(
    'creates a token, shows it once, and the token works on a protected route',
    async () => {
      await page.getByRole('button', { name: 'Create Token' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create Token' });
      await dialog.getByLabel('User Email').fill('builder@example.com');
      await dialog.getByLabel('Token Description').fill('console-made reader');
      // The default catalogue's types, from GET /v1/scopes; the Connect service scopes are not offered.
      expect(await dialog.getByLabel('Resource Type').locator('option').allInnerTexts()).toEqual([
        'All Resources',
        'Repositories',
        'Sources',
        'Blocklist Rules',
        'Metadata',
      ]);
      expect(await dialog.getByLabel('Resource Type').inputValue()).toBe('Repositories');
      await dialog.getByLabel('Resource Type').selectOption('Blocklist Rules');
      expect(await dialog.getByLabel('Access Level').locator('option').allInnerTexts()).toEqual([
        'Read',
        'Admin',
      ]);
      await dialog.getByLabel('Resource Type').selectOption('Sources');
      expect(await dialog.getByLabel('Access Level').locator('option').allInnerTexts()).toEqual([
        'Write',
        'Admin',
      ]);
      await dialog.getByLabel('Resource Type').selectOption('Repositories');
      expect(await dialog.getByLabel('Access Level').locator('option').allInnerTexts()).toEqual(['Read']);
      await dialog.getByRole('radio', { name: 'Specific Resources' }).check();
      await dialog.getByLabel('Resources', { exact: true }).fill('cran, bioc');
      expect(await dialog.getByLabel('Days', { exact: true }).inputValue()).toBe('90');
      await dialog.getByRole('radio', { name: 'Expires on date' }).check();
      await dialog.getByLabel('Date', { exact: true }).fill('2031-01-31');
      await shot(page, 'laptop-create');
      expect(await seriousViolations(page)).toBe('');
      await dialog.getByRole('button', { name: 'Create Token' }).click();

      const shown = page.getByRole('dialog', { name: 'Token created' });
      // The create request may take seconds on a busy machine (other stacks' tests run beside this one).
      await expect.poll(() => shown.isVisible(), { timeout: 15_000 }).toBe(true);
      created = await shown.getByLabel('New token').inputValue();
      expect(created).toMatch(/^tg_[0-9A-Za-z]{65}$/);
      expect(await shown.innerText()).toMatch(/will not be shown again/);
      expect(await shown.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
      await shot(page, 'laptop-token-shown');
      expect(await seriousViolations(page)).toBe('');
      await shown.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => shown.count()).toBe(0);
      expect(await page.content()).not.toContain(created);

      const allowed = await api('GET', '/repos/cran/src/contrib/PACKAGES', undefined, created);
      expect(allowed.status).toBe(200);
      expect(allowed.body.scopes).toEqual([{ scope: 'repos:read', resources: ['cran', 'bioc'] }]);
      expect((await api('GET', '/repos/other/x', undefined, created)).status).toBe(403);
      await expect.poll(() => names()).toContain('console-made reader');
      expect(await row('console-made reader').innerText()).toContain('Jan 31, 2031');
    },
    STEP,
  );

  it(
    'searches as you type',
    async () => {
      await page.getByPlaceholder('Search tokens').fill('SORT-');
      await expect
        .poll(() => names())
        .toEqual(['sort-a mirror sync', 'sort-c docs deploy', 'sort-b nightly build']);
      await page.getByPlaceholder('Search tokens').fill('ci@example');
      await expect.poll(() => names()).toEqual(['sort-b nightly build']);
    },
    STEP,
  );

  it(
    'sorts newest first, oldest first, by name A-Z and Z-A',
    async () => {
      await page.getByPlaceholder('Search tokens').fill('sort-');
      const sortBy = page.getByLabel('Sort By');
      const orders: [string, string[]][] = [
        ['Oldest First', ['sort-b nightly build', 'sort-c docs deploy', 'sort-a mirror sync']],
        ['Name (A-Z)', ['sort-a mirror sync', 'sort-b nightly build', 'sort-c docs deploy']],
        ['Name (Z-A)', ['sort-c docs deploy', 'sort-b nightly build', 'sort-a mirror sync']],
        ['Newest First', ['sort-a mirror sync', 'sort-c docs deploy', 'sort-b nightly build']],
      ];
      for (const [label, expected] of orders) {
        await sortBy.selectOption({ label });
        await expect.poll(() => names()).toEqual(expected);
      }
    },
    STEP,
  );

  it(
    'filters by status and by expiration, and Clear filters shows everything again',
    async () => {
      await page.getByPlaceholder('Search tokens').fill('');
      const status = page.getByLabel('Status', { exact: true });
      const expiration = page.getByLabel('Expiration', { exact: true });
      const statuses = () => page.locator('tbody .status').allInnerTexts();

      await status.selectOption({ label: 'Revoked' });
      await expect.poll(() => names()).toEqual(['old pipeline', 'former admin']);
      await status.selectOption({ label: 'Expired' });
      await expect.poll(() => names()).toEqual(['expiring admin']);
      await status.selectOption({ label: 'Active' });
      await expect.poll(() => names()).toContain('sort-a mirror sync');
      expect(new Set(await statuses())).toEqual(new Set(['Active']));
      await status.selectOption({ label: 'All Statuses' });

      await expiration.selectOption({ label: 'Has Expiration' });
      await expect.poll(() => names()).toEqual(['console-made reader', 'sort-c docs deploy']);
      await expiration.selectOption({ label: 'Expired' });
      await expect.poll(() => names()).toEqual(['expiring admin']);
      await expiration.selectOption({ label: 'Never Expires' });
      await expect.poll(() => names()).toContain('sort-b nightly build');
      expect(await names()).not.toContain('sort-c docs deploy');
      expect(await names()).not.toContain('expiring admin');

      await page.getByPlaceholder('Search tokens').fill('sort');
      await page.getByLabel('Sort By').selectOption({ label: 'Name (Z-A)' });
      await expect.poll(() => names()).toEqual(['sort-b nightly build', 'sort-a mirror sync']);
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expect.poll(() => names()).toHaveLength(9);
      expect(await page.getByPlaceholder('Search tokens').inputValue()).toBe('');
      expect(await status.inputValue()).toBe('');
      expect(await expiration.inputValue()).toBe('');
      expect(await page.getByLabel('Sort By').inputValue()).toBe('newest');
    },
    STEP,
  );

  it(
    'keeps the column choice across a reload',
    async () => {
      await page.getByRole('button', { name: 'Column Config' }).click();
      for (const label of [
        'Token Name',
        'Token ID',
        'Status',
        'Scope',
        'Created Date',
        'Expiration Date',
        'Last Used',
        'Created For (User)',
      ]) {
        expect(await page.getByRole('checkbox', { name: label }).count(), label).toBe(1);
      }
      await page.getByRole('checkbox', { name: 'Token ID' }).check();
      await page.getByRole('checkbox', { name: 'Created For (User)' }).uncheck();
      await shot(page, 'laptop-column-config');
      expect(await seriousViolations(page)).toBe('');
      await page.keyboard.press('Escape');
      const headers = () => page.getByRole('columnheader').allInnerTexts();
      await expect.poll(headers).toContain('TOKEN ID');
      expect(await headers()).not.toContain('CREATED FOR (USER)');

      await page.reload();
      await expect.poll(() => names()).toContain('sort-a mirror sync');
      expect(await headers()).toContain('TOKEN ID');
      expect(await headers()).not.toContain('CREATED FOR (USER)');
    },
    STEP,
  );

  it(
    'shows Last Used, filters by Usage, and charts a token’s requests of the last 30 days',
    async () => {
      const used = await make({
        description: 'usage probe',
        scopes: [{ scope: 'repos:read', resources: ['cran'] }],
      });
      await make({ description: 'usage idle', scopes: [{ scope: 'repos:read', resources: ['cran'] }] });
      expect((await api('GET', '/repos/cran/a', undefined, used.token)).status).toBe(200);
      expect((await api('GET', '/repos/cran/b', undefined, used.token)).status).toBe(200);
      expect((await api('GET', '/repos/other/c', undefined, used.token)).status).toBe(403);
      // The local usage poller counts the access log every 10 seconds.
      await expect
        .poll(async () => (await api('GET', `/v1/tokens/${used.id}/usage?days=30`)).body.requests, {
          timeout: 30_000,
          interval: 1_000,
        })
        .toBe(3);

      await page.reload();
      await page.getByPlaceholder('Search tokens').fill('usage ');
      await expect.poll(() => names()).toEqual(['usage idle', 'usage probe']);
      expect(await page.getByRole('columnheader').allInnerTexts()).toContain('LAST USED');
      const today = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date(),
      );
      expect(await row('usage probe').locator('td.col-lastUsed').innerText()).toBe(today);
      expect(await row('usage idle').locator('td.col-lastUsed').innerText()).toBe('Never');

      const usage = page.getByLabel('Usage', { exact: true });
      expect(await usage.locator('option').allInnerTexts()).toEqual([
        'Any',
        'Unused 30 days',
        'Unused 90 days',
      ]);
      await usage.selectOption({ label: 'Unused 30 days' });
      await expect.poll(() => names()).toEqual(['usage idle']);
      await usage.selectOption({ label: 'Unused 90 days' });
      await expect.poll(() => names()).toEqual(['usage idle']);
      await shot(page, 'laptop-usage-filter');
      expect(await seriousViolations(page)).toBe('');
      await usage.selectOption({ label: 'Any' });
      await expect.poll(() => names()).toEqual(['usage idle', 'usage probe']);
      await usage.selectOption({ label: 'Unused 30 days' });
      await page.getByRole('button', { name: 'Clear filters' }).click();
      expect(await usage.inputValue()).toBe('');
      await page.getByPlaceholder('Search tokens').fill('usage ');
      await expect.poll(() => names()).toEqual(['usage idle', 'usage probe']);

      await page.getByRole('button', { name: 'usage probe', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'usage probe' });
      const chart = details.getByRole('img', { name: 'Requests, last 30 days: 3 requests, 1 denied' });
      await expect.poll(() => chart.count(), { timeout: 15_000 }).toBe(1);
      expect(await details.getByRole('heading', { name: 'Requests, last 30 days' }).count()).toBe(1);
      expect(await chart.locator('.usage-day').count()).toBe(30);
      expect(await details.locator('.usage-total').innerText()).toBe('3 requests, 1 denied');
      await shot(page, 'laptop-details-requests');
      expect(await seriousViolations(page)).toBe('');
      await page.keyboard.press('Escape');
      await expect.poll(() => details.count()).toBe(0);
      await page.getByPlaceholder('Search tokens').fill('');
    },
    STEP,
  );

  it(
    'opens a row’s details: id, description, scopes, creator, expiry and audit history',
    async () => {
      await page.getByRole('button', { name: 'sort-a mirror sync', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'sort-a mirror sync' });
      await expect.poll(() => details.isVisible()).toBe(true);
      const text = () => details.innerText();
      await expect.poll(text).toMatch(/Token ID\s+[0-9A-Za-z]{16}/);
      expect(await text()).toContain('sources:write');
      expect(await text()).toContain('internal');
      expect(await text()).toMatch(/Created By\s+Bootstrap admin token/);
      expect(await text()).toContain('Never used');
      expect(await text()).toMatch(/Expires\s+Never expires/);
      await expect
        .poll(() => details.locator('.timeline').innerText(), { timeout: 15_000 })
        .toMatch(/Created/);
      // The creating token by its name, as Created By says it, its id on hover.
      expect(await details.locator('.timeline').innerText()).toMatch(/by Bootstrap admin token/);
      await shot(page, 'laptop-details');
      expect(await seriousViolations(page)).toBe('');
      await page.keyboard.press('Escape');
      await expect.poll(() => details.count()).toBe(0);
    },
    STEP,
  );

  it(
    'revokes from the row after a confirmation that says it is permanent',
    async () => {
      await row('sort-b nightly build').getByRole('button', { name: 'Revoke' }).click();
      const confirm = page.getByRole('dialog', { name: 'Revoke this token?' });
      await expect.poll(() => confirm.isVisible()).toBe(true);
      expect(await confirm.innerText()).toMatch(/permanent/);
      await shot(page, 'laptop-revoke-confirm');
      expect(await seriousViolations(page)).toBe('');
      await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
      await expect.poll(() => row('sort-b nightly build').locator('.status').innerText()).toBe('Revoked');
      expect(await confirm.count()).toBe(0);
    },
    STEP,
  );

  it(
    'revokes from the details with Revoke Token',
    async () => {
      await page.getByRole('button', { name: 'sort-c docs deploy', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'sort-c docs deploy' });
      await details.getByRole('button', { name: 'Revoke Token' }).click();
      const confirm = page.getByRole('dialog', { name: 'Revoke this token?' });
      await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
      await expect.poll(() => details.locator('.details-status .status').innerText()).toBe('Revoked');
      expect(await details.getByRole('button', { name: 'Revoke Token' }).count()).toBe(0);
      await page.keyboard.press('Escape');
      await expect.poll(() => row('sort-c docs deploy').locator('.status').innerText()).toBe('Revoked');
    },
    STEP,
  );

  it('keeps no token in localStorage or a cookie', async () => {
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(stored).not.toContain('tg_');
    expect(stored).not.toContain(admin);
    expect(stored).not.toContain(created);
    const cookies = JSON.stringify(await context.cookies());
    expect(cookies).not.toContain('tg_');
    const session = await page.evaluate(() => JSON.stringify({ ...sessionStorage }));
    expect(session).not.toContain(created);
  });

  it(
    'reads well on a phone: the list as cards, the dialogs full width, every screen and dialog accessible',
    async () => {
      const phone = await newPage(PHONE);
      await phone.goto(stack.url); // a new tab starts signed out
      await expect.poll(() => phone.getByLabel('Admin token').isVisible()).toBe(true);
      await signIn(phone, 'tg_not-a-token');
      await expect.poll(() => phone.getByRole('alert').innerText()).toMatch(/not a tokengate token/);
      await shot(phone, 'phone-sign-in-refused');
      expect(await seriousViolations(phone)).toBe('');
      await signIn(phone, admin);
      await expect.poll(() => names(phone)).toContain('sort-a mirror sync');
      await shot(phone, 'phone-list');
      expect(await seriousViolations(phone)).toBe('');
      const width = await phone.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(PHONE.width);

      await phone.getByRole('button', { name: 'Create Token' }).click();
      const create = phone.getByRole('dialog', { name: 'Create Token' });
      await expect.poll(() => create.getByLabel('Resource Type').isVisible()).toBe(true);
      await shot(phone, 'phone-create');
      expect(await seriousViolations(phone)).toBe('');
      await create.getByRole('button', { name: 'Create Token' }).click(); // no description yet
      await expect
        .poll(() => create.getByLabel('Token Description').getAttribute('aria-invalid'))
        .toBe('true');
      await shot(phone, 'phone-create-field-error');
      expect(await seriousViolations(phone)).toBe('');
      await create.getByLabel('Token Description').fill('phone-made token');
      await create.getByRole('button', { name: 'Create Token' }).click();
      const created = phone.getByRole('dialog', { name: 'Token created' });
      await expect.poll(() => created.isVisible(), { timeout: 15_000 }).toBe(true);
      await shot(phone, 'phone-token-shown');
      expect(await seriousViolations(phone)).toBe('');
      await created.getByRole('button', { name: 'Done' }).click();

      await phone.getByPlaceholder('Search tokens').fill('phone-made');
      await expect.poll(() => names(phone)).toEqual(['phone-made token']);
      await phone.getByRole('button', { name: 'phone-made token', exact: true }).click();
      const details = phone.getByRole('dialog', { name: 'phone-made token' });
      await expect.poll(() => details.locator('.timeline').count(), { timeout: 15_000 }).toBe(1);
      await shot(phone, 'phone-details');
      expect(await seriousViolations(phone)).toBe('');
      await details.getByRole('button', { name: 'Edit Description' }).click();
      await shot(phone, 'phone-edit-description');
      expect(await seriousViolations(phone)).toBe('');
      await details.getByRole('button', { name: 'Cancel' }).click();

      await details.getByRole('button', { name: 'Revoke Token' }).click();
      const confirm = phone.getByRole('dialog', { name: 'Revoke this token?' });
      await expect.poll(() => confirm.isVisible()).toBe(true);
      await shot(phone, 'phone-revoke-confirm');
      expect(await seriousViolations(phone)).toBe('');
      await confirm.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => confirm.count()).toBe(0);

      await details.getByRole('button', { name: 'Rotate Token' }).click();
      const rotate = phone.getByRole('dialog', { name: 'Rotate Token' });
      await rotate.getByRole('radio', { name: 'Expires in days' }).check();
      await shot(phone, 'phone-rotate');
      expect(await seriousViolations(phone)).toBe('');
      await rotate.getByRole('button', { name: 'Rotate', exact: true }).click();
      const rotated = phone.getByRole('dialog', { name: 'Token rotated' });
      await expect.poll(() => rotated.isVisible(), { timeout: 15_000 }).toBe(true);
      await shot(phone, 'phone-rotated');
      expect(await seriousViolations(phone)).toBe('');
      await rotated.getByRole('button', { name: 'Done' }).click();
      await phone.close();
    },
    STEP,
  );

  it(
    'opens and closes the dialogs from the keyboard, focus kept inside and given back',
    async () => {
      const create = page.getByRole('button', { name: 'Create Token' });
      await create.focus();
      await page.keyboard.press('Enter');
      const dialog = page.getByRole('dialog', { name: 'Create Token' });
      await expect.poll(() => dialog.isVisible()).toBe(true);
      for (let i = 0; i < 25; i++) {
        await page.keyboard.press('Tab');
        expect(
          await page.evaluate(() => Boolean(document.activeElement?.closest('dialog'))),
          `tab ${i}`,
        ).toBe(true);
      }
      await page.keyboard.press('Escape');
      await expect.poll(() => dialog.count()).toBe(0);
      expect(await page.evaluate(() => document.activeElement?.textContent)).toContain('Create Token');
    },
    STEP,
  );

  it(
    'loads more rows over the API’s cursor as the list scrolls',
    async () => {
      const bulk = Array.from({ length: 60 }, (_, i) => `bulk ${String(i).padStart(2, '0')}`);
      for (let i = 0; i < bulk.length; i += 10) {
        await Promise.all(
          bulk
            .slice(i, i + 10)
            .map((description) => make({ description, scopes: [{ scope: 'blocklist:read' }] })),
        );
      }
      await page.getByPlaceholder('Search tokens').fill('bulk');
      // Seconds, on a busy machine, while the stack still takes in the 60 tokens' audit events.
      await expect.poll(() => names(), { timeout: 15_000 }).toHaveLength(50);
      expect(await page.getByText('50 tokens shown, more below').isVisible()).toBe(true);
      await page.locator('.list-footer').scrollIntoViewIfNeeded();
      await expect.poll(() => names()).toHaveLength(60);
      expect(new Set(await names())).toEqual(new Set(bulk));
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expect.poll(() => names()).toHaveLength(50);
    },
    STEP,
  );

  it(
    'links a rotated token and its successor both ways in their details, with the rotation in the history',
    async () => {
      const old = await make({ description: 'rotating deploy key', scopes: [{ scope: 'blocklist:read' }] });
      const rotated = await api('POST', `/v1/tokens/${old.id}/rotate`, { grace_seconds: 600 });
      expect(rotated.status).toBe(201);
      const successor = rotated.body as { id: string };
      await page.reload();
      // Seconds, on a busy machine, as the stack still takes in the bulk tokens' audit events.
      await expect.poll(() => names(), { timeout: 15_000 }).toContain('rotating deploy key');

      await page.getByRole('button', { name: 'rotating deploy key', exact: true }).first().click();
      const details = page.getByRole('dialog', { name: 'rotating deploy key' });
      await expect.poll(() => details.innerText()).toMatch(new RegExp(`Rotated from\\s+${old.id}`));
      expect(await details.innerText()).toContain(successor.id);

      await details.getByRole('button', { name: old.id }).click();
      await expect.poll(() => details.innerText()).toMatch(new RegExp(`Rotated to\\s+${successor.id}`));
      await expect
        .poll(() => details.locator('.timeline').innerText(), { timeout: 15_000 })
        .toMatch(/Rotated/);
      await page.keyboard.press('Escape');
      await expect.poll(() => details.count()).toBe(0);
    },
    STEP,
  );

  it(
    'labels scopes from the catalogue, and shows a scope the catalogue no longer holds as unknown',
    async () => {
      await page.getByPlaceholder('Search tokens').fill('sort-');
      await expect.poll(() => names()).toContain('sort-c docs deploy');
      expect(await row('sort-a mirror sync').locator('.scope-badge').innerText()).toBe(
        'Sources: Write (internal)',
      );
      // As if the deployment had since removed metadata:admin from its catalogue.
      await page.route('**/v1/scopes', async (route) => {
        const answer = await route.fetch();
        const { scopes } = (await answer.json()) as { scopes: { name: string }[] };
        await route.fulfill({
          response: answer,
          json: { scopes: scopes.filter((scope) => scope.name !== 'metadata:admin') },
        });
      });
      await page.reload();
      await page.getByPlaceholder('Search tokens').fill('sort-');
      const badge = row('sort-c docs deploy').locator('.scope-badge');
      await expect.poll(() => badge.innerText()).toBe('metadata:admin (unknown scope)');
      await page.getByRole('button', { name: 'sort-c docs deploy', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'sort-c docs deploy' });
      await expect.poll(() => details.innerText()).toMatch(/unknown scope\s+metadata:admin/);
      await shot(page, 'laptop-unknown-scope');
      await page.keyboard.press('Escape');
      await page.unroute('**/v1/scopes');
      await page.reload();
      await page.getByPlaceholder('Search tokens').fill('sort-');
      await expect.poll(() => badge.innerText()).toBe('Metadata: Admin');
    },
    STEP,
  );

  it(
    'says in the Create Token dialog that the scope catalogue could not be read, rather than loading forever',
    async () => {
      await page.route('**/v1/scopes', (route) =>
        route.fulfill({
          status: 500,
          json: { error: { code: 'internal', message: 'Internal server error' } },
        }),
      );
      await page.reload();
      await page.getByRole('button', { name: 'Create Token' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create Token' });
      await expect
        .poll(() => dialog.getByRole('alert').innerText())
        .toBe('Could not load the scope catalogue: Internal server error');
      expect(await dialog.getByText('Loading the scopes…').count()).toBe(0);
      await shot(page, 'laptop-create-no-catalogue');
      expect(await seriousViolations(page)).toBe('');
      await page.keyboard.press('Escape');
      await page.unroute('**/v1/scopes');
      await page.reload();
      await expect.poll(() => page.getByRole('button', { name: 'Create Token' }).isVisible()).toBe(true);
    },
    STEP,
  );

  /** Where each box the layout must hold falls, measured in the page. */
  function layout(target: Page) {
    return target.evaluate(() => {
      const wrap = document.querySelector('.table-wrap') as HTMLElement;
      const outside: string[] = [];
      for (const badge of Array.from(
        document.querySelectorAll('tbody .scope-badge, tbody .status, tbody .badge'),
      )) {
        const box = badge.getBoundingClientRect();
        const cell = (badge.closest('td') as HTMLElement).getBoundingClientRect();
        if (box.left < cell.left - 0.5 || box.right > cell.right + 0.5) outside.push(badge.textContent ?? '');
      }
      const revokes = Array.from(document.querySelectorAll('tbody button[aria-label="Revoke"]')).map(
        (button) => button.getBoundingClientRect(),
      );
      return {
        pageWidth: document.documentElement.scrollWidth,
        tableOverflow: wrap.scrollWidth - wrap.clientWidth,
        revokesOutOfView: revokes.filter((box) => box.left < 0 || box.right > window.innerWidth).length,
        revokes: revokes.length,
        outside,
        lastUsed: Array.from(document.querySelectorAll('tbody td.col-lastUsed')).map((cell) => {
          const box = cell.getBoundingClientRect();
          const text = (cell as HTMLElement).innerText;
          return { text, inView: box.left >= 0 && box.right <= window.innerWidth && box.width > 0 };
        }),
      };
    });
  }

  it(
    'holds its layout at 1280 and 390 px with every column and the longest content: no sideways scroll, every Revoke in view, every badge in its cell',
    async () => {
      const longName = `nightly-mirror-synchronisation-job-for-the-internal-package-repositories-${'x'.repeat(60)}`;
      await make({
        description: `layout ${longName}`,
        user_email: `platform-infrastructure-automation-team-members@${'very-long-subdomain.'.repeat(4)}example.com`,
        scopes: [
          { scope: 'repos:read', resources: ['bioconductor', 'cran', 'pypi-internal-mirror', 'conda-forge'] },
          { scope: 'sources:write', resources: ['internal-sources-for-the-data-science-platform-team'] },
          { scope: 'blocklist:admin' },
          { scope: 'metadata:admin' },
          { scope: 'nameservice:read' },
        ],
        expires_in_days: 7,
      });
      await make({
        description: 'layout short',
        user_email: 'a@example.com',
        scopes: [{ scope: 'blocklist:read' }],
      });
      for (const [width, name] of [
        [1280, 'laptop'],
        [390, 'phone'],
      ] as const) {
        const target = await newPage({ width, height: 900 });
        await target.goto(stack.url);
        await signIn(target, admin);
        await expect.poll(async () => (await names(target)).length, { timeout: 15_000 }).toBeGreaterThan(0);
        await target.getByRole('button', { name: 'Column Config' }).click();
        for (const box of await target.locator('.popover input[type="checkbox"]').all()) {
          if (!(await box.isChecked())) await box.check();
        }
        // Every checkbox, and its label, inside the popover's box.
        const popover = await target.locator('.popover').boundingBox();
        expect(popover).not.toBeNull();
        for (const label of await target.locator('.popover label').all()) {
          const box = await label.boundingBox();
          expect(box, await label.innerText()).not.toBeNull();
          if (!box || !popover) continue;
          expect(box.x, await label.innerText()).toBeGreaterThanOrEqual(popover.x);
          expect(box.x + box.width, await label.innerText()).toBeLessThanOrEqual(popover.x + popover.width);
        }
        await shot(target, `${name}-column-config-all`);
        expect(await seriousViolations(target)).toBe('');
        await target.keyboard.press('Escape');
        await target.getByPlaceholder('Search tokens').fill('layout');
        await expect.poll(() => names(target)).toHaveLength(2);
        const measured = await layout(target);
        expect(measured.pageWidth, `${width} px: the page's width`).toBeLessThanOrEqual(width);
        expect(measured.tableOverflow, `${width} px: the table's overflow`).toBeLessThanOrEqual(0);
        expect(measured.revokes).toBe(2);
        expect(measured.revokesOutOfView, `${width} px: Revoke buttons out of view`).toBe(0);
        expect(measured.outside, `${width} px: badges outside their cell`).toEqual([]);
        expect(measured.lastUsed, `${width} px: Last Used cells`).toEqual([
          { text: 'Never', inView: true },
          { text: 'Never', inView: true },
        ]);
        expect(await row(`layout ${longName}`, target).locator('.badge').allInnerTexts()).toEqual([
          'Expiring soon',
        ]);
        expect(await row('layout short', target).locator('.badge').count()).toBe(0);
        await shot(target, `${name}-long-content`);
        expect(await seriousViolations(target)).toBe('');

        // The details' chart, its bars and its total, inside the dialog's card and the window.
        await target.getByRole('button', { name: 'layout short', exact: true }).click();
        const details = target.getByRole('dialog', { name: 'layout short' });
        const chart = details.getByRole('img', { name: 'Requests, last 30 days: 0 requests' });
        await expect.poll(() => chart.count(), { timeout: 15_000 }).toBe(1);
        const card = await details.boundingBox();
        for (const [what, part] of [
          ['bars', chart],
          ['total', details.locator('.usage-total')],
        ] as const) {
          const box = await part.boundingBox();
          expect(box && card, `${width} px: the chart's ${what}`).not.toBeNull();
          if (!box || !card) continue;
          expect(box.width).toBeGreaterThan(0);
          expect(box.x, `${width} px: the chart's ${what}, left`).toBeGreaterThanOrEqual(card.x);
          expect(box.x + box.width, `${width} px: the chart's ${what}, right`).toBeLessThanOrEqual(
            card.x + card.width,
          );
          expect(box.x + box.width, `${width} px: the chart's ${what} in the window`).toBeLessThanOrEqual(
            width,
          );
        }
        await shot(target, `${name}-details-usage`);
        expect(await seriousViolations(target)).toBe('');
        await target.keyboard.press('Escape');
        await target.close();
      }
    },
    STEP * 2,
  );

  it(
    'rotates from the details with a grace period and a renewal, shows the new token once, and marks the old one Rotated',
    async () => {
      const old = await make({
        description: 'console rotation',
        scopes: [{ scope: 'blocklist:read' }],
        expires_in_days: 5,
      });
      await page.getByPlaceholder('Search tokens').fill('console rotation');
      await expect.poll(() => names()).toEqual(['console rotation']);
      expect(await row('console rotation').locator('.badge').allInnerTexts()).toEqual(['Expiring soon']);
      await page.getByRole('button', { name: 'console rotation', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'console rotation' });
      await details.getByRole('button', { name: 'Rotate Token' }).click();
      const dialog = page.getByRole('dialog', { name: 'Rotate Token' });
      await expect.poll(() => dialog.isVisible()).toBe(true);
      expect(await dialog.getByLabel('Grace period').locator('option').allInnerTexts()).toEqual([
        'None',
        '1 hour',
        '1 day',
        '7 days',
      ]);
      await dialog.getByLabel('Grace period').selectOption({ label: '1 day' });
      expect(await dialog.getByRole('radio', { name: 'Keep current expiry' }).isChecked()).toBe(true);
      await dialog.getByRole('radio', { name: 'Expires in days' }).check();
      await dialog.getByLabel('Days', { exact: true }).fill('30');
      await shot(page, 'laptop-rotate');
      expect(await seriousViolations(page)).toBe('');
      await dialog.getByRole('button', { name: 'Rotate', exact: true }).click();

      const shown = page.getByRole('dialog', { name: 'Token rotated' });
      await expect.poll(() => shown.isVisible(), { timeout: 15_000 }).toBe(true);
      const fresh = await shown.getByLabel('New token').inputValue();
      expect(fresh).toMatch(/^tg_[0-9A-Za-z]{65}$/);
      expect(await shown.innerText()).toMatch(/will not be shown again/);
      expect(await shown.innerText()).toMatch(/Old token accepted until/);
      expect(await shown.getByRole('button', { name: 'Copy' }).isVisible()).toBe(true);
      await shot(page, 'laptop-rotated');
      expect(await seriousViolations(page)).toBe('');
      await shown.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => shown.count()).toBe(0);
      expect(await page.content()).not.toContain(fresh);

      // The successor: a renewal of 30 days; the old token: rotated, accepted for a day.
      const successor = await api('GET', '/v1/whoami', undefined, fresh);
      expect(successor.status).toBe(200);
      expect(successor.body.rotated_from).toBe(old.id);
      const renewedFor = Date.parse(successor.body.expires_at as string) - Date.now();
      expect(renewedFor).toBeGreaterThan(29 * 86_400_000);
      expect(renewedFor).toBeLessThanOrEqual(30 * 86_400_000);
      const previous = await api('GET', `/v1/tokens/${old.id}`);
      expect(previous.body.rotated_to).toBe(successor.body.id);
      await expect.poll(() => details.getByRole('button', { name: 'Rotate Token' }).count()).toBe(0);
      await page.keyboard.press('Escape');
      await expect.poll(() => names()).toHaveLength(2);
      const badges = await page.locator('tbody tr').evaluateAll((rows) =>
        rows.map((tr) =>
          Array.from(tr.querySelectorAll('.badge'))
            .map((badge) => badge.textContent)
            .join(','),
        ),
      );
      // Newest first: the successor (no badge: 30 days is outside the 14-day window), then the old one.
      expect(badges).toEqual(['', 'Expiring soon,Rotated']);
    },
    STEP,
  );

  it(
    'edits a description in place with Save, and Cancel keeps it as it was',
    async () => {
      await make({ description: 'console edit before', scopes: [{ scope: 'blocklist:read' }] });
      await page.getByPlaceholder('Search tokens').fill('console edit');
      await expect.poll(() => names()).toEqual(['console edit before']);
      await page.getByRole('button', { name: 'console edit before', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'console edit before' });
      await details.getByRole('button', { name: 'Edit Description' }).click();
      const field = details.getByLabel('Description', { exact: true });
      await field.fill('console edit abandoned');
      await details.getByRole('button', { name: 'Cancel' }).click();
      expect(await details.locator('.description').innerText()).toContain('console edit before');

      await details.getByRole('button', { name: 'Edit Description' }).click();
      await details.getByLabel('Description', { exact: true }).fill('console edit after');
      await shot(page, 'laptop-edit-description');
      expect(await seriousViolations(page)).toBe('');
      await details.getByRole('button', { name: 'Save' }).click();
      const renamed = page.getByRole('dialog', { name: 'console edit after' });
      // The save may take seconds on a busy machine, as the create request may.
      await expect.poll(() => renamed.isVisible(), { timeout: 15_000 }).toBe(true);
      await page.keyboard.press('Escape');
      await expect.poll(() => names()).toEqual(['console edit after']);
    },
    STEP,
  );

  it('signs out, forgetting the token, and broke no Content Security Policy rule', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByLabel('Admin token').isVisible()).toBe(true);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain('tg_');
    await page.reload();
    await expect.poll(() => page.getByLabel('Admin token').isVisible()).toBe(true);
    expect(cspViolations).toEqual([]);
  });

  it(
    'signs out by itself, saying why, when its admin token is revoked meanwhile',
    async () => {
      const second = await make({ description: 'second admin', scopes: [{ scope: 'global:admin' }] });
      await signIn(page, second.token);
      await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      await api('POST', `/v1/tokens/${second.id}/revoke`);
      await page.getByLabel('Sort By').selectOption({ label: 'Oldest First' });
      await expect.poll(() => page.getByLabel('Admin token').isVisible()).toBe(true);
      expect(await page.getByRole('status').innerText()).toMatch(/signed out/);
      expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain('tg_');
    },
    STEP,
  );
});
