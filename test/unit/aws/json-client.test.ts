import { EventEmitter } from 'node:events';
import { createServer, type IncomingHttpHeaders, type RequestOptions, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AwsCredentials,
  AwsJsonClient,
  type AwsJsonClientOptions,
  type AwsJsonService,
  AwsServiceError,
  DYNAMODB,
  SECRETS_MANAGER,
} from '#aws/json-client';
import { AUTHORIZER_CALL_DEADLINE_MS, AUTHORIZER_TIMEOUT_MS } from '#spec/functions';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

type Responder = (received: Received, count: number) => Reply | 'no answer';

const json = (status: number, body: unknown, headers?: Record<string, string>): Reply => ({
  status,
  body: JSON.stringify(body),
  ...(headers && { headers }),
});
const awsError = (status: number, type: string, message = `${type} happened`) =>
  json(status, { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message });

/** A local stand-in for an AWS JSON endpoint that records what it receives. */
class FakeAws {
  received: Received[] = [];
  connections = 0;
  respond: Responder = () => json(200, {});
  private readonly server: Server;

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        });
        const reply = this.respond(this.received.at(-1) as Received, this.received.length);
        if (reply === 'no answer') return;
        response.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.0', ...reply.headers });
        response.end(reply.body);
      });
    });
    this.server.on('connection', () => this.connections++);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  reset(): void {
    this.received = [];
    this.connections = 0;
    this.respond = () => json(200, {});
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

const CREDENTIALS: AwsCredentials = { accessKeyId: 'AKIDOPTIONS', secretAccessKey: 'options-secret' };
const ENV_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'AKIDENV',
  AWS_SECRET_ACCESS_KEY: 'env-secret',
  AWS_SESSION_TOKEN: 'env-session-token',
};
const GET_ITEM = { TableName: 'tokens', Key: { id: { S: 'tok_1' } }, ConsistentRead: true };

let aws: FakeAws;
let byServiceVariable: FakeAws;
let byGeneralVariable: FakeAws;

const client = (options: Partial<AwsJsonClientOptions> = {}, service: AwsJsonService = DYNAMODB) =>
  new AwsJsonClient(service, {
    deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
    region: 'eu-west-1',
    endpoint: aws.url,
    credentials: CREDENTIALS,
    env: {},
    ...options,
  });

async function rejection(call: Promise<unknown>): Promise<AwsServiceError> {
  const error = await call.then(
    () => expect.fail('the call resolved'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AwsServiceError);
  return error as AwsServiceError;
}

const dateOf = (amzDate: string) =>
  new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));

/** The request as received, signed again by AWS's signer: the same authorization, for the expected scope. */
async function expectSignedBy(
  received: Received,
  region: string,
  service: string,
  credentials: AwsCredentials,
) {
  const { host, authorization, 'x-amz-date': amzDate } = received.headers;
  const [hostname, port] = String(host).split(':');
  const sha256 = Hash.bind(null, 'sha256');
  const signer = new SignatureV4({ service, region, credentials, sha256, applyChecksum: false });
  const expected = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: hostname ?? '',
      port: Number(port),
      path: '/',
      query: {},
      headers: {
        host: String(host),
        'content-type': String(received.headers['content-type']),
        'x-amz-target': String(received.headers['x-amz-target']),
      },
      body: received.body,
    },
    { signingDate: dateOf(String(amzDate)) },
  );
  expect(authorization).toBe(expected.headers.authorization);
  expect(authorization).toMatch(
    new RegExp(
      `^AWS4-HMAC-SHA256 Credential=${credentials.accessKeyId}/\\d{8}/${region}/${service}/aws4_request, `,
    ),
  );
}

const closedPort = async () => {
  const server = await new FakeAws().start();
  const url = server.url;
  await server.stop();
  return url;
};

beforeAll(async () => {
  [aws, byServiceVariable, byGeneralVariable] = await Promise.all([
    new FakeAws().start(),
    new FakeAws().start(),
    new FakeAws().start(),
  ]);
});

afterAll(async () => {
  await Promise.all([aws.stop(), byServiceVariable.stop(), byGeneralVariable.stop()]);
});

beforeEach(() => {
  for (const server of [aws, byServiceVariable, byGeneralVariable]) server.reset();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('AwsJsonClient requests', () => {
  it.each([
    ['DynamoDB', DYNAMODB, 'GetItem', '1.0', 'DynamoDB_20120810.GetItem', 'dynamodb'],
    [
      'Secrets Manager',
      SECRETS_MANAGER,
      'GetSecretValue',
      '1.1',
      'secretsmanager.GetSecretValue',
      'secretsmanager',
    ],
  ] as const)(
    'sends %s a signed JSON POST to / naming the operation',
    async (_, service, operation, version, target, signingName) => {
      const input = { ...GET_ITEM, Note: 'ünïcödé ✓' };

      await client({ region: 'ap-southeast-2' }, service).call(operation, input);

      expect(aws.received).toHaveLength(1);
      const [received] = aws.received as [Received];
      expect(received.method).toBe('POST');
      expect(received.url).toBe('/');
      expect(received.headers).toMatchObject({
        'content-type': `application/x-amz-json-${version}`,
        'x-amz-target': target,
        'content-length': String(Buffer.byteLength(received.body)),
        host: new URL(aws.url).host,
      });
      expect(JSON.parse(received.body)).toEqual(input);
      expect(received.headers.authorization).toContain(`/ap-southeast-2/${signingName}/aws4_request`);
      await expectSignedBy(received, 'ap-southeast-2', signingName, CREDENTIALS);
    },
  );

  it('resolves to the parsed answer of a 200', async () => {
    const answer = { Item: { id: { S: 'tok_1' }, scopes: { SS: ['read'] } } };
    aws.respond = () => json(200, answer);

    await expect(client().call('GetItem', GET_ITEM)).resolves.toEqual(answer);
  });

  it('resolves an empty 200 to an empty object', async () => {
    aws.respond = () => ({ status: 200, body: '' });

    await expect(client().call('UpdateItem', GET_ITEM)).resolves.toEqual({});
  });

  it('callText resolves to the answer of a 200 as the text it came in, unparsed', async () => {
    aws.respond = () => ({ status: 200, body: '{"Item": {"id": {"S": "tok_1"}}}' });

    await expect(client().callText('GetItem', GET_ITEM)).resolves.toBe('{"Item": {"id": {"S": "tok_1"}}}');
  });

  it('callText fails as call does', async () => {
    aws.respond = () => awsError(400, 'ValidationException');

    const error = await rejection(client().callText('GetItem', GET_ITEM));

    expect(error).toMatchObject({ code: 'ValidationException', retryable: false });
  });

  it('reuses one kept-alive connection for sequential calls', async () => {
    const dynamodb = client();

    await dynamodb.call('GetItem', GET_ITEM);
    await dynamodb.call('GetItem', GET_ITEM);

    expect(aws.received).toHaveLength(2);
    expect(aws.connections).toBe(1);
  });
});

describe('AwsJsonClient errors', () => {
  it('rejects a conditional check failure after exactly one request', async () => {
    aws.respond = () => awsError(400, 'ConditionalCheckFailedException', 'The conditional request failed');

    const error = await rejection(client().call('UpdateItem', GET_ITEM));

    expect(error).toMatchObject({
      code: 'ConditionalCheckFailedException',
      name: 'ConditionalCheckFailedException',
      message: 'The conditional request failed',
      statusCode: 400,
      retryable: false,
    });
    expect(aws.received).toHaveLength(1);
  });

  it.each(['ValidationException', 'ResourceNotFoundException', 'AccessDeniedException'])(
    'does not retry a 400 %s',
    async (type) => {
      aws.respond = () => awsError(400, type);

      expect((await rejection(client().call('GetItem', GET_ITEM))).code).toBe(type);
      expect(aws.received).toHaveLength(1);
    },
  );

  it.each([
    [
      'a 400 ProvisionedThroughputExceededException',
      awsError(400, 'ProvisionedThroughputExceededException'),
      'ProvisionedThroughputExceededException',
    ],
    ['a 400 ThrottlingException', awsError(400, 'ThrottlingException'), 'ThrottlingException'],
    ['a 500', awsError(500, 'InternalServerError'), 'InternalServerError'],
    ['a 503 without a JSON body', { status: 503, body: '<html>Service Unavailable</html>' }, 'Http503'],
    ['a 429 without a JSON body', { status: 429, body: 'Too Many Requests' }, 'Http429'],
  ])('retries %s up to the default 3 attempts, then rejects', async (_, reply, code) => {
    aws.respond = () => reply;

    const error = await rejection(client().call('GetItem', GET_ITEM));

    expect(error).toMatchObject({ code, statusCode: reply.status, retryable: true });
    expect(aws.received).toHaveLength(3);
  });

  it('tries only as often as maxAttempts says', async () => {
    aws.respond = () => awsError(500, 'InternalServerError');

    await rejection(client({ maxAttempts: 5 }).call('GetItem', GET_ITEM));
    await rejection(client({ maxAttempts: 1 }).call('GetItem', GET_ITEM));

    expect(aws.received).toHaveLength(6);
  });

  it('resolves when a retry succeeds', async () => {
    aws.respond = (_, count) =>
      count === 1 ? awsError(500, 'InternalServerError') : json(200, { Item: {} });

    await expect(client().call('GetItem', GET_ITEM)).resolves.toEqual({ Item: {} });
    expect(aws.received).toHaveLength(2);
    expect(aws.received[0]?.body).toBe(aws.received[1]?.body);
  });

  it('maps a Secrets Manager error, with its capitalised Message', async () => {
    aws.respond = () =>
      json(400, {
        __type: 'ResourceNotFoundException',
        Message: "Secrets Manager can't find the specified secret.",
      });

    const error = await rejection(
      client({}, SECRETS_MANAGER).call('GetSecretValue', { SecretId: 'missing' }),
    );

    expect(error).toMatchObject({
      code: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      statusCode: 400,
    });
  });

  it('takes the code of an error without a JSON body from x-amzn-errortype', async () => {
    aws.respond = () => ({
      status: 403,
      body: 'Forbidden',
      headers: { 'x-amzn-errortype': 'UnrecognizedClientException:http://internal.amazon.com/coral/' },
    });

    const error = await rejection(client().call('GetItem', GET_ITEM));

    expect(error).toMatchObject({
      code: 'UnrecognizedClientException',
      message: 'UnrecognizedClientException (HTTP 403)',
      statusCode: 403,
    });
    expect(aws.received).toHaveLength(1);
  });

  it('names an error with neither a JSON body nor x-amzn-errortype after its HTTP status', async () => {
    aws.respond = () => ({ status: 413, body: 'Request Entity Too Large' });

    expect(await rejection(client().call('GetItem', GET_ITEM))).toMatchObject({
      code: 'Http413',
      message: 'Http413 (HTTP 413)',
      statusCode: 413,
    });
  });

  it('names an error whose body is JSON null after its HTTP status, and does not retry it', async () => {
    aws.respond = () => ({ status: 400, body: 'null' });

    expect(await rejection(client().call('GetItem', GET_ITEM))).toMatchObject({
      code: 'Http400',
      statusCode: 400,
      retryable: false,
    });
    expect(aws.received).toHaveLength(1);
  });

  it('gives up on an attempt without an answer after attemptTimeoutMs, then rejects as a networking error', async () => {
    aws.respond = () => 'no answer';
    const started = performance.now();

    const error = await rejection(
      client({ attemptTimeoutMs: 100, maxAttempts: 2 }).call('GetItem', GET_ITEM),
    );

    const elapsed = performance.now() - started;
    expect(error).toMatchObject({ code: 'NetworkingError', statusCode: 0, retryable: true });
    expect(aws.received).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('rejects a refused connection as a networking error', async () => {
    const endpoint = await closedPort();

    const error = await rejection(client({ endpoint, maxAttempts: 2 }).call('GetItem', GET_ITEM));

    expect(error).toMatchObject({ code: 'NetworkingError', statusCode: 0 });
    expect(error.message).toMatch(/ECONNREFUSED/);
  });
});

describe('AwsJsonClient deadline', () => {
  /** A TCP listener on loopback that accepts connections and never says a word. */
  async function silentSocket() {
    const sockets = new Set<Socket>();
    const server = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      connections: () => sockets.size,
      close: async () => {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  it('leaves the authorizer a second of its timeout', () => {
    expect(AUTHORIZER_CALL_DEADLINE_MS).toBe(AUTHORIZER_TIMEOUT_MS - 1_000);
  });

  it('with the defaults, gives up on a silent socket within the deadline, well inside the authorizer timeout', async () => {
    const silent = await silentSocket();
    try {
      const started = performance.now();

      const error = await rejection(
        new AwsJsonClient(DYNAMODB, {
          deadlineMs: AUTHORIZER_CALL_DEADLINE_MS,
          region: 'eu-west-1',
          endpoint: silent.url,
          credentials: CREDENTIALS,
          env: {},
        }).call('GetItem', GET_ITEM),
      );

      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(AUTHORIZER_CALL_DEADLINE_MS - 150);
      expect(elapsed).toBeLessThan(AUTHORIZER_CALL_DEADLINE_MS + 500);
      expect(error).toMatchObject({ code: 'NetworkingError', statusCode: 0 });
      expect(error.message).toMatch(
        /^No answer within \d+ ms \(gave up on dynamodb GetItem after 2 tries and \d+ ms: a call may take 4000 ms in all\)$/,
      );
    } finally {
      await silent.close();
    }
  }, 10_000);

  it('cuts the last attempt short to what is left of the deadline', async () => {
    aws.respond = () => 'no answer';
    const started = performance.now();

    const error = await rejection(
      client({ deadlineMs: 500, attemptTimeoutMs: 300, maxAttempts: 5 }).call('GetItem', GET_ITEM),
    );

    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(800);
    expect(aws.received).toHaveLength(2);
    expect(error.message).toMatch(/gave up on dynamodb GetItem after 2 tries/);
  });

  it('starts no attempt when too little of the deadline is left for one', async () => {
    aws.respond = () => 'no answer';

    const error = await rejection(
      client({ deadlineMs: 250, attemptTimeoutMs: 200, maxAttempts: 5 }).call('GetItem', GET_ITEM),
    );

    expect(aws.received).toHaveLength(1);
    expect(error.message).toMatch(/after 1 try and \d+ ms: a call may take 250 ms in all/);
  });

  it('still retries a quick failure within the deadline as often as maxAttempts says', async () => {
    aws.respond = () => awsError(500, 'InternalServerError');

    await rejection(client({ deadlineMs: 2_000, maxAttempts: 4 }).call('GetItem', GET_ITEM));

    expect(aws.received).toHaveLength(4);
  });
});

describe('AwsJsonClient configuration', () => {
  it('signs with what a credentials provider gives, asking it on each call', async () => {
    let calls = 0;
    const provider = async () => {
      calls++;
      return { accessKeyId: `AKIDPROVIDED${calls}`, secretAccessKey: 'provided-secret', sessionToken: 'st' };
    };
    const dynamodb = client({ credentials: provider, env: ENV_CREDENTIALS });

    await dynamodb.call('GetItem', GET_ITEM);
    await dynamodb.call('GetItem', GET_ITEM);

    expect(calls).toBe(2);
    expect(aws.received[1]?.headers.authorization).toContain('Credential=AKIDPROVIDED2/');
    await expectSignedBy(aws.received[1] as Received, 'eu-west-1', 'dynamodb', {
      accessKeyId: 'AKIDPROVIDED2',
      secretAccessKey: 'provided-secret',
      sessionToken: 'st',
    });
  });

  it('rejects without sending anything when the credentials provider finds none', async () => {
    const provider = () => Promise.reject(new Error('Could not load credentials from any providers'));

    const error = await rejection(client({ credentials: provider }).call('GetItem', GET_ITEM));

    expect(error).toMatchObject({
      code: 'CredentialsNotFound',
      message: 'No AWS credentials: Could not load credentials from any providers',
      retryable: false,
    });
    expect(aws.received).toHaveLength(0);
  });

  it('rejects without sending anything when the environment has no credentials', async () => {
    const dynamodb = client({ credentials: undefined, env: { AWS_ACCESS_KEY_ID: 'AKIDONLY' } });

    const error = await rejection(dynamodb.call('GetItem', GET_ITEM));

    expect(error).toMatchObject({ code: 'CredentialsNotFound', statusCode: 0, retryable: false });
    expect(aws.received).toHaveLength(0);
  });

  it('signs with the credentials and session token of the environment', async () => {
    await client({ credentials: undefined, env: ENV_CREDENTIALS }).call('GetItem', GET_ITEM);

    const [received] = aws.received as [Received];
    expect(received.headers.authorization).toContain('Credential=AKIDENV/');
    expect(received.headers['x-amz-security-token']).toBe('env-session-token');
    expect(received.headers.authorization).toContain('x-amz-security-token');
    await expectSignedBy(received, 'eu-west-1', 'dynamodb', {
      accessKeyId: 'AKIDENV',
      secretAccessKey: 'env-secret',
      sessionToken: 'env-session-token',
    });
  });

  it('prefers credentials given as an option to those of the environment', async () => {
    await client({ env: ENV_CREDENTIALS }).call('GetItem', GET_ITEM);

    const [received] = aws.received as [Received];
    expect(received.headers.authorization).toContain('Credential=AKIDOPTIONS/');
    expect(received.headers).not.toHaveProperty('x-amz-security-token');
  });

  it.each([
    ['the region option', { region: 'us-west-2', env: { AWS_REGION: 'eu-west-1' } }, 'us-west-2'],
    [
      'AWS_REGION',
      { region: undefined, env: { AWS_REGION: 'eu-west-3', AWS_DEFAULT_REGION: 'eu-west-1' } },
      'eu-west-3',
    ],
    ['AWS_DEFAULT_REGION', { region: undefined, env: { AWS_DEFAULT_REGION: 'sa-east-1' } }, 'sa-east-1'],
  ])('signs for the region of %s', async (_, options, region) => {
    await client(options).call('GetItem', GET_ITEM);

    expect(aws.received[0]?.headers.authorization).toContain(`/${region}/dynamodb/aws4_request`);
  });

  it('throws at construction for an endpoint with a path, which the signature would not cover', () => {
    expect(() => client({ endpoint: 'http://127.0.0.1:1/dynamodb' })).toThrow(/must have no path/);
  });

  it('throws at construction when no region is given or set', () => {
    expect(
      () =>
        new AwsJsonClient(DYNAMODB, { deadlineMs: 1_000, env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:1' } }),
    ).toThrow(/No region for dynamodb/);
  });

  type Endpoints = Record<'option' | 'service' | 'general', string>;
  it.each<[string, AwsJsonService, (urls: Endpoints) => Partial<AwsJsonClientOptions>, keyof Endpoints]>([
    [
      'the endpoint option first',
      DYNAMODB,
      (urls) => ({
        endpoint: urls.option,
        env: { AWS_ENDPOINT_URL_DYNAMODB: urls.service, AWS_ENDPOINT_URL: urls.general },
      }),
      'option',
    ],
    [
      'the service variable before AWS_ENDPOINT_URL',
      DYNAMODB,
      (urls) => ({ env: { AWS_ENDPOINT_URL_DYNAMODB: urls.service, AWS_ENDPOINT_URL: urls.general } }),
      'service',
    ],
    ['AWS_ENDPOINT_URL alone', DYNAMODB, (urls) => ({ env: { AWS_ENDPOINT_URL: urls.general } }), 'general'],
    [
      'AWS_ENDPOINT_URL when the service variable is empty',
      DYNAMODB,
      (urls) => ({ env: { AWS_ENDPOINT_URL_DYNAMODB: '', AWS_ENDPOINT_URL: urls.general } }),
      'general',
    ],
    [
      'the Secrets Manager variable for Secrets Manager',
      SECRETS_MANAGER,
      (urls) => ({ env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: urls.service, AWS_ENDPOINT_URL: urls.general } }),
      'service',
    ],
    [
      'AWS_ENDPOINT_URL for Secrets Manager, whatever the DynamoDB variable says',
      SECRETS_MANAGER,
      (urls) => ({ env: { AWS_ENDPOINT_URL_DYNAMODB: urls.option, AWS_ENDPOINT_URL: urls.general } }),
      'general',
    ],
  ])('sends to %s', async (_, service, configure, expected) => {
    const servers = { option: aws, service: byServiceVariable, general: byGeneralVariable };
    const urls = { option: aws.url, service: byServiceVariable.url, general: byGeneralVariable.url };

    await client({ endpoint: undefined, ...configure(urls) }, service).call('Operation', {});

    for (const [name, server] of Object.entries(servers)) {
      expect(server.received, name).toHaveLength(name === expected ? 1 : 0);
    }
  });
});

describe('AwsJsonClient public endpoints', () => {
  /** An https module that records where requests go and fails each one, so nothing leaves the machine. */
  function interceptHttps() {
    const requests: { url: string; host: string | undefined }[] = [];
    const https = {
      Agent: class {},
      request(url: URL, options: RequestOptions) {
        requests.push({ url: url.href, host: (options.headers as Record<string, string>).host });
        const outgoing = Object.assign(new EventEmitter(), {
          end: () => setImmediate(() => outgoing.emit('error', new Error('intercepted'))),
          destroy: () => undefined,
        });
        return outgoing;
      },
    };
    const original = process.getBuiltinModule.bind(process);
    vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) =>
      id === 'node:https' ? https : original(id)) as typeof process.getBuiltinModule);
    return requests;
  }

  it.each([
    [DYNAMODB, 'eu-west-1', 'https://dynamodb.eu-west-1.amazonaws.com/'],
    [SECRETS_MANAGER, 'us-east-1', 'https://secretsmanager.us-east-1.amazonaws.com/'],
    [DYNAMODB, 'cn-north-1', 'https://dynamodb.cn-north-1.amazonaws.com.cn/'],
    [SECRETS_MANAGER, 'cn-northwest-1', 'https://secretsmanager.cn-northwest-1.amazonaws.com.cn/'],
  ])('without a configured endpoint, sends %s in %s to %s', async (service, region, url) => {
    const requests = interceptHttps();

    const error = await rejection(
      client({ endpoint: undefined, region, maxAttempts: 1 }, service).call('Op', {}),
    );

    expect(error).toMatchObject({ code: 'NetworkingError', message: 'intercepted' });
    expect(requests).toEqual([{ url, host: new URL(url).host }]);
  });
});
