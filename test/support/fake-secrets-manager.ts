// Secrets Manager has no local engine, so tests that read the key ring from it talk to this: a real
// HTTP server on loopback that speaks GetSecretValue in Secrets Manager's JSON 1.1 protocol. It is
// the one faked AWS service; DynamoDB is always the real DynamoDB Local.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsJsonClient, SECRETS_MANAGER } from '#aws/json-client';
import { AUTHORIZER_CALL_DEADLINE_MS } from '#spec/functions';

export type SecretAnswer = { secretString: string } | { error: string; status?: number };

export interface FakeSecretsManager {
  readonly url: string;
  /** The SecretId of every GetSecretValue received, in order. */
  readonly requests: string[];
  /** What every GetSecretValue answers from now on. */
  answer(next: SecretAnswer): void;
  /** What the next GetSecretValue answers; later ones get the standing answer. */
  answerOnce(next: SecretAnswer): void;
  /** A Secrets Manager client on this server, as the functions build one. */
  client(): AwsJsonClient;
  close(): Promise<void>;
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  response.end(JSON.stringify(body));
}

async function bodyOf(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startFakeSecretsManager(): Promise<FakeSecretsManager> {
  const requests: string[] = [];
  const queued: SecretAnswer[] = [];
  let standing: SecretAnswer = { error: 'ResourceNotFoundException', status: 400 };

  const server = createServer(async (request, response) => {
    const body = await bodyOf(request);
    const signed = String(request.headers.authorization ?? '').includes('/secretsmanager/aws4_request');
    if (!signed) return reply(response, 403, { __type: 'InvalidSignatureException', Message: 'Not signed' });
    if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
      return reply(response, 400, { __type: 'UnknownOperationException' });
    }
    const { SecretId } = JSON.parse(body) as { SecretId: string };
    requests.push(SecretId);
    const next = queued.shift() ?? standing;
    if ('error' in next)
      return reply(response, next.status ?? 400, { __type: next.error, Message: next.error });
    reply(response, 200, {
      ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${SecretId}`,
      Name: SecretId,
      SecretString: next.secretString,
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    answer: (next) => {
      standing = next;
    },
    answerOnce: (next) => {
      queued.push(next);
    },
    client: () =>
      new AwsJsonClient(SECRETS_MANAGER, {
        deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
        endpoint: url,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
        maxAttempts: 1,
      }),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
