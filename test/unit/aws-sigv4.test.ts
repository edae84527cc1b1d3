import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AwsCredentials, type SigningScope, signRequest, type UnsignedRequest } from '#aws/sigv4';

type SourceData = string | ArrayBuffer | ArrayBufferView;

const bytesOf = (data: SourceData) =>
  typeof data === 'string'
    ? Buffer.from(data, 'utf8')
    : ArrayBuffer.isView(data)
      ? Buffer.from(data.buffer, data.byteOffset, data.byteLength)
      : Buffer.from(data);

/** The `sha256` constructor smithy's signer wants: a hash, or an HMAC when given a secret. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }

  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }

  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

const CREDENTIALS: AwsCredentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const WITH_TOKEN: AwsCredentials = { ...CREDENTIALS, sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//token==' };
const DATE = new Date('2026-11-24T03:15:00.123Z');
const DYNAMODB_SCOPE: SigningScope = { service: 'dynamodb', region: 'eu-west-1' };

const getItem = (body = '{"TableName":"tokens","Key":{"id":{"S":"abc"}}}'): UnsignedRequest => ({
  host: 'dynamodb.eu-west-1.amazonaws.com',
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
  body,
});

async function smithyAuthorization(
  request: UnsignedRequest,
  scope: SigningScope,
  credentials: AwsCredentials,
  now: Date,
): Promise<string | undefined> {
  const signer = new SignatureV4({
    ...scope,
    credentials,
    sha256: NodeSha256,
    applyChecksum: false,
    uriEscapePath: true,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: request.host,
      path: '/',
      headers: { ...request.headers, host: request.host },
      body: request.body,
      query: {},
    },
    { signingDate: now },
  );
  return signed.headers.authorization;
}

async function expectSameAsSmithy(
  request: UnsignedRequest,
  scope: SigningScope,
  credentials: AwsCredentials,
  now: Date,
) {
  const ours = signRequest(request, scope, credentials, now).authorization;
  expect(ours).toBe(await smithyAuthorization(request, scope, credentials, now));
}

describe('signRequest', () => {
  it.each([
    ['dynamodb', 'eu-west-1', 'application/x-amz-json-1.0', 'DynamoDB_20120810.GetItem'],
    ['dynamodb', 'us-east-1', 'application/x-amz-json-1.0', 'DynamoDB_20120810.UpdateItem'],
    ['secretsmanager', 'ap-southeast-2', 'application/x-amz-json-1.1', 'secretsmanager.GetSecretValue'],
    ['secretsmanager', 'cn-north-1', 'application/x-amz-json-1.1', 'secretsmanager.DescribeSecret'],
  ])('signs a %s request in %s exactly as the AWS SDK signer does', async (service, region, type, target) => {
    const request: UnsignedRequest = {
      host: `${service}.${region}.amazonaws.com`,
      headers: { 'content-type': type, 'x-amz-target': target },
      body: '{"SecretId":"tokengate/hmac-keys"}',
    };
    for (const credentials of [CREDENTIALS, WITH_TOKEN]) {
      await expectSameAsSmithy(request, { service, region }, credentials, DATE);
    }
  });

  it('signs an empty body and a host with a port exactly as the AWS SDK signer does', async () => {
    await expectSameAsSmithy({ ...getItem(''), host: '127.0.0.1:8000' }, DYNAMODB_SCOPE, WITH_TOKEN, DATE);
  });

  it('agrees with the AWS SDK signer for any body, secret, session token, date, region and service', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) }),
        ),
        fc.stringMatching(/^[A-Z0-9]{16,20}$/),
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.option(fc.base64String({ minLength: 4 }), { nil: undefined }),
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('us-east-1', 'eu-west-1', 'eu-central-2', 'ap-northeast-3', 'cn-northwest-1'),
        fc.constantFrom('dynamodb', 'secretsmanager'),
        async (body, accessKeyId, secretAccessKey, sessionToken, now, region, service) => {
          await expectSameAsSmithy(
            getItem(body),
            { service, region },
            { accessKeyId, secretAccessKey, sessionToken },
            now,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps signing correctly once more secrets have been used than its key cache holds', async () => {
    const secrets = Array.from({ length: 40 }, (_, i) => `secret-${i}`);
    for (const secretAccessKey of [...secrets, ...secrets.reverse()]) {
      await expectSameAsSmithy(getItem(), DYNAMODB_SCOPE, { ...CREDENTIALS, secretAccessKey }, DATE);
    }
  });

  it('adds host and x-amz-date, and signs them with the given headers', () => {
    const headers = signRequest(getItem(), DYNAMODB_SCOPE, CREDENTIALS, DATE);

    expect(headers).toMatchObject({
      host: 'dynamodb.eu-west-1.amazonaws.com',
      'x-amz-date': '20261124T031500Z',
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.GetItem',
    });
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261124\/eu-west-1\/dynamodb\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=[0-9a-f]{64}$/,
    );
  });

  it('adds and signs x-amz-security-token only when there is a session token', () => {
    const withToken = signRequest(getItem(), DYNAMODB_SCOPE, WITH_TOKEN, DATE);
    const without = signRequest(getItem(), DYNAMODB_SCOPE, CREDENTIALS, DATE);
    const emptyToken = signRequest(getItem(), DYNAMODB_SCOPE, { ...CREDENTIALS, sessionToken: '' }, DATE);

    expect(withToken['x-amz-security-token']).toBe(WITH_TOKEN.sessionToken);
    expect(withToken.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;',
    );
    expect(without).not.toHaveProperty('x-amz-security-token');
    expect(without.authorization).not.toContain('x-amz-security-token');
    expect(emptyToken).toEqual(without);
  });

  it('signs header values trimmed, and with inner runs of spaces and tabs as one space, as the SDK does', async () => {
    const spaced: UnsignedRequest = {
      ...getItem(),
      headers: {
        'content-type': '  application/x-amz-json-1.0\t',
        'x-amz-target': 'DynamoDB_20120810.GetItem  ',
      },
    };
    const tidy = signRequest(getItem(), DYNAMODB_SCOPE, CREDENTIALS, DATE);
    const inner: UnsignedRequest = {
      ...getItem(),
      headers: { ...getItem().headers, 'x-custom': 'a  b \t c' },
    };

    expect(signRequest(spaced, DYNAMODB_SCOPE, CREDENTIALS, DATE).authorization).toBe(tidy.authorization);
    await expectSameAsSmithy(spaced, DYNAMODB_SCOPE, CREDENTIALS, DATE);
    await expectSameAsSmithy(inner, DYNAMODB_SCOPE, WITH_TOKEN, DATE);
  });

  it('agrees with the AWS SDK signer for any header value Node can send', async () => {
    await fc.assert(
      fc.asyncProperty(fc.stringMatching(/^[\t\x20-\x7e]*$/), async (value) => {
        const request = { ...getItem(), headers: { ...getItem().headers, 'x-custom': value } };
        await expectSameAsSmithy(request, DYNAMODB_SCOPE, WITH_TOKEN, DATE);
      }),
    );
  });

  it('leaves the given headers unchanged', () => {
    const request = getItem();
    const before = structuredClone(request);

    signRequest(request, DYNAMODB_SCOPE, WITH_TOKEN, DATE);

    expect(request).toEqual(before);
  });

  it('gives a different signature for a different body, date or region', () => {
    const base = signRequest(getItem(), DYNAMODB_SCOPE, CREDENTIALS, DATE).authorization;
    const variants = [
      signRequest(getItem('{}'), DYNAMODB_SCOPE, CREDENTIALS, DATE).authorization,
      signRequest(getItem(), DYNAMODB_SCOPE, CREDENTIALS, new Date(DATE.getTime() + 1_000)).authorization,
      signRequest(getItem(), { ...DYNAMODB_SCOPE, region: 'eu-west-2' }, CREDENTIALS, DATE).authorization,
    ];

    expect(new Set([base, ...variants]).size).toBe(4);
  });
});
