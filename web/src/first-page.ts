// The list's first page, asked for as the script starts when the tab already has a session: the
// request travels while React renders the page, where the list's own effect would send it only once
// the page is drawn. The list takes it (once) when it loads that very page for that session.
import { Api, type ListQuery, type TokenPage } from './api';
import { EMPTY_QUERY } from './useListQuery';

let early: { token: string; api: Api; page: Promise<TokenPage> | null } | null = null;

/** Asks for the default view's first page with the tab's admin token, if there is one. */
export function askFirstPage(token: string | null): void {
  if (!token) return;
  const api = new Api(token);
  const page = api.listTokens(EMPTY_QUERY, null);
  page.catch(() => undefined); // the list that takes it reports a failure; until then it waits
  early = { token, api, page };
}

/** The Api of the tab's restored session: the one the first page was asked with, if it was. */
export function restoredApi(token: string): Api {
  return early?.token === token ? early.api : new Api(token);
}

/** The page `askFirstPage` asked for, if it was for `api` and `query` is the default view: once. */
export function takeFirstPage(api: Api, query: ListQuery): Promise<TokenPage> | null {
  if (!early?.page || early.api !== api || query !== EMPTY_QUERY) return null;
  const { page } = early;
  early.page = null;
  return page;
}
