import type { TokenStatus, TokenView } from './api';

const LABELS: Record<TokenStatus, string> = { active: 'Active', revoked: 'Revoked', expired: 'Expired' };

/** The status dot (green active, grey revoked, red expired) and its word. */
export function StatusBadge({ status }: { status: TokenStatus }) {
  return (
    <span className={`status status-${status}`}>
      <span className="status-dot" aria-hidden="true" />
      {LABELS[status]}
    </span>
  );
}

/** Whether an active token expires within the expiry-warning window from `now`. */
export function expiringSoon(token: TokenView, windowSeconds: number, now = Date.now()): boolean {
  if (token.status !== 'active' || !token.expires_at) return false;
  const left = new Date(token.expires_at).getTime() - now;
  return left > 0 && left <= windowSeconds * 1000;
}

/**
 * The status and what else an admin should see at a glance: `Expiring soon` (an active token
 * expiring within the warning window) and `Rotated` (an active token already replaced, working only
 * for its grace period).
 */
export function TokenBadges({ token, warningSeconds }: { token: TokenView; warningSeconds: number }) {
  const rotated = token.status === 'active' && token.rotated_to !== null;
  return (
    <span className="status-badges">
      <StatusBadge status={token.status} />
      {expiringSoon(token, warningSeconds) && (
        <span className="badge badge-warning" title={`Expires ${token.expires_at}`}>
          Expiring soon
        </span>
      )}
      {rotated && (
        <span className="badge badge-info" title={`Replaced by ${token.rotated_to}`}>
          Rotated
        </span>
      )}
    </span>
  );
}
