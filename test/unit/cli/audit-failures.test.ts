// The local stack's failures file as the redrive's failure queue: what it hands out, and what it
// leaves in the file (lines the poller appended meanwhile included).
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFailureQueue, onFailureBodyOf } from '#cli/audit-failures';
import { failedBatchOf } from '#domain/audit-redrive';

const dir = mkdtempSync(join(tmpdir(), 'tokengate-failures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARN = 'arn:aws:dynamodb:ddblocal:000000000000:table/tokengate-Tokens/stream/2026-12-07T00:00:00.000';
const line = (sequence: string) =>
  JSON.stringify({ stream_arn: ARN, shard_id: 'shardId-1', sequence_number: sequence, attempts: 11 });

describe('a line of the local failures file', () => {
  it("reads as Lambda's on-failure record of that one record", () => {
    expect(failedBatchOf(onFailureBodyOf(line('42')))).toEqual({
      streamArn: ARN,
      shardId: 'shardId-1',
      startSequenceNumber: '42',
      endSequenceNumber: '42',
      batchSize: 1,
      approximateArrivalOfFirstRecord: undefined,
    });
  });

  it.each(['not json', '{"stream_arn": 1}', 'null'])('%s is passed on as it is', (text) => {
    expect(onFailureBodyOf(text)).toBe(text);
  });
});

describe('FileFailureQueue', () => {
  it('hands out every line once, and takes out only the lines replayed, keeping those appended meanwhile', async () => {
    const file = join(dir, 'audit-failures.jsonl');
    writeFileSync(file, `${line('1')}\n\n${line('2')}\n${line('3')}\n`, { mode: 0o600 });
    const queue = new FileFailureQueue(file);
    const failures = await queue.receive();
    expect(failures.map((failure) => failedBatchOf(failure.body).startSequenceNumber)).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(await queue.receive()).toEqual([]);
    const [first, second, third] = failures;
    if (!first || !second || !third) throw new Error('three failures expected');
    await queue.remove(first);
    await queue.keep(second);
    await queue.remove(third);
    appendFileSync(file, `${line('4')}\n`);
    await queue.close();
    expect(readFileSync(file, 'utf8')).toBe(`${line('2')}\n${line('4')}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('has nothing to hand out when there is no file, and leaves none behind', async () => {
    const file = join(dir, 'none.jsonl');
    const queue = new FileFailureQueue(file);
    expect(await queue.receive()).toEqual([]);
    await queue.close();
    expect(() => statSync(file)).toThrow();
  });
});
