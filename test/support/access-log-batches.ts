// Access-log batches as a CloudWatch Logs subscription delivers them (decoded): lines in the
// management API's access-log format (cdk/rest-api.ts), with the ids and timestamps CloudWatch Logs
// gives each event. What the usage aggregation is tested against.
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';

export const USED_TOKEN = 'UsedT0ken0000001';
export const OTHER_TOKEN = 'OtherT0ken000002';

/** One access-log line, as API Gateway writes it for a request (REST API, `$context` variables). */
export function accessLine(fields: {
  principal?: string;
  status: number;
  path?: string;
  epochMs: number;
}): string {
  return JSON.stringify({
    requestId: `req-${fields.epochMs}`,
    requestTime: new Date(fields.epochMs).toUTCString(),
    requestTimeEpoch: String(fields.epochMs),
    ip: '203.0.113.7',
    userAgent: 'curl/8.5.0',
    method: 'GET',
    resourcePath: '/v1/tokens',
    path: fields.path ?? '/v1/tokens',
    status: String(fields.status),
    responseLength: '42',
    responseLatency: '12',
    principal: fields.principal ?? '-',
    authorizerError: '-',
    errorType: '-',
  });
}

const DAY_ONE = Date.parse('2026-12-06T23:59:58Z');
const DAY_TWO = Date.parse('2026-12-07T00:00:01Z');

/** A batch across midnight UTC: two tokens, a refusal, a public call, a line with no caller. */
export const RECORDED_BATCH: CloudWatchLogsDecodedData = {
  messageType: 'DATA_MESSAGE',
  owner: '123456789012',
  logGroup: 'TokenGateStack-TokensApiAccessLogs1A2B3C-xyz',
  logStream: '3f0b2a0c5d1e4f6a8b9c0d1e2f3a4b5c',
  subscriptionFilters: ['TokenGateStack-TokensUsageSubscription-abc'],
  logEvents: [
    {
      id: '38241563412009120125437812360347140118016',
      timestamp: DAY_ONE,
      message: accessLine({ principal: `token:${USED_TOKEN}`, status: 200, epochMs: DAY_ONE }),
    },
    {
      id: '38241563412009120125437812360347140118017',
      timestamp: DAY_ONE,
      message: accessLine({ principal: `token:${USED_TOKEN}`, status: 403, epochMs: DAY_ONE }),
    },
    {
      id: '38241563478910293847561029384756102938475',
      timestamp: DAY_TWO,
      message: accessLine({ principal: `token:${USED_TOKEN}`, status: 200, epochMs: DAY_TWO }),
    },
    {
      id: '38241563478910293847561029384756102938476',
      timestamp: DAY_TWO,
      message: accessLine({ principal: `token:${OTHER_TOKEN}`, status: 200, epochMs: DAY_TWO }),
    },
    // A public route and a missing token: no caller to count.
    {
      id: '38241563478910293847561029384756102938477',
      timestamp: DAY_TWO,
      message: accessLine({ status: 202, path: '/v1/tokens/revoke', epochMs: DAY_TWO }),
    },
    {
      id: '38241563478910293847561029384756102938478',
      timestamp: DAY_TWO,
      message: accessLine({ status: 401, epochMs: DAY_TWO }),
    },
  ],
};

/** What Lambda receives from the subscription: the batch gzipped and base64-encoded. */
export function subscriptionEvent(batch: CloudWatchLogsDecodedData): CloudWatchLogsEvent {
  return { awslogs: { data: gzipSync(JSON.stringify(batch)).toString('base64') } };
}
