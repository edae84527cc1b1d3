// Column Config: a disclosure with one checkbox per column; the choice is kept in localStorage.
import { useEffect, useId, useRef, useState } from 'react';
import { COLUMNS, type ColumnKey } from './columns';
import { ColumnsIcon } from './icons';

interface ColumnConfigProps {
  columns: readonly ColumnKey[];
  onChange: (columns: ColumnKey[]) => void;
}

export function ColumnConfig({ columns, onChange }: ColumnConfigProps) {
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const root = useRef<HTMLDivElement>(null);

  // Closes on Escape and on a click elsewhere, as a menu would.
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        root.current?.querySelector('button')?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  const toggle = (key: ColumnKey, on: boolean) => {
    const next = COLUMNS.map((column) => column.key).filter((candidate) =>
      candidate === key ? on : columns.includes(candidate),
    );
    onChange(next);
  };

  return (
    <div className="column-config" ref={root}>
      <button
        type="button"
        className="button"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen(!open)}
      >
        <ColumnsIcon />
        Column Config
      </button>
      {open && (
        <div id={panelId} className="popover">
          <fieldset>
            <legend>Columns to show</legend>
            {COLUMNS.map((column) => (
              <label key={column.key} className="check">
                <input
                  type="checkbox"
                  checked={columns.includes(column.key)}
                  onChange={(event) => toggle(column.key, event.target.checked)}
                />
                {column.label}
              </label>
            ))}
          </fieldset>
        </div>
      )}
    </div>
  );
}
