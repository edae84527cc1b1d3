import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeExpiryBus, FileExpiryBus } from '#adapters/expiry-event-bus';
import type { ExpiryWarningEvent } from '#domain/expiry-warning';

const eventBridge = mockClient(EventBridgeClient);
const dir = mkdtempSync(join(tmpdir(), 'tokengate-bus-'));

function warning(n: number): ExpiryWarningEvent {
  const id = `Tok3nId${String(n).padStart(9, '0')}`;
  return {
    warning_id: `${id}@2026-12-01T00:00:00.000Z`,
    type: 'token.expiring',
    token_id: id,
    kind: 'user',
    description: `token ${n}`,
    user_email: null,
    expires_at: '2026-12-01T00:00:00.000Z',
    time: '2026-11-28T12:00:00.000Z',
  };
}

const tokenIdOf = (entry: PutEventsRequestEntry) => JSON.parse(entry.Detail ?? '{}').token_id as string;
const sentBatches = () =>
  eventBridge.commandCalls(PutEventsCommand).map((call) => (call.args[0].input.Entries ?? []).map(tokenIdOf));

beforeEach(() => eventBridge.reset());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the EventBridge bus', () => {
  const bus = new EventBridgeExpiryBus(new EventBridgeClient({ region: 'eu-west-1' }), () => 0);

  it('puts events on the default bus, 10 a call, as source tokengate and detail-type token.expiring', async () => {
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    const events = Array.from({ length: 23 }, (_, n) => warning(n));

    expect(await bus.publish(events)).toEqual([]);

    expect(sentBatches().map((batch) => batch.length)).toEqual([10, 10, 3]);
    const [first] = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(first).toMatchObject({ Source: 'tokengate', DetailType: 'token.expiring' });
    expect(first?.EventBusName).toBeUndefined(); // the default bus
    expect(JSON.parse(first?.Detail ?? '{}')).toEqual(events[0]);
  });

  it('puts again only the entries EventBridge refused, until it takes them', async () => {
    let call = 0;
    eventBridge.on(PutEventsCommand).callsFake(({ Entries }: { Entries: unknown[] }) => {
      call++;
      // The first call refuses the second entry; the retry takes it.
      return call === 1
        ? {
            FailedEntryCount: 1,
            Entries: [
              { EventId: 'a' },
              { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
              { EventId: 'c' },
            ],
          }
        : { FailedEntryCount: 0, Entries: Entries.map(() => ({ EventId: 'b' })) };
    });

    expect(await bus.publish([warning(1), warning(2), warning(3)])).toEqual([]);

    expect(sentBatches()).toEqual([
      [warning(1).token_id, warning(2).token_id, warning(3).token_id],
      [warning(2).token_id],
    ]);
  });

  it('gives back the events it could not put after its tries', async () => {
    eventBridge.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try later' }],
    });

    expect(await bus.publish([warning(7)])).toEqual([warning(7)]);
    expect(sentBatches()).toHaveLength(4);
  });
});

describe('the local stack bus', () => {
  it('appends each event as EventBridge delivers it to a target, one JSON line each', async () => {
    const path = join(dir, 'nested', 'events.jsonl');
    const bus = new FileExpiryBus(path);

    expect(await bus.publish([warning(1)])).toEqual([]);
    expect(await bus.publish([warning(2), warning(3)])).toEqual([]);

    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.detail.token_id)).toEqual([1, 2, 3].map((n) => warning(n).token_id));
    expect(lines[0]).toMatchObject({
      version: '0',
      'detail-type': 'token.expiring',
      source: 'tokengate',
      time: '2026-11-28T12:00:00.000Z',
      resources: [],
      detail: warning(1),
    });
    expect(new Set(lines.map((line) => line.id)).size).toBe(3);
  });
});
