// The console's client of the HTTP API, typed by the API's own response
// schemas (type-only imports: no server code is bundled). Same origin, so no CORS and no base URL.
import type { z } from 'zod';
import type {
  auditPageSchema,
  createdTokenSchema,
  rotatedTokenSchema,
  scopeCatalogueSchema,
  tokenPageSchema,
  tokenUsageSchema,
  tokenViewSchema,
} from '#api/responses';

export type TokenView = z.output<typeof tokenViewSchema>;
export type CreatedToken = z.output<typeof createdTokenSchema>;
export type RotatedToken = z.output<typeof rotatedTokenSchema>;
export type TokenPage = z.output<typeof tokenPageSchema>;
/** A token's requests per UTC day, oldest first (`GET /v1/tokens/{id}/usage`). */
export type TokenUsage = z.output<typeof tokenUsageSchema>;
export type AuditPage = z.output<typeof auditPageSchema>;
export type AuditEvent = AuditPage['events'][number];
export type ScopeGrant = TokenView['scopes'][number];
export type TokenStatus = TokenView['status'];
/** One scope of the deployment's catalogue, as `GET /v1/scopes` lists it. */
export type CatalogueScope = z.output<typeof scopeCatalogueSchema>['scopes'][number];

export interface CreateTokenRequest {
  description: string;
  user_email?: string;
  scopes: { scope: string; resources?: string[] }[];
  expires_in_days?: number;
  expires_at?: string;
}

/** A rotation: how long the old token keeps working, and a new expiry (a renewal) or the old one kept. */
export interface RotateTokenRequest {
  grace_seconds: number;
  expires_in_days?: number;
}

export type StatusFilter = '' | 'active' | 'revoked' | 'expired';
export type ExpirationFilter = '' | 'never' | 'has_expiration' | 'expired';
export type SortOrder = 'newest' | 'oldest' | 'name_asc' | 'name_desc';
/** The API's `unused_days`: no request counted in that many days; '' for any token. */
export type UsageFilter = '' | '30' | '90';

export interface ListQuery {
  q: string;
  status: StatusFilter;
  expiration: ExpirationFilter;
  sort: SortOrder;
  unused: UsageFilter;
}

/** A refusal from the API: the HTTP status and, in the native shape, its code and field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; field?: string } };
    const message = body.error?.message ?? `The API answered ${response.status}`;
    return new ApiError(response.status, message, body.error?.code, body.error?.field);
  } catch {
    return new ApiError(response.status, `The API answered ${response.status}`);
  }
}

/** Calls the API with `Authorization: Bearer` an admin token, or a person's identity token. */
export class Api {
  constructor(private readonly token: string) {}

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: 'omit',
      cache: 'no-store',
    });
    if (!response.ok) throw await errorOf(response);
    return (await response.json()) as T;
  }

  /** Resolves when the caller may manage tokens (lists one); the API's refusal otherwise. */
  async checkAdmin(): Promise<void> {
    await this.call('GET', '/v1/tokens?limit=1');
  }

  whoami(): Promise<TokenView> {
    return this.call('GET', '/v1/whoami');
  }

  listTokens(query: ListQuery, cursor: string | null, signal?: AbortSignal): Promise<TokenPage> {
    const params = new URLSearchParams({ sort: query.sort, limit: '50' });
    if (query.q.trim()) params.set('q', query.q.trim());
    if (query.status) params.set('status', query.status);
    if (query.expiration) params.set('expiration', query.expiration);
    if (query.unused) params.set('unused_days', query.unused);
    if (cursor) params.set('cursor', cursor);
    return this.call('GET', `/v1/tokens?${params}`, undefined, signal);
  }

  getToken(id: string): Promise<TokenView> {
    return this.call('GET', `/v1/tokens/${encodeURIComponent(id)}`);
  }

  /** The token's requests on each of the last `days` UTC days, today included. */
  usage(id: string, days: number): Promise<TokenUsage> {
    return this.call(
      'GET',
      `/v1/tokens/${encodeURIComponent(id)}/usage?${new URLSearchParams({ days: String(days) })}`,
    );
  }

  createToken(request: CreateTokenRequest): Promise<CreatedToken> {
    return this.call('POST', '/v1/tokens', request);
  }

  rotateToken(id: string, request: RotateTokenRequest): Promise<RotatedToken> {
    return this.call('POST', `/v1/tokens/${encodeURIComponent(id)}/rotate`, request);
  }

  editDescription(id: string, description: string): Promise<TokenView> {
    return this.call('PATCH', `/v1/tokens/${encodeURIComponent(id)}`, { description });
  }

  revokeToken(id: string): Promise<TokenView> {
    return this.call('POST', `/v1/tokens/${encodeURIComponent(id)}/revoke`);
  }

  /** The deployment's scope catalogue, `global:admin` first. */
  async scopes(): Promise<CatalogueScope[]> {
    return (await this.call<{ scopes: CatalogueScope[] }>('GET', '/v1/scopes')).scopes;
  }

  audit(tokenId: string): Promise<AuditPage> {
    return this.call('GET', `/v1/audit?${new URLSearchParams({ token_id: tokenId, limit: '100' })}`);
  }
}
