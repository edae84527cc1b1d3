// The console's usage parts: the chart's totals as they read beside the bars and in its accessible
// name (web/src/format.ts), the `Last Used` column among the columns shown by default, and a kept
// column choice that still shows a default column added after it was made.
import { describe, expect, it } from 'vitest';
import { COLUMNS, columnsFromKept, DEFAULT_COLUMNS, keptColumns } from '../../../web/src/columns';
import { usageSummary } from '../../../web/src/format';

const day = (date: string, requests: number, denied: number) => ({ date, requests, denied });

describe('the usage chart’s totals', () => {
  it('counts the requests, and the denied ones only when there are some', () => {
    const days = [day('2026-12-06', 2, 0), day('2026-12-07', 1, 1)];
    expect(usageSummary({ token_id: 'a', requests: 3, days })).toBe('3 requests, 1 denied');
    expect(usageSummary({ token_id: 'a', requests: 2, days: [day('2026-12-07', 2, 0)] })).toBe('2 requests');
  });

  it('says one request, and no requests, in words', () => {
    expect(usageSummary({ token_id: 'a', requests: 1, days: [day('2026-12-07', 1, 0)] })).toBe('1 request');
    expect(usageSummary({ token_id: 'a', requests: 0, days: [day('2026-12-07', 0, 0)] })).toBe('0 requests');
  });

  it('groups thousands as the reader’s locale does', () => {
    const many = 12_345;
    expect(usageSummary({ token_id: 'a', requests: many, days: [day('2026-12-07', many, 1_000)] })).toBe(
      `${many.toLocaleString()} requests, ${(1_000).toLocaleString()} denied`,
    );
  });
});

describe('the Last Used column', () => {
  it('is offered in Column Config, after the expiration date, and shown by default', () => {
    const labels = COLUMNS.map((column) => column.label);
    expect(labels.indexOf('Last Used')).toBe(labels.indexOf('Expiration Date') + 1);
    expect(DEFAULT_COLUMNS).toContain('lastUsed');
  });
});

describe('a kept column choice', () => {
  it('shows what it showed, and comes back the same', () => {
    const shown = ['name', 'id', 'lastUsed'] as const;
    expect(columnsFromKept(keptColumns(shown))).toEqual(shown);
    expect(columnsFromKept(JSON.parse(JSON.stringify(keptColumns([]))))).toEqual([]);
  });

  it('shows a default column added since the choice was made, but not one the person hid', () => {
    const before = {
      shown: ['status', 'name'],
      offered: ['status', 'name', 'id', 'scope', 'created', 'expires', 'user'],
    };
    expect(columnsFromKept(before)).toEqual(['status', 'name', 'lastUsed']);
    const hidden = { ...before, offered: [...before.offered, 'lastUsed'] };
    expect(columnsFromKept(hidden)).toEqual(['status', 'name']);
  });

  it('reads a choice kept as a bare list, from before Last Used was offered', () => {
    expect(columnsFromKept(['status', 'name', 'user'])).toEqual(['status', 'name', 'lastUsed', 'user']);
  });

  it('gives the defaults for nothing kept or anything unreadable', () => {
    for (const kept of [null, 'x', 3, {}, { shown: 'status' }])
      expect(columnsFromKept(kept)).toEqual(DEFAULT_COLUMNS);
  });
});
