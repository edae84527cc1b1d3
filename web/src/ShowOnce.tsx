// A new token's secret, shown once (after Create Token and after Rotate Token) with Copy and Done.
import { type ReactNode, useId, useState } from 'react';
import type { CreatedToken, RotatedToken } from './api';
import { formatDateTime } from './format';
import { CopyIcon, WarningIcon } from './icons';

interface ShowOnceProps {
  created: CreatedToken | RotatedToken;
  onDone: () => void;
  /** More facts, after the token's own (a rotation: until when the old token is accepted). */
  children?: ReactNode;
}

export function ShowOnce({ created, onDone, children }: ShowOnceProps) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  const id = useId();

  async function copy() {
    try {
      await navigator.clipboard.writeText(created.token);
      setCopied('yes');
    } catch {
      const field = document.getElementById(`${id}-token`);
      if (field instanceof HTMLInputElement) field.select();
      setCopied('no');
    }
  }

  return (
    <div className="show-once">
      <div className="warning" role="note">
        <WarningIcon />
        <p>
          Copy this token now. <strong>It will not be shown again</strong>: tokengate keeps only a hash of it.
        </p>
      </div>
      <label htmlFor={`${id}-token`}>New token</label>
      <div className="token-box">
        <input
          id={`${id}-token`}
          type="text"
          readOnly
          value={created.token}
          spellCheck={false}
          onFocus={(event) => event.target.select()}
        />
        <button type="button" className="button" onClick={copy}>
          <CopyIcon />
          Copy
        </button>
      </div>
      <p className="hint" aria-live="polite">
        {copied === 'yes' && 'Copied to the clipboard.'}
        {copied === 'no' && 'The browser did not allow copying: the token is selected, press Ctrl+C (⌘C).'}
      </p>
      <dl className="facts compact">
        <dt>Description</dt>
        <dd>{created.description}</dd>
        <dt>Token ID</dt>
        <dd>
          <code>{created.id}</code>
        </dd>
        <dt>Expires</dt>
        <dd>{formatDateTime(created.expires_at, 'Never expires')}</dd>
        {children}
      </dl>
      {'warnings' in created &&
        created.warnings?.map((warning) => (
          <p key={warning} className="hint">
            {warning}
          </p>
        ))}
      <div className="dialog-actions">
        <button type="button" className="button primary" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
