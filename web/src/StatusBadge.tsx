import type { TokenStatus } from './api';

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
