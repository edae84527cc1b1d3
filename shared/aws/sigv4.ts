// AWS Signature Version 4 for the JSON-protocol POSTs the authorizer makes (DynamoDB, Secrets
// Manager): path `/`, no query string, a JSON body. Written against node:crypto rather than taken
// from a signing library because of what the libraries cost at cold start: @smithy/signature-v4
// and aws4 each add about 10 ms of module load, aws4fetch signs through WebCrypto at about 170 µs a
// request, and node:crypto is already loaded by the key ring (bench/bundles.ts). Its output is
// checked against the AWS SDK's own signer in test/unit/aws-sigv4.test.ts.
import { createHash, createHmac } from 'node:crypto';
import { BoundedMap } from '#lib/bounded-map';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SigningScope {
  /** The signing name: `dynamodb`, `secretsmanager`. */
  service: string;
  region: string;
}

export interface UnsignedRequest {
  host: string;
  /** Lower-case names. `host` and the `x-amz-*` signing headers are added. */
  headers: Record<string, string>;
  body: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const KEY_CACHE_LIMIT = 16;

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** Trimmed, with inner runs of spaces and tabs as one space (SigV4's canonical header value). */
const canonicalValue = (value: string) => value.trim().replace(/[ \t]+/g, ' ');

/** `20261124T031500Z` */
function amzDate(now: Date): string {
  return now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Derived signing keys change once a day per secret, region and service: derive each once. */
const signingKeys = new BoundedMap<string, Buffer>(KEY_CACHE_LIMIT);

function signingKey(secret: string, day: string, scope: SigningScope): Buffer {
  const cacheKey = `${secret}\n${day}\n${scope.region}\n${scope.service}`;
  let key = signingKeys.get(cacheKey);
  if (!key) {
    const dayKey = hmac(`AWS4${secret}`, day);
    key = hmac(hmac(hmac(dayKey, scope.region), scope.service), 'aws4_request');
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/** The request's headers with `host`, `x-amz-date`, the session token and `authorization` added. */
export function signRequest(
  request: UnsignedRequest,
  scope: SigningScope,
  credentials: AwsCredentials,
  now: Date = new Date(),
): Record<string, string> {
  const stamp = amzDate(now);
  const day = stamp.slice(0, 8);
  const headers: Record<string, string> = { ...request.headers, host: request.host, 'x-amz-date': stamp };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((name) => `${name}:${canonicalValue(String(headers[name]))}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256Hex(request.body)}`;
  const credentialScope = `${day}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${stamp}\n${credentialScope}\n${sha256Hex(canonicalRequest)}`;
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, scope))
    .update(stringToSign, 'utf8')
    .digest('hex');

  headers.authorization =
    `${ALGORITHM} Credential=${credentials.accessKeyId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
