// The authorizer's metrics (shared/spec/metrics.ts): counted in memory on every check, published as
// CloudWatch embedded metric format (EMF) lines through Powertools Metrics at most once a minute.
//
// Why not Powertools per check: calling `addMetric` on every check measured 14 to 57 µs a check,
// `singleMetric()` 136 to 387 µs, against a budget of 2 µs (the whole check's CPU is about 5 µs).
// So a check only adds 1 to an integer in a small fixed structure (`metrics_cpu_us_per_check` in the
// bench: well under 1 µs), and `flushIfDue`, called at the end of every invocation, hands the sums
// to Powertools once the interval has passed: at most one set of lines a minute, whatever the
// traffic. The price: what was counted since the last flush is lost when Lambda retires the
// environment (docs/operations.md).
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { CredentialStore } from '#domain/token-store';
import { ENV } from '#spec/env';
import { DENY_REASONS, type DenyReason, METRIC_DIMENSIONS, METRICS, METRICS_NAMESPACE } from '#spec/metrics';

/** EMF takes at most 100 values of one metric in a line: the store latencies kept between flushes. */
const LATENCY_SAMPLES = 100;

const ONE_MINUTE = 60_000;

/** What a check counts: the only calls on the authorizer's path. */
export interface DecisionCounter {
  allowed(): void;
  denied(reason: DenyReason): void;
  memoHit(): void;
}

export interface AuthorizerMetricsOptions {
  /**
   * The `Gate` dimension: which gate's authorizer this is. Undefined (the local stack, where no
   * CloudWatch reads the lines), the counts are dropped at each flush and nothing is written.
   */
  gate: string | undefined;
  /** At least this long between two flushes; a minute unless told. */
  intervalMs?: number;
  now?: () => number;
}

export class AuthorizerMetrics implements DecisionCounter {
  private allowedCount = 0;
  private memoHitCount = 0;
  /** By reason, in the order of `DENY_REASONS`. */
  private readonly deniedCounts: Record<DenyReason, number> = {
    malformed: 0,
    unknown: 0,
    revoked: 0,
    expired: 0,
    scope: 0,
    crafted_path: 0,
  };
  /** A uniform sample of the reads' latencies since the last flush (reservoir sampling). */
  private readonly latencies = new Float64Array(LATENCY_SAMPLES);
  private reads = 0;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private lastFlush: number;
  private readonly gate: string | undefined;
  private readonly emf: Metrics;

  constructor(options: AuthorizerMetricsOptions) {
    this.gate = options.gate;
    this.intervalMs = options.intervalMs ?? ONE_MINUTE;
    this.now = options.now ?? (() => Date.now());
    this.lastFlush = this.now();
    this.emf = new Metrics({ namespace: METRICS_NAMESPACE });
    // Powertools adds a `service` dimension by default: the gate's metrics have only theirs.
    this.emf.clearDefaultDimensions();
  }

  allowed(): void {
    this.allowedCount++;
  }

  denied(reason: DenyReason): void {
    this.deniedCounts[reason]++;
  }

  memoHit(): void {
    this.memoHitCount++;
  }

  /** A read of a token's item took `ms`. */
  storeRead(ms: number): void {
    const seen = ++this.reads;
    if (seen <= LATENCY_SAMPLES) this.latencies[seen - 1] = ms;
    else {
      const slot = Math.floor(Math.random() * seen);
      if (slot < LATENCY_SAMPLES) this.latencies[slot] = ms;
    }
  }

  /** At the end of an invocation: publishes what was counted if the interval has passed since the last flush. */
  flushIfDue(): void {
    const now = this.now();
    if (now - this.lastFlush >= this.intervalMs) this.flush(now);
  }

  /** Publishes what was counted since the last flush (one EMF line per dimension set), and starts again. */
  flush(now = this.now()): void {
    this.lastFlush = now;
    if (this.gate === undefined) {
      this.reset();
      return;
    }
    const { gate, reason } = METRIC_DIMENSIONS;
    const emf = this.emf;
    const count = (name: string, value: number) => {
      if (value > 0) emf.addMetric(name, MetricUnit.Count, value);
    };
    count(METRICS.allowed.name, this.allowedCount);
    count(METRICS.memoHits.name, this.memoHitCount);
    const samples = Math.min(this.reads, LATENCY_SAMPLES);
    for (let i = 0; i < samples; i++) {
      emf.addMetric(METRICS.storeLatency.name, MetricUnit.Milliseconds, this.latencies[i] ?? 0);
    }
    if (emf.hasStoredMetrics()) {
      emf.addDimension(gate, this.gate);
      emf.publishStoredMetrics();
    }
    for (const why of DENY_REASONS) {
      const value = this.deniedCounts[why];
      if (value === 0) continue;
      emf.addDimension(gate, this.gate);
      emf.addDimension(reason, why);
      emf.addMetric(METRICS.denied.name, MetricUnit.Count, value);
      emf.publishStoredMetrics();
    }
    this.reset();
  }

  private reset(): void {
    for (const why of DENY_REASONS) this.deniedCounts[why] = 0;
    this.allowedCount = 0;
    this.memoHitCount = 0;
    this.reads = 0;
  }
}

/** The gate's metrics recorder, its `Gate` from the environment the construct sets (none: nothing written). */
export function authorizerMetricsFromEnv(env: NodeJS.ProcessEnv = process.env): AuthorizerMetrics {
  return new AuthorizerMetrics({ gate: env[ENV.metricsGate] || undefined });
}

/** `store` with each read of a token's item timed into `metrics`. */
export function timedReads(
  store: CredentialStore,
  metrics: Pick<AuthorizerMetrics, 'storeRead'>,
): CredentialStore {
  return {
    async getCredential(id) {
      const start = performance.now();
      try {
        return await store.getCredential(id);
      } finally {
        metrics.storeRead(performance.now() - start);
      }
    },
    touchLastUsed: (id, at, notBefore) => store.touchLastUsed(id, at, notBefore),
  };
}
