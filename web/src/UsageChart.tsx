// A token's `Requests, last 30 days` in its details: one bar a day (its denied part in red), the
// total as text beside the bars. The bars are one image whose accessible name says the totals; each
// bar's title gives its day.
import { useEffect, useId, useState } from 'react';
import type { Api, TokenUsage } from './api';
import { plural, usageSummary } from './format';

/** The days the chart covers, today (UTC) included. */
export const USAGE_DAYS = 30;
const BAR = 10;
const GAP = 2;
const HEIGHT = 60;

interface UsageChartProps {
  api: Api;
  id: string;
  /** Changes when the token changed: read its usage again. */
  revision: number;
}

export function UsageChart({ api, id, revision }: UsageChartProps) {
  const [usage, setUsage] = useState<TokenUsage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();

  useEffect(() => {
    let live = true;
    if (revision < 0) return; // (read again on each revision)
    setError(null);
    api.usage(id, USAGE_DAYS).then(
      (read) => live && setUsage(read),
      (caught: unknown) => live && setError(caught instanceof Error ? caught.message : String(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, id, revision]);

  const title = `Requests, last ${USAGE_DAYS} days`;
  const most = Math.max(1, ...(usage?.days.map((day) => day.requests) ?? []));
  const scale = (count: number) => (count / most) * HEIGHT;
  const width = USAGE_DAYS * (BAR + GAP) - GAP;

  return (
    <section className="usage" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {error && <p className="muted">Could not read the usage: {error}</p>}
      {!usage && !error && <p className="muted">Loading…</p>}
      {usage && (
        <div className="usage-chart">
          <svg
            role="img"
            aria-label={`${title}: ${usageSummary(usage)}`}
            viewBox={`0 0 ${width} ${HEIGHT}`}
            preserveAspectRatio="none"
            className="usage-bars"
          >
            {usage.days.map((day, i) => {
              const x = i * (BAR + GAP);
              const height = scale(day.requests);
              return (
                <g key={day.date}>
                  <title>{`${day.date}: ${plural(day.requests, 'request', 'requests')}, ${day.denied} denied`}</title>
                  <rect className="usage-day" x={x} y={HEIGHT - height} width={BAR} height={height} />
                  <rect
                    className="usage-denied"
                    x={x}
                    y={HEIGHT - scale(day.denied)}
                    width={BAR}
                    height={scale(day.denied)}
                  />
                  <rect className="usage-baseline" x={x} y={HEIGHT - 1} width={BAR} height={1} />
                </g>
              );
            })}
          </svg>
          <p className="usage-total" aria-hidden="true">
            {usageSummary(usage)}
          </p>
        </div>
      )}
    </section>
  );
}
