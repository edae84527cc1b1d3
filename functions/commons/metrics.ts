// The metrics the API functions, the audit consumer and the rotations publish (shared/spec/metrics.ts),
// as embedded metric format (EMF) lines on stdout through Powertools Metrics, which CloudWatch Logs
// turns into metrics. The construct sets the gate's dimension (`TOKENGATE_METRICS_GATE`); where it is
// unset (the local stack) nothing is published: there is no CloudWatch to read the lines.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { ENV } from '#spec/env';
import { METRIC_DIMENSIONS, METRICS_NAMESPACE, type MetricDef } from '#spec/metrics';

type DimensionKey = keyof typeof METRIC_DIMENSIONS;

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds } as const;

/**
 * The metrics of one invocation, buffered until `publish()`. An EMF line carries one set of
 * dimensions for all its metrics, so each set (the gate alone; the gate and an error's code; ...)
 * gets its own Powertools instance and line. The sets are few: dimensions stay few-valued.
 */
export class GateMetrics {
  private readonly byDimensions = new Map<string, Metrics>();

  constructor(private readonly gate: string | undefined) {}

  /** Adds `value` to `definition`, with `dimensions` for its dimensions but the gate. */
  add(
    definition: MetricDef,
    value = 1,
    dimensions: Partial<Record<Exclude<DimensionKey, 'gate'>, string>> = {},
  ): void {
    if (!this.gate) return;
    const values: Partial<Record<DimensionKey, string>> = { ...dimensions, gate: this.gate };
    const named: Record<string, string> = {};
    for (const key of definition.dimensions) {
      const dimension = values[key];
      if (dimension === undefined) throw new Error(`Metric ${definition.name} needs its ${key} dimension`);
      named[METRIC_DIMENSIONS[key]] = dimension;
    }
    const id = JSON.stringify(named);
    let metrics = this.byDimensions.get(id);
    if (!metrics) {
      metrics = new Metrics({ namespace: METRICS_NAMESPACE });
      metrics.clearDefaultDimensions(); // Powertools' own `service` dimension, which the construct does not read
      metrics.setDefaultDimensions(named);
      this.byDimensions.set(id, metrics);
    }
    metrics.addMetric(definition.name, UNITS[definition.unit], value);
  }

  /** Writes what was added since the last call, one EMF line per set of dimensions. */
  publish(): void {
    for (const metrics of this.byDimensions.values()) {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  }
}

/** This process's metrics, under the gate the construct named. */
export const metrics = new GateMetrics(process.env[ENV.metricsGate] || undefined);
