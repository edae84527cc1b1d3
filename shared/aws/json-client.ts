// A small client for AWS's JSON protocols (DynamoDB, Secrets Manager): one POST per call, signed by
// AWS's own SigV4 signer (@smithy/signature-v4, which loads in a few ms), over a kept-alive
// connection, retries with jittered backoff for what the SDK also retries, a bound on each attempt
// and one on the whole call. The authorizer uses it instead of the SDK clients, whose
// module load alone takes longer than the whole cold-start budget (bench/bundles.ts,
// docs/performance.md).
//
// The authorizer's credentials come from the environment, which is where Lambda puts the function
// role's: the SDK's default chain reads the same variables there, once, and keeps them for the
// process's life. Everything else passes the SDK's own credential provider (shared/adapters/clients.ts), so a
// profile, SSO or a role from instance metadata works there too.
import type { Agent, request as httpRequest, IncomingMessage } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { backoffMs } from '#lib/backoff';
import { THROTTLING_CODES } from './throttling';

/** SHA-256 for the signer, from node:crypto: what the SDK's Node clients give it. */
const Sha256 = Hash.bind(null, 'sha256');

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface AwsJsonService {
  /** The signing name, also the endpoint's first label: `dynamodb`. */
  signingName: string;
  /** Prefix of the `x-amz-target` header: `DynamoDB_20120810`. */
  targetPrefix: string;
  jsonVersion: '1.0' | '1.1';
  /** The SDK's service-specific endpoint variable, honoured the same way. */
  endpointVariable: string;
}

export const DYNAMODB: AwsJsonService = {
  signingName: 'dynamodb',
  targetPrefix: 'DynamoDB_20120810',
  jsonVersion: '1.0',
  endpointVariable: 'AWS_ENDPOINT_URL_DYNAMODB',
};

export const SECRETS_MANAGER: AwsJsonService = {
  signingName: 'secretsmanager',
  targetPrefix: 'secretsmanager',
  jsonVersion: '1.1',
  endpointVariable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER',
};

/** An attempt with less time than this left is not started: it could not get an answer anyway. */
const MIN_ATTEMPT_MS = 100;

/** Credentials looked up when a call is made (the SDK's provider, which refreshes them itself). */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface AwsJsonClientOptions {
  /** Defaults to `AWS_REGION`. */
  region?: string | undefined;
  /** Defaults to the service's endpoint variable, then `AWS_ENDPOINT_URL`, then the public endpoint. */
  endpoint?: string | undefined;
  /** Defaults to `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`. */
  credentials?: AwsCredentials | AwsCredentialsProvider | undefined;
  /** Tries per call, the first included (the SDK's default: 3). */
  maxAttempts?: number | undefined;
  /** Bound on one try, from sending to the last byte of the answer. */
  attemptTimeoutMs?: number | undefined;
  /**
   * Bound on a whole call, all tries and the waits between them: given by whoever makes the client,
   * from what its process may spend (the authorizer's: `AUTHORIZER_CALL_DEADLINE_MS`, shared/spec/functions.ts).
   */
  deadlineMs: number;
  env?: NodeJS.ProcessEnv | undefined;
}

/** An error answer from the service, or no answer at all (`statusCode` 0). */
export class AwsServiceError extends Error {
  constructor(
    /** The error's short name: `ConditionalCheckFailedException`, `ThrottlingException`, ... */
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = code;
  }
}

// What the SDK's standard retry strategy treats as throttling or transient, besides 5xx and 429.
const RETRYABLE_CODES: ReadonlySet<string> = new Set([...THROTTLING_CODES, 'TransactionInProgressException']);

/**
 * node:http or node:https as the CommonJS modules they are. An ESM `import` of node:http builds a
 * namespace of all its exports, which in Node 22 runs its lazy undici getters: ~40 ms of cold start
 * spent on nothing (measured with --cpu-prof, bench/bundles.ts). Only the protocol in use is loaded.
 */
function transport(protocol: string): { Agent: typeof Agent; request: typeof httpRequest } {
  return protocol === 'https:'
    ? process.getBuiltinModule('node:https')
    : process.getBuiltinModule('node:http');
}

const BACKOFF_BASE_MS = 25;
const BACKOFF_CAP_MS = 1_000;

function publicEndpoint(prefix: string, region: string): string {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `https://${prefix}.${region}.${suffix}`;
}

function credentialsFrom(env: NodeJS.ProcessEnv): AwsCredentials {
  const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!accessKeyId || !secretAccessKey) {
    throw new AwsServiceError(
      'CredentialsNotFound',
      'No AWS credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set',
      0,
      false,
    );
  }
  return { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN || undefined };
}

function errorFrom(status: number, body: string, typeHeader: string | undefined): AwsServiceError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    const json: unknown = JSON.parse(body);
    if (typeof json === 'object' && json !== null) parsed = json;
  } catch {
    // not JSON: a proxy or load balancer answered
  }
  const type = typeof parsed.__type === 'string' ? parsed.__type : (typeHeader ?? `Http${status}`);
  const code = type.slice(type.lastIndexOf('#') + 1).split(':')[0] ?? type;
  const message = parsed.message ?? parsed.Message;
  return new AwsServiceError(
    code,
    typeof message === 'string' ? message : `${code} (HTTP ${status})`,
    status,
    status >= 500 || status === 429 || RETRYABLE_CODES.has(code),
  );
}

interface Answer {
  status: number;
  body: string;
  errorType: string | undefined;
}

export class AwsJsonClient {
  private readonly url: URL;
  private readonly region: string;
  private readonly credentials: AwsCredentials | AwsCredentialsProvider | undefined;
  private readonly env: NodeJS.ProcessEnv;
  private readonly maxAttempts: number;
  private readonly attemptTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly agent: Agent;
  private readonly request: typeof httpRequest;
  private readonly contentType: string;
  /** The environment's credentials, read at the first call that needs them and kept, as the SDK does. */
  private fromEnv: AwsCredentials | undefined;
  /** The signer for the credentials last signed with: a provider hands out the same object until it refreshes. */
  private held: { credentials: AwsCredentials; signer: SignatureV4 } | undefined;

  constructor(
    private readonly service: AwsJsonService,
    options: AwsJsonClientOptions,
  ) {
    this.env = options.env ?? process.env;
    const region = options.region ?? this.env.AWS_REGION ?? this.env.AWS_DEFAULT_REGION;
    if (!region) throw new Error(`No region for ${service.signingName}: set AWS_REGION`);
    const endpoint =
      options.endpoint ||
      this.env[service.endpointVariable] ||
      this.env.AWS_ENDPOINT_URL ||
      publicEndpoint(service.signingName, region);
    this.url = new URL(endpoint);
    // Requests are signed for the path `/`, which is where every AWS JSON-protocol endpoint listens.
    if (this.url.pathname !== '/' || this.url.search) {
      throw new Error(`The ${service.signingName} endpoint must have no path or query: ${endpoint}`);
    }
    this.region = region;
    this.credentials = options.credentials;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
    this.attemptTimeoutMs = options.attemptTimeoutMs ?? 2_000;
    this.deadlineMs = options.deadlineMs;
    const { Agent, request } = transport(this.url.protocol);
    this.agent = new Agent({ keepAlive: true, maxSockets: 50 });
    this.request = request;
    this.contentType = `application/x-amz-json-${service.jsonVersion}`;
  }

  /**
   * Calls `operation` (`GetItem`, `GetSecretValue`) with `input`; resolves to the parsed answer.
   * Gives up when the call's deadline has passed: each try gets at most what is left of it, and no
   * try starts with less than MIN_ATTEMPT_MS left.
   */
  async call<T>(operation: string, input: object): Promise<T> {
    return this.perform(operation, input, (text) => JSON.parse(text || '{}') as T);
  }

  /**
   * As `call`, resolving to the answer's JSON text unparsed: a caller that has seen the same text
   * before can skip decoding it again (the authorizer's credential store does).
   */
  callText(operation: string, input: object): Promise<string> {
    return this.perform(operation, input, (text) => text || '{}');
  }

  private async perform<T>(operation: string, input: object, decode: (text: string) => T): Promise<T> {
    const started = performance.now();
    const left = () => this.deadlineMs - (performance.now() - started);
    const body = JSON.stringify(input);
    const signer = this.signer(await this.credentialsForCall());
    for (let attempt = 1; ; attempt++) {
      let failure: AwsServiceError;
      try {
        const answer = await this.send(operation, body, signer, Math.min(this.attemptTimeoutMs, left()));
        if (answer.status >= 200 && answer.status < 300) return decode(answer.body);
        failure = errorFrom(answer.status, answer.body, answer.errorType);
      } catch (error) {
        failure = new AwsServiceError('NetworkingError', (error as Error).message, 0, true);
      }
      if (!failure.retryable || attempt >= this.maxAttempts) throw failure;
      const backoff = backoffMs(attempt, BACKOFF_BASE_MS, BACKOFF_CAP_MS);
      if (left() - backoff < MIN_ATTEMPT_MS) {
        throw new AwsServiceError(
          failure.code,
          `${failure.message} (gave up on ${this.service.signingName} ${operation} after ${attempt} ` +
            `${attempt === 1 ? 'try' : 'tries'} and ${Math.round(performance.now() - started)} ms: ` +
            `a call may take ${this.deadlineMs} ms in all)`,
          failure.statusCode,
          failure.retryable,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }

  /** The credentials to sign with; none found is a failure that trying again cannot mend. */
  private async credentialsForCall(): Promise<AwsCredentials> {
    if (this.credentials === undefined) {
      this.fromEnv ??= credentialsFrom(this.env);
      return this.fromEnv;
    }
    if (typeof this.credentials !== 'function') return this.credentials;
    try {
      return await this.credentials();
    } catch (error) {
      throw new AwsServiceError(
        'CredentialsNotFound',
        `No AWS credentials: ${(error as Error).message}`,
        0,
        false,
      );
    }
  }

  /**
   * AWS's own SigV4 signer for these credentials: made once per credentials object, not per call
   * (the derived signing keys are cached by its module either way). Other credentials, a new signer.
   */
  private signer(credentials: AwsCredentials): SignatureV4 {
    if (this.held?.credentials !== credentials) {
      const signer = new SignatureV4({
        service: this.service.signingName,
        region: this.region,
        credentials,
        sha256: Sha256,
        // No x-amz-content-sha256 header: only S3 and Glacier want one; the body's hash is signed anyway.
        applyChecksum: false,
      });
      this.held = { credentials, signer };
    }
    return this.held.signer;
  }

  private async send(
    operation: string,
    body: string,
    signer: SignatureV4,
    timeoutMs: number,
  ): Promise<Answer> {
    const signed = await signer.sign({
      method: 'POST',
      protocol: this.url.protocol,
      hostname: this.url.hostname,
      ...(this.url.port && { port: Number(this.url.port) }),
      path: '/',
      query: {},
      headers: {
        host: this.url.host,
        'content-type': this.contentType,
        'x-amz-target': `${this.service.targetPrefix}.${operation}`,
      },
      body,
    });
    const headers: Record<string, string> = { ...signed.headers };
    headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<Answer>((resolve, reject) => {
      const outgoing = this.request(this.url, { method: 'POST', headers, agent: this.agent });
      const timer = setTimeout(
        () => outgoing.destroy(new Error(`No answer within ${Math.round(timeoutMs)} ms`)),
        timeoutMs,
      );
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      outgoing.on('response', (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          clearTimeout(timer);
          const errorType = response.headers['x-amzn-errortype'];
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            errorType: typeof errorType === 'string' ? errorType : undefined,
          });
        });
      });
      outgoing.end(body);
    });
  }
}
