// Where expiry warnings are announced: the account's default EventBridge bus in AWS (source
// `tokengate`, detail-type `token.expiring`), a JSON-lines file in the local stack, which has no
// EventBridge (`$DATA_DIR/events.jsonl`, each line an event as a bus rule's target receives it).
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import type { ExpiryEventBus, ExpiryWarningEvent } from '#domain/expiry-warning';
import { backoffMs, sleep } from '#lib/backoff';

/** The `source` of every event tokengate puts on a bus. */
export const EVENT_SOURCE = 'tokengate';
/** The account the local stack names (as its gateway does). */
const LOCAL_ACCOUNT = '000000000000';
/** PutEvents takes at most 10 entries a call. */
const ENTRIES_PER_CALL = 10;
/** Tries of an entry EventBridge refused (throttled, internal failure) before the run gives it up. */
const PUT_TRIES = 4;

export function eventBusEntry(event: ExpiryWarningEvent): PutEventsRequestEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: new Date(event.time),
    Resources: [],
  };
}

/** The default bus of the client's account and region. */
export class EventBridgeExpiryBus implements ExpiryEventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly retryWaitMs: (attempt: number) => number = (attempt) => backoffMs(attempt, 100, 2_000),
  ) {}

  async publish(events: readonly ExpiryWarningEvent[]): Promise<ExpiryWarningEvent[]> {
    const failed: ExpiryWarningEvent[] = [];
    for (let start = 0; start < events.length; start += ENTRIES_PER_CALL) {
      failed.push(...(await this.putBatch(events.slice(start, start + ENTRIES_PER_CALL))));
    }
    return failed;
  }

  /** Puts up to 10 events, retrying the entries EventBridge refused; resolves to those it never took. */
  private async putBatch(batch: readonly ExpiryWarningEvent[]): Promise<ExpiryWarningEvent[]> {
    let pending = [...batch];
    for (let attempt = 1; pending.length > 0 && attempt <= PUT_TRIES; attempt++) {
      if (attempt > 1) await sleep(this.retryWaitMs(attempt - 1));
      const { FailedEntryCount, Entries } = await this.client.send(
        new PutEventsCommand({ Entries: pending.map(eventBusEntry) }),
      );
      if (!FailedEntryCount) return [];
      // The result entries come in the order of the request's; a failed one has an ErrorCode.
      pending = pending.filter((_, i) => !Entries?.[i]?.EventId || Entries[i]?.ErrorCode);
    }
    return pending;
  }
}

/**
 * The local stack's bus: appends each event, as EventBridge delivers it to a rule's target, as one
 * JSON line to a file.
 */
export class FileExpiryBus implements ExpiryEventBus {
  constructor(private readonly path: string) {}

  async publish(events: readonly ExpiryWarningEvent[]): Promise<ExpiryWarningEvent[]> {
    if (events.length === 0) return [];
    mkdirSync(dirname(this.path), { recursive: true });
    const lines = events.map((event) =>
      JSON.stringify({
        version: '0',
        id: randomUUID(),
        'detail-type': event.type,
        source: EVENT_SOURCE,
        account: LOCAL_ACCOUNT,
        time: event.time,
        region: 'local',
        resources: [],
        detail: event,
      }),
    );
    appendFileSync(this.path, `${lines.join('\n')}\n`);
    return [];
  }
}
