// How times and counts read in the console: a short date in the reader's locale, the exact time on
// hover; a count with its noun.
import type { TokenUsage } from './api';

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string): string {
  return DATE.format(new Date(iso));
}

export function formatDateTime(iso: string | null, none = '—'): string {
  return iso ? DATE_TIME.format(new Date(iso)) : none;
}

/** `in 3 days`, `2 hours ago`. */
export function relative(iso: string, now = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(Math.round(seconds), 'second');
}

/** `1 request`, `12 requests`: a count with its noun, grouped as the reader's locale does. */
export function plural(count: number, one: string, many: string): string {
  return `${count.toLocaleString()} ${count === 1 ? one : many}`;
}

/** What the totals read as, in the image's name and beside it. */
export function usageSummary(usage: TokenUsage): string {
  const denied = usage.days.reduce((sum, day) => sum + day.denied, 0);
  const requests = plural(usage.requests, 'request', 'requests');
  return denied > 0 ? `${requests}, ${denied.toLocaleString()} denied` : requests;
}
