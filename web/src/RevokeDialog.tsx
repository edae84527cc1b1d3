// The confirmation before a revoke: it is permanent, so it says so.
import type { Api, TokenView } from './api';
import { Dialog } from './Dialog';
import { useSubmission } from './useSubmission';

interface RevokeDialogProps {
  api: Api;
  token: TokenView;
  onClose: () => void;
  onRevoked: (token: TokenView) => void;
}

export function RevokeDialog({ api, token, onClose, onRevoked }: RevokeDialogProps) {
  const { busy, error, submit } = useSubmission();
  const revoke = () => submit(async () => onRevoked(await api.revokeToken(token.id)));

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
