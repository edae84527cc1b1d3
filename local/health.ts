// What `GET /healthz` knows beyond "the gateway is up": whether DynamoDB Local answers. One
// DescribeTable on the tokens table, bounded by a short timeout and asked at most once per
// `maxAgeMs` however often /healthz is called (callers in between share the last answer).
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localClientConfig } from '#adapters/config';

export interface HealthReport {
  /** The names of the parts that do not answer; empty when all is well. */
  down: string[];
}

export interface HealthCheck {
  check(): Promise<HealthReport>;
}

export interface DynamoHealthOptions {
  endpoint: string;
  tableName: string;
  timeoutMs?: number;
  maxAgeMs?: number;
  now?: () => number;
}

export class DynamoHealth implements HealthCheck {
  private readonly client: DynamoDBClient;
  private readonly timeoutMs: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private last: { at: number; report: Promise<HealthReport> } | undefined;

  constructor(private readonly options: DynamoHealthOptions) {
    // One attempt: a retry would only make a down database take longer to report.
    this.client = new DynamoDBClient({ ...localClientConfig(options.endpoint), maxAttempts: 1 });
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  check(): Promise<HealthReport> {
    const now = this.now();
    if (!this.last || now - this.last.at >= this.maxAgeMs) {
      this.last = { at: now, report: this.ask() };
    }
    return this.last.report;
  }

  private async ask(): Promise<HealthReport> {
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.options.tableName }), {
        abortSignal: AbortSignal.timeout(this.timeoutMs),
      });
      return { down: [] };
    } catch {
      return { down: ['dynamodb'] };
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
