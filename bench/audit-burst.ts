// Audit lag under a burst: 1,000 token writes in 10 seconds, through the path they take in AWS
// (the tokens table's stream, read by the same stream poller the local stack runs, which invokes the
// audit consumer in batches). The lag of a write is from its PutItem's answer to the end of the
// consumer invocation that wrote its audit item.
import { join } from 'node:path';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { StreamPoller } from '#local/stream-poller';
import { AUDIT_CONSUMER } from '#spec/functions';
import { msSince, percentile, round } from './stats';

export interface AuditBurstFigures {
  audit_lag_p50_ms_burst: number;
  audit_lag_p99_ms_burst: number;
  audit_burst_writes_per_s: number;
}

const WRITES = 1_000;
const SECONDS = 10;
const TICK_MS = 100;

export async function benchAuditBurst(
  endpoint: string,
  tokensTable: string,
  dir: string,
): Promise<AuditBurstFigures> {
  const { tokens } = await import('#functions/commons/runtime');
  const { handler } = await import('#functions/audit/consumer');
  const audited = new Map<string, number>();
  const poller = new StreamPoller({
    endpoint,
    tableName: tokensTable,
    checkpointFile: join(dir, 'burst-checkpoint.json'),
    failuresFile: join(dir, 'burst-failures.jsonl'),
    consumer: {
      fn: AUDIT_CONSUMER,
      handler: async (event, context) => {
        const answer = await handler(event as DynamoDBStreamEvent, context);
        const at = process.hrtime.bigint();
        for (const record of (event as DynamoDBStreamEvent).Records) {
          const id = record.dynamodb?.Keys?.id?.S;
          if (id && !audited.has(id)) audited.set(id, Number(at));
        }
        return answer;
      },
    },
  });
  // The poller's invoke context sets AWS_LAMBDA_MAX_CONCURRENCY for this process; the local stack
  // the benchmark starts later must not inherit it (its own invoke store would then find no context).
  const maxConcurrency = process.env.AWS_LAMBDA_MAX_CONCURRENCY;
  poller.start();
  const written = new Map<string, number>();
  const actor = { type: 'system', id: 'bench-burst' } as const;
  const perTick = (WRITES * TICK_MS) / (SECONDS * 1000);
  const start = process.hrtime.bigint();
  const inFlight: Promise<void>[] = [];
  for (let tick = 0; tick < (SECONDS * 1000) / TICK_MS; tick++) {
    // Paced: each tick's writes start on time, whether or not the previous ones have answered.
    const due = tick * TICK_MS - msSince(start);
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
    for (let k = 0; k < perTick; k++) {
      inFlight.push(
        tokens
          .create(
            {
              kind: 'service',
              description: `burst ${tick}.${k}`,
              userEmail: null,
              scopes: [{ scope: 'nameservice:read', resources: null }],
              expiresAt: null,
            },
            actor,
          )
          .then(({ record }) => {
            written.set(record.id, Number(process.hrtime.bigint()));
          }),
      );
    }
  }
  await Promise.all(inFlight);
  const writeSeconds = msSince(start) / 1000;
  const deadline = process.hrtime.bigint();
  while ([...written.keys()].some((id) => !audited.has(id))) {
    if (msSince(deadline) > 60_000) throw new Error('Audit events still missing 60 s after the burst');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await poller.stop();
  if (maxConcurrency === undefined) delete process.env.AWS_LAMBDA_MAX_CONCURRENCY;
  const lags = [...written].map(([id, at]) => ((audited.get(id) as number) - at) / 1e6);
  return {
    audit_lag_p50_ms_burst: round(percentile(lags, 50), 1),
    audit_lag_p99_ms_burst: round(percentile(lags, 99), 1),
    audit_burst_writes_per_s: Math.round(WRITES / writeSeconds),
  };
}
