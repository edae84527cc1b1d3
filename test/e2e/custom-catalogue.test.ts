// The whole local stack on a team's own scope catalogue, as `SCOPES_FILE=my-scopes.json npm start`
// runs it: the CLI makes a token of the team's scopes, the echo answers below the team's paths (and
// no longer below the default catalogue's), `GET /v1/scopes` lists the team's scopes, and the web
// console in Chromium offers them in its Create Token dialog. One stack, shared by the tests in order.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#spec/env';
import { chromiumInstalled, launchChromium } from '#test-support/browser';
import { ORDERS } from '#test-support/orders-catalogue';
import { type CliResult, LocalStack, tokengate } from '#test-support/processes';

const STEP = 90_000;

describe('the local stack on a team’s own scope catalogue (SCOPES_FILE)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-catalogue-'));
  const scopesFile = join(dataDir, 'my-scopes.json');
  writeFileSync(scopesFile, JSON.stringify(ORDERS));
  let stack: LocalStack;
  let admin = '';
  let browser: Browser | undefined;

  async function cli(args: string[]): Promise<CliResult> {
    return tokengate(args, { DATA_DIR: dataDir, TOKENGATE_ENDPOINT: '', TOKENGATE_TOKEN: admin });
  }

  function get(path: string, token: string, method = 'GET') {
    return fetch(`${stack.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  }

  beforeAll(async () => {
    stack = await LocalStack.start({
      PORT: '0',
      DATA_DIR: dataDir,
      TOKENGATE_AUTHORIZER_CACHE_TTL: '0',
      [ENV.scopesFile]: scopesFile,
    });
    const bootstrap = await tokengate(['bootstrap', '--local'], { DATA_DIR: dataDir });
    expect(bootstrap.status, bootstrap.stderr).toBe(0);
    admin = bootstrap.stdout.trim();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it(
    'the CLI makes an orders:read token on resource a; the echo answers below /orders/a only',
    async () => {
      const created = await cli([
        'create',
        'token',
        '--description',
        'orders reader',
        '--scope',
        'orders:read',
        '--resource',
        'a',
        '-o',
        'json',
      ]);
      expect(created.status, created.stderr).toBe(0);
      const { token, scopes } = JSON.parse(created.stdout) as { token: string; scopes: unknown };
      expect(scopes).toEqual([{ scope: 'orders:read', resources: ['a'] }]);

      const echo = await get('/orders/a/x', token);
      expect(echo.status).toBe(200);
      expect(await echo.json()).toMatchObject({ scopes: [{ scope: 'orders:read', resources: ['a'] }] });
      expect((await get('/orders/b/x', token)).status).toBe(403);
      expect((await get('/orders/a/x', token, 'DELETE')).status).toBe(403);
      expect((await get('/reports/daily', token)).status).toBe(403);
      // The default catalogue's paths are no longer routes of this deployment's example API.
      expect((await get('/repos/cran/PACKAGES', token)).status).toBe(404);
      expect((await get('/repos/cran/PACKAGES', admin)).status).toBe(404);
      // A scope of the default catalogue is not one of this deployment's.
      const refused = await cli(['create', 'token', '--description', 'x', '--scope', 'blocklist:read']);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toMatch(/^tokengate: .*scopes\.0\.scope/);
    },
    STEP,
  );

  it('GET /v1/scopes lists the team’s scopes, global:admin first, with their labels', async () => {
    const response = await get('/v1/scopes', admin);
    expect(response.status).toBe(200);
    const { scopes } = (await response.json()) as {
      scopes: { name: string; label: string; resources: boolean }[];
    };
    expect(scopes.map(({ name, label, resources }) => ({ name, label, resources }))).toEqual([
      { name: 'global:admin', label: 'All Resources: Admin', resources: false },
      { name: 'orders:read', label: 'Orders: Read', resources: true },
      { name: 'orders:write', label: 'Orders: Write', resources: true },
      { name: 'reports:read', label: 'Reports: Read', resources: false },
    ]);
  });

  it.skipIf(!chromiumInstalled() && !process.env.CI)(
    'the console offers the team’s resource types and access levels, and makes an Orders: Read token on specific resources',
    async () => {
      browser = await launchChromium();
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
      const page = await context.newPage();
      await page.goto(stack.url);
      await page.getByLabel('Admin token').fill(admin);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      const reader = page
        .getByRole('row')
        .filter({ has: page.getByRole('button', { name: 'orders reader', exact: true }) });
      await expect.poll(() => reader.locator('.scope-badge').innerText()).toBe('Orders: Read (a)');

      await page.getByRole('button', { name: 'Create Token' }).click();
      const dialog = page.getByRole('dialog', { name: 'Create Token' });
      const type = dialog.getByLabel('Resource Type');
      const level = dialog.getByLabel('Access Level');
      expect(await type.locator('option').allInnerTexts()).toEqual(['All Resources', 'Orders', 'Reports']);
      expect(await type.inputValue()).toBe('Orders');
      expect(await level.locator('option').allInnerTexts()).toEqual(['Read', 'Write']);
      await type.selectOption('Reports');
      expect(await level.locator('option').allInnerTexts()).toEqual(['Read']);
      expect(await dialog.getByRole('radio', { name: 'Specific Resources' }).count()).toBe(0);
      await type.selectOption('Orders');
      await level.selectOption({ label: 'Read' });
      await dialog.getByLabel('Token Description').fill('console orders reader');
      await dialog.getByRole('radio', { name: 'Specific Resources' }).check();
      await dialog.getByLabel('Resources', { exact: true }).fill('b, c');
      await dialog.getByRole('button', { name: 'Create Token' }).click();

      const shown = page.getByRole('dialog', { name: 'Token created' });
      await expect.poll(() => shown.isVisible(), { timeout: 15_000 }).toBe(true);
      const token = await shown.getByLabel('New token').inputValue();
      await shown.getByRole('button', { name: 'Done' }).click();

      const echo = await get('/orders/b/x', token);
      expect(echo.status).toBe(200);
      expect(await echo.json()).toMatchObject({
        scopes: [{ scope: 'orders:read', resources: ['b', 'c'] }],
      });
      expect((await get('/orders/a/x', token)).status).toBe(403);
      const made = page
        .getByRole('row')
        .filter({ has: page.getByRole('button', { name: 'console orders reader', exact: true }) });
      await expect.poll(() => made.locator('.scope-badge').innerText()).toBe('Orders: Read (b, c)');
    },
    STEP,
  );
});
