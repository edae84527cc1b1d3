// `Sign in with SSO` in Chromium, through the local stack's real development OpenID Connect issuer
// and its sign-in page: an admin email (who makes a token under their own name), a person outside the
// admin group, a wrong password, and sign-out ending the session at the issuer too. The identity
// token stays in the tab's sessionStorage: never in localStorage or a cookie.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_RESPONSES } from '#spec/gateway';
import { axeViolations, chromiumInstalled, launchChromium } from '#test-support/browser';
import { LocalStack } from '#test-support/processes';

const STEP = 90_000;
/** How long a screen may take to appear on a busy machine. */
const SHOWN = { timeout: 20_000 };

describe.skipIf(!chromiumInstalled() && !process.env.CI)('Sign in with SSO in Chromium', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tokengate-console-sso-'));
  let stack: LocalStack;
  let issuer = '';
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  async function seriousViolations(target: Page) {
    return (await axeViolations(target))
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.help} at ${v.nodes.map((node) => node.target.join(' ')).join(', ')}`)
      .join('\n');
  }

  /** From the console's sign-in screen through the issuer's page, back to the console. */
  async function signInWithSso(email: string, password = 'tokengate') {
    await page.getByRole('button', { name: 'Sign in with SSO' }).click();
    await page.waitForURL((url) => url.toString().startsWith(issuer));
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  }

  /** The identity token the console keeps in the tab's sessionStorage. */
  async function idToken(): Promise<string> {
    return page.evaluate(() => {
      for (let i = 0; i < sessionStorage.length; i += 1) {
        const key = sessionStorage.key(i) ?? '';
        if (key.startsWith('tokengate.sso.user:')) {
          return (JSON.parse(sessionStorage.getItem(key) ?? '{}') as { id_token?: string }).id_token ?? '';
        }
      }
      return '';
    });
  }

  /** How the API answers the token list for this identity token. */
  async function apiStatus(token: string): Promise<number> {
    return (await fetch(`${stack.url}/v1/tokens`, { headers: { authorization: `Bearer ${token}` } })).status;
  }

  beforeAll(async () => {
    stack = await LocalStack.start({ PORT: '0', DATA_DIR: dataDir, TOKENGATE_AUTHORIZER_CACHE_TTL: '0' });
    issuer = ((await (await fetch(`${stack.url}/config.json`)).json()) as { oidc_issuer: string })
      .oidc_issuer;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'en-US' });
    page = await context.newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }, 90_000);

  it(
    'signs an admin in through the issuer’s page: Signed in as their email, the token kept for the tab only',
    async () => {
      await page.goto(stack.url);
      await expect
        .poll(() => page.getByRole('button', { name: 'Sign in with SSO' }).isVisible(), SHOWN)
        .toBe(true);
      expect(await page.getByLabel('Admin token').isVisible()).toBe(true); // still there for emergencies
      expect(await seriousViolations(page)).toBe('');

      await page.getByRole('button', { name: 'Sign in with SSO' }).click();
      await page.waitForURL((url) => url.toString().startsWith(issuer));
      expect(await page.locator('body').innerText()).toContain('Development only');
      expect(await seriousViolations(page)).toBe('');
      await page.goBack();

      await signInWithSso('admin@example.com');
      await page.waitForURL((url) => url.toString().startsWith(stack.url));
      await expect
        .poll(() => page.locator('.signed-in').innerText(), SHOWN)
        .toBe('Signed in as admin@example.com');
      expect(new URL(page.url()).search).toBe(''); // the code is gone from the address bar

      const token = await idToken();
      expect(token.split('.')).toHaveLength(3);
      expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(token);
      const cookies = await context.cookies([stack.url, issuer]);
      expect(cookies.some((cookie) => cookie.value.includes(token))).toBe(false);

      // The API accepts the person's identity token as an admin's: the console shows the token list.
      expect(await apiStatus(token)).toBe(200);
      await expect
        .poll(() => page.getByRole('button', { name: 'Create Token' }).first().isVisible(), SHOWN)
        .toBe(true);
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(await seriousViolations(page)).toBe('');
    },
    STEP,
  );

  it(
    'creates a token in the console under the person’s own name: created_by and the audit trail say user:<email>',
    async () => {
      await page.getByRole('button', { name: 'Create Token' }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Create Token' });
      await dialog.getByLabel('Token Description').fill('sso-made reader');
      await dialog.getByRole('button', { name: 'Create Token' }).click();
      const shown = page.getByRole('dialog', { name: 'Token created' });
      await expect.poll(() => shown.isVisible(), SHOWN).toBe(true);
      await shown.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => shown.count()).toBe(0);

      await page.getByRole('button', { name: 'sso-made reader', exact: true }).click();
      const details = page.getByRole('dialog', { name: 'sso-made reader' });
      await expect.poll(() => details.innerText(), SHOWN).toMatch(/Created By\s+admin@example\.com/);
      expect(await details.getByTitle('user:admin@example.com').count()).toBe(1);
      // The audit event comes from the stream, a moment after the write.
      await expect
        .poll(() => details.locator('.timeline').innerText(), SHOWN)
        .toMatch(/Created[\s\S]*by user:admin@example\.com/);
      expect(await seriousViolations(page)).toBe('');
      await page.keyboard.press('Escape');

      // The API says the same: the token's creator, and the audit trail's actor.
      const authorization = { authorization: `Bearer ${await idToken()}` };
      const listed = (await (
        await fetch(`${stack.url}/v1/tokens?q=sso-made`, { headers: authorization })
      ).json()) as { tokens: { id: string; created_by: string }[] };
      expect(listed.tokens).toEqual([expect.objectContaining({ created_by: 'user:admin@example.com' })]);
      const audit = (await (
        await fetch(`${stack.url}/v1/audit?actor=user:admin@example.com`, { headers: authorization })
      ).json()) as { events: { type: string; token_id: string; actor: unknown }[] };
      expect(audit.events).toContainEqual(
        expect.objectContaining({
          type: 'token.created',
          token_id: listed.tokens[0]?.id,
          actor: { type: 'user', id: 'admin@example.com' },
        }),
      );
    },
    STEP,
  );

  it(
    'signs a person out by itself when the API refuses their sign-in mid-way, telling them to sign in again',
    async () => {
      // The API answering 401, as it does once the identity token has expired.
      const list = (url: URL) => url.pathname === '/v1/tokens';
      await page.route(list, (route) =>
        route.fulfill({
          status: 401,
          contentType: 'application/json',
          body: JSON.stringify(GATEWAY_RESPONSES[401]),
        }),
      );
      await page.getByLabel('Sort By').selectOption({ label: 'Oldest First' });
      await expect.poll(() => page.getByRole('status').innerText(), SHOWN).toContain('Sign in again');
      expect(await page.getByRole('status').innerText()).not.toMatch(/admin token/i);
      expect(await page.getByText('Signed in as').count()).toBe(0);
      await page.unroute(list);

      // The issuer's own session stands: Sign in with SSO comes straight back, signed in.
      await page.getByRole('button', { name: 'Sign in with SSO' }).click();
      await expect
        .poll(() => page.locator('.signed-in').innerText(), SHOWN)
        .toBe('Signed in as admin@example.com');
    },
    STEP,
  );

  it(
    'signs out: the tab forgets the person and the issuer ends its session',
    async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.toString().startsWith(issuer));
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL((url) => url.toString().startsWith(stack.url));
      await expect
        .poll(() => page.getByRole('button', { name: 'Sign in with SSO' }).isVisible(), SHOWN)
        .toBe(true);
      expect(await page.getByText('Signed in as').count()).toBe(0);
      expect(await idToken()).toBe('');

      // The issuer asks again: its session ended too.
      await page.getByRole('button', { name: 'Sign in with SSO' }).click();
      await page.waitForURL((url) => url.toString().startsWith(issuer));
      expect(await page.getByLabel('Password').isVisible()).toBe(true);
    },
    STEP,
  );

  it(
    'refuses a wrong password at the issuer, and a person outside the admin group sees why, and no list',
    async () => {
      await page.getByLabel('Email').fill('dev@example.com');
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').innerText(), SHOWN).toContain('Wrong password');
      expect(page.url().startsWith(issuer)).toBe(true);

      await page.getByLabel('Password').fill('tokengate');
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.waitForURL((url) => url.toString().startsWith(stack.url));
      await expect
        .poll(() => page.locator('.signed-in').innerText(), SHOWN)
        .toBe('Signed in as dev@example.com');
      // A valid person outside the admin group: the API answers 403, and the console says why.
      expect(await apiStatus(await idToken())).toBe(403);
      await expect.poll(() => page.getByRole('alert').innerText(), SHOWN).toContain('not in the admin group');
      // The API's refusal names the group, and the alert passes it on.
      expect(await page.getByRole('alert').innerText()).toContain(
        'Only members of the group tokengate-admins manage tokens',
      );
      expect(await page.getByRole('table').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Create Token' }).count()).toBe(0);
      expect(await seriousViolations(page)).toBe('');
    },
    STEP,
  );

  it(
    'forgets an identity token past its expiry: after a reload the person signs in again',
    async () => {
      expect(await idToken()).not.toBe(''); // still signed in from the test before
      await page.evaluate(() => {
        for (let i = 0; i < sessionStorage.length; i += 1) {
          const key = sessionStorage.key(i) ?? '';
          if (!key.startsWith('tokengate.sso.user:')) continue;
          const user = JSON.parse(sessionStorage.getItem(key) ?? '{}') as Record<string, unknown>;
          sessionStorage.setItem(
            key,
            JSON.stringify({ ...user, expires_at: Math.floor(Date.now() / 1000) - 60 }),
          );
        }
      });
      await page.reload();
      await expect
        .poll(() => page.getByRole('button', { name: 'Sign in with SSO' }).isVisible(), SHOWN)
        .toBe(true);
      await expect.poll(() => idToken(), SHOWN).toBe('');
      expect(await page.getByText('Signed in as').count()).toBe(0);
    },
    STEP,
  );
});
