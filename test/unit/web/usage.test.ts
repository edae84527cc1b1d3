// The console's usage parts: the chart's totals as they read beside the bars and in its accessible
// name (web/src/format.ts), and the `Last Used` column among the columns shown by default.
import { describe, expect, it } from 'vitest';
import { COLUMNS, DEFAULT_COLUMNS } from '../../../web/src/columns';
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
