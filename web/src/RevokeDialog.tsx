// The confirmation before a revoke: it is permanent, so it says so.
import { useState } from 'react';
import type { Api, TokenView } from './api';
import { Dialog } from './Dialog';

interface RevokeDialogProps {
  api: Api;
  token: TokenView;
  onClose: () => void;
  onRevoked: (token: TokenView) => void;
}

export function RevokeDialog({ api, token, onClose, onRevoked }: RevokeDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function revoke() {
    setBusy(true);
    setError(null);
    try {
      onRevoked(await api.revokeToken(token.id));
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  }

  return (
    <Dialog title="Revoke this token?" onClose={onClose} size="narrow">
      <p>
        <strong>{token.description}</strong> (<code>{token.id}</code>) stops working everywhere it is used,
        within the authorizer's cache time (30 seconds by default).
      </p>
      <p className="warning-text">Revoking is permanent: a revoked token cannot be restored.</p>
      {error && (
        <div className="alert" role="alert">
          {error}
        </div>
      )}
      <div className="dialog-actions">
        {/* biome-ignore lint/a11y/noAutofocus: the safe choice first, in a dialog that opens on purpose */}
        <button type="button" className="button" onClick={onClose} autoFocus>
          Cancel
        </button>
        <button type="button" className="button danger-fill" onClick={revoke} disabled={busy}>
          Revoke
        </button>
      </div>
    </Dialog>
  );
}
