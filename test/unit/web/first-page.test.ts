// The console's first page, asked for as its script starts when the tab has a session
// (web/src/first-page.ts): one request, the default view's, handed once to the list of that session.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { askFirstPage, restoredApi, takeFirstPage } from '../../../web/src/first-page';
import { EMPTY_QUERY } from '../../../web/src/useListQuery';

const PAGE = { tokens: [], next_cursor: null };

function stubFetch() {
  const fetch = vi.fn(async () => new Response(JSON.stringify(PAGE), { status: 200 }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the first page, asked for as the script starts', () => {
  it('sends the default view’s list request with the session’s token, before any list asks', async () => {
    const fetch = stubFetch();

    askFirstPage('tg_admin_token');

    expect(fetch).toHaveBeenCalledTimes(1);
    const [path, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(path).toBe('/v1/tokens?sort=newest&limit=50');
    expect(init.headers).toMatchObject({ authorization: 'Bearer tg_admin_token' });
    const api = restoredApi('tg_admin_token');
    expect(await takeFirstPage(api, EMPTY_QUERY)).toEqual(PAGE);
  });

  it('is handed once, to the restored session’s default view only', async () => {
    stubFetch();
    askFirstPage('tg_admin_token');
    const api = restoredApi('tg_admin_token');

    expect(takeFirstPage(restoredApi('tg_other_token'), EMPTY_QUERY)).toBeNull();
    expect(takeFirstPage(api, { ...EMPTY_QUERY, status: 'active' })).toBeNull();
    expect(takeFirstPage(api, EMPTY_QUERY)).not.toBeNull();
    expect(takeFirstPage(api, EMPTY_QUERY)).toBeNull();
  });

  it('sends nothing without a session', () => {
    const fetch = stubFetch();

    askFirstPage(null);

    expect(fetch).not.toHaveBeenCalled();
  });
});
