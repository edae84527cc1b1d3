// The tokengate L3 construct: the tokens table, the HMAC key secret, the token authorizer, the
// management REST API, the audit trail and the expiry-warning scan, built from the shared table
// definitions and route table.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import {
  type GatewayResponse,
  IdentitySource,
  RequestAuthorizer,
  ResponseType,
  type RestApiBase,
} from 'aws-cdk-lib/aws-apigateway';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { Metric, type MetricOptions, Unit } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  Architecture,
  Code,
  Function as LambdaFunction,
  LayerVersion,
  Runtime,
} from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, type RetentionDays, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { catalogueProblems } from '#domain/catalogue';
import { COGNITO_GROUPS_CLAIM } from '#domain/people';
import type { AccessLogField } from '#spec/access-log';
import {
  DEFAULT_AUDIT_RETENTION_DAYS,
  DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS,
  DEFAULT_EXPIRY_WARNING_DAYS,
  DEFAULT_RETENTION_DAYS,
} from '#spec/defaults';
import { ENV } from '#spec/env';
import {
  AUDIT_CONSUMER,
  AUTHORIZER,
  checksOwnToken,
  EXPIRY_WARNER,
  type FunctionDef,
  KEY_SECRET_ROTATION,
  USAGE_RECORDER,
} from '#spec/functions';
import { GATEWAY_RESPONSES, REST_AUTHORIZER_IDENTITY } from '#spec/gateway';
import {
  type DenyReason,
  METRIC_DIMENSIONS,
  METRICS,
  METRICS_NAMESPACE,
  type MetricDef,
  type Rotation,
} from '#spec/metrics';
import { ROUTES, type Route } from '#spec/routes';
import { type Catalogue, DEFAULT_CATALOGUE } from '#spec/scopes';
import { AUDIT_TABLE, KEY_SECRET_TAG, SEARCH_TABLE, TOKENS_TABLE, USAGE_TABLE } from '#spec/tables';
import { AuditStream } from './audit';
import { AnyHttpApiAuthorizer, AnyRestApiAuthorizer, type ITokenAuthorizerSource } from './authorizers';
import { TokenGateConsole, type TokenGateConsoleOptions } from './console';
import { ExpiryWarnings } from './expiry';
import type { TokenGateFirewallProps } from './firewall';
import {
  functionsByName,
  type LogLevel,
  TokenGateFunction,
  type TokenGateFunctionOverrides,
} from './function';
import { bindNeeds, grantKey } from './grants';
import { TokenGateMonitoring } from './monitoring';
import { addRoutes, type TokenGateDomainProps, TokenGateRestApi } from './rest-api';
import { attachRotation } from './rotation';
import {
  type SignInSettings,
  settingsOf,
  type TokenGateIdentityProvider,
  TokenGateUserPool,
} from './sign-in';
import { type TableKeeping, tableFromDefinition } from './tables';

export interface TokenGateProps {
  /**
   * How long an authorizer answer is reused: API Gateway's cache of REST answers (per token, method
   * and path) and the authorizer's own memo of verified callers for HTTP APIs. The longest a revoked
   * token can still pass; on REST APIs a token is refused this long before its `expires_at`.
   * @default Duration.seconds(30) (`DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS`)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Days a revoked or expired token is kept before DynamoDB's TTL removes it (`TOKENGATE_RETENTION_DAYS`).
   * @default 30
   */
  readonly retentionDays?: number;
  /**
   * What happens to the three tables (tokens, audit, search) and the key secret when they leave the
   * stack. They share one policy: the stored hashes are worthless without the key. It does not
   * apply to the log groups (the functions' are removed with them, the management API's access logs
   * are always kept: they say who called) nor to a `RotatedToken`'s secret.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * DynamoDB's deletion protection on the three tables: a `DeleteTable` call, the console's or
   * CloudFormation's, fails while it is on. With `RemovalPolicy.DESTROY` and this on, deleting the
   * stack fails on the tables: turn it off first.
   * @default true, unless `removalPolicy` is `RemovalPolicy.DESTROY`
   */
  readonly deletionProtection?: boolean;
  /**
   * A customer-managed KMS key for what tokengate stores: the three tables
   * (`TableEncryptionV2.customerManagedKey`), the key secret, the functions' and the management API's log groups, and the audit
   * failure queue. Each function is granted the key's use for what it does (decrypt to read, encrypt
   * too to write). CloudWatch Logs in the stack's region is let use it for this account's log groups
   * by a statement added to the key's policy; an imported key (`Key.fromKeyArn`) gets none, so its
   * policy must say so already. A `RotatedToken`'s secret keeps Secrets Manager's AWS managed key.
   * The stack must name its region (`env: { region }`): a global table names the key of each of its
   * replicas by region, which cannot be written for a stack deployable to any region.
   * @default AWS owned and AWS managed keys, as each service has them
   */
  readonly encryptionKey?: IKey;
  /**
   * Settings for every function of the gate (the authorizer, the API's handlers, the audit consumer,
   * the rotations, the expiry-warning scan, each RotatedToken's): memory, reserved concurrency, a VPC
   * with its subnets and security groups, source maps. Log retention is `logRetention`.
   * @default 256 MB, no reserved concurrency, not in a VPC, no source maps
   */
  readonly functionProps?: TokenGateFunctionOverrides;
  /**
   * The authorizer's own settings, over `functionProps` field by field: it runs on every request of
   * your APIs, where the others run on the management API's.
   * @default `functionProps`
   */
  readonly authorizerFunctionProps?: TokenGateFunctionOverrides;
  /**
   * Create the account-wide role API Gateway writes the management API's execution and access logs
   * with (`RestApiProps.cloudWatchRole`: an `AWS::ApiGateway::Account` and its role, one per account
   * and region). Off by default, as CDK apps made by `cdk init` have it
   * (`@aws-cdk/aws-apigateway:disableCloudWatchRole`): most accounts already have the role, from
   * another API or stack. Set true in an account and region that has none yet; without it, the
   * API's stage fails to deploy with "CloudWatch Logs role ARN must be set in account settings to
   * enable logging".
   * @default false
   */
  readonly cloudWatchRole?: boolean;
  /** Retention of the functions' log groups. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** The functions' `POWERTOOLS_LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: LogLevel;
  /**
   * Days an audit event is kept before DynamoDB's TTL removes it (`TOKENGATE_AUDIT_RETENTION_DAYS`).
   * @default 400
   */
  readonly auditRetentionDays?: number;
  /**
   * How often Secrets Manager rotates the HMAC key secret: a new key becomes current, the older ones
   * stay (functions/rotation/key-secret.ts). Whole days, 1 to 1000.
   * @default Duration.days(90)
   */
  readonly keyRotationEvery?: Duration;
  /**
   * How long before its `expires_at` a token gets its `token.expiring` warning (audit trail and the
   * default EventBridge bus), from the daily expiry-warning scan (`TOKENGATE_EXPIRY_WARNING_SECONDS`).
   * @default Duration.days(14) (`DEFAULT_EXPIRY_WARNING_DAYS`)
   */
  readonly expiryWarningWindow?: Duration;
  /**
   * The daily expiry-warning scan (the ExpiryWarner function and its schedule). False leaves both
   * out: no `token.expiring` event is then recorded or put on the bus, and `expiryWarningWindow`
   * has no use.
   * @default true
   */
  readonly expiryWarnings?: boolean;
  /**
   * The management API (`api`: the token API, the Connect-compatible routes, the audit listing) and
   * the functions behind it. False leaves them out: the authorizer, the tables, the key secret and
   * its rotation, the audit trail and the expiry-warning scan stay, and tokens come from
   * `RotatedToken`s and the CLI's `bootstrap` over the tokens table. `apiDomain`, `firewall` and
   * `console` need the API: without it there is no console.
   * @default true
   */
  readonly managementApi?: boolean;
  /**
   * The web console (`console`: a `TokenGateConsole`): the console's build, shipped in the package,
   * in a private S3 bucket behind a CloudFront distribution, with the management API on the same
   * origin and the console's security headers (CSP, HSTS, no framing) on every answer. Options set
   * how it is served (a custom domain, a web ACL, how long its access logs are kept); false leaves it
   * out. It needs the management API: with `managementApi` false there is none, and a `console` of
   * true or options then stops the synth.
   * @default true: a console with the defaults of `TokenGateConsoleOptions`
   */
  readonly console?: boolean | TokenGateConsoleOptions;
  /**
   * A custom domain for the management API (`api`): a regional API Gateway domain name with the
   * TLS 1.2 security policy (`SecurityPolicy.TLS_1_2`), mapped at its root to the API's stage. The
   * ACM certificate must be in the stack's region; the DNS record pointing the name at the domain's
   * regional host name (`api.domainName.domainNameAliasDomainName`) is yours to make.
   * @default none: the API answers at its execute-api URL only
   */
  readonly apiDomain?: TokenGateDomainProps;
  /**
   * An AWS WAF web ACL on the management API's stage (`api.webAcl`): at most `rateLimit` requests per
   * client IP in any 5 minutes, and AWS's common managed rule set. Behind the console's distribution
   * the stage sees CloudFront's addresses, not the viewers': give the distribution its own web ACL.
   * @default no web ACL
   */
  readonly firewall?: TokenGateFirewallProps;
  /**
   * The scope catalogue: your API's scopes and the paths they grant, scope name (`orders:read`) to
   * `{ label, resources, grants: [{ methods: ['GET'] | ['*'], path: '/orders/{resource}/*' }] }`.
   * `global:admin` is always there. Checked at synth: a catalogue that cannot work, or whose JSON is
   * longer than `MAX_CATALOGUE_BYTES`, stops it with one line. It reaches the functions that read it
   * as a file in a Lambda layer (`CATALOGUE_LAYER_PATH`).
   * @default the default catalogue (Posit Package Manager's and Connect's routes)
   */
  readonly scopes?: Catalogue;
  /**
   * The gate's alarms and CloudWatch dashboard (`monitoring`, a `TokenGateMonitoring`): authorizer
   * errors, throttles and p99 duration, the management API's 5xx answers, DynamoDB throttles, the
   * audit stream's iterator age and rotation failures, beside the audit failure queue's alarm, which
   * is always there. False leaves them out (that alarm stays).
   * @default true
   */
  readonly monitoring?: boolean;
  /**
   * An SNS topic every alarm of the gate notifies, on ALARM and on OK: those of `monitoring` and the
   * audit failure queue's (`auditStream.failureAlarm`), which it notifies with `monitoring` false too.
   * @default no alarm action
   */
  readonly alarmTopic?: ITopic;
  /**
   * The OpenID Connect issuer people sign in with, to the console (`Sign in with SSO`) and to the
   * management API (`Authorization: Bearer <ID token>`): an existing one (Okta, Entra ID, Auth0,
   * Google...) in place of the Cognito user pool the gate makes. Members of its admin group manage
   * tokens, under their email in the audit trail.
   * @default a Cognito user pool (`signIn.userPool`) with the group `tokengate-admins`, a hosted
   * sign-in domain and the console's app client, when the console is on; no people sign-in without it
   */
  readonly identityProvider?: TokenGateIdentityProvider;
}

/**
 * The longest catalogue (as JSON) the construct passes on: 128 KiB, more than three times a catalogue
 * of 200 scopes (about 36 KB) and more than the most scopes a catalogue may have (500) with two
 * grants each. The authorizer reads, checks and compiles it at every cold start, which grows with its
 * size (docs/performance.md), so a longer one would eat into its start-up budget.
 */
export const MAX_CATALOGUE_BYTES = 128 * 1024;

/**
 * Where a function finds a deployment's own catalogue: in the catalogue layer, which Lambda unpacks
 * under `/opt`. A file rather than an environment variable, whatever the catalogue's size: Lambda
 * allows 4 KB of environment per function in all (a couple of dozen scopes), and reading the file at
 * start costs about 0.1 ms more than reading the variable (docs/performance.md). A layer rather than
 * the file in each function's code: one asset for all the functions that read it, and their code,
 * pre-built in the package, stays as it is built.
 */
export const CATALOGUE_LAYER_PATH = 'tokengate/scopes.json';

/** The catalogue as the functions read it, or a one-line error for one that cannot work or is too long. */
function catalogueJson(scopes: Catalogue): string {
  const problems = catalogueProblems(scopes);
  if (problems.length > 0)
    throw new Error(`TokenGate scopes: Invalid scope catalogue: ${problems.join('; ')}`);
  const json = JSON.stringify(scopes);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_CATALOGUE_BYTES) {
    throw new Error(
      `TokenGate scopes: the catalogue is ${bytes} bytes of JSON; at most ${MAX_CATALOGUE_BYTES} (128 KiB) are passed to the functions`,
    );
  }
  return json;
}

/**
 * A folder holding `CATALOGUE_LAYER_PATH` with `json`: the content of a catalogue layer. The folder is
 * named after the catalogue's hash, so that synthesizing again reuses it rather than leaving one more
 * folder in the temp directory each time; the file is written aside and renamed into place, so that a
 * synth running at the same time never reads half of it.
 */
function catalogueLayerContent(json: string): string {
  const hash = createHash('sha256').update(json).digest('hex').slice(0, 32);
  const folder = join(tmpdir(), `tokengate-scopes-${hash}`);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  // A name anyone can guess: a folder someone else made (or opened to others) could have its file
  // swapped before the asset is staged, and the deployment would ship their catalogue.
  const found = lstatSync(folder);
  const others = process.platform === 'win32' ? 0 : found.mode & 0o077;
  if (!found.isDirectory() || (process.getuid && found.uid !== process.getuid()) || others !== 0) {
    throw new Error(
      `TokenGate scopes: ${folder} is not a private folder of this user; remove it and synthesize again`,
    );
  }
  const file = join(folder, CATALOGUE_LAYER_PATH);
  mkdirSync(dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, json);
  renameSync(aside, file);
  return folder;
}

/** `base` with each field `over` sets (left-out and undefined fields keep `base`'s). */
function overridden(
  base: TokenGateFunctionOverrides,
  over: TokenGateFunctionOverrides,
): TokenGateFunctionOverrides {
  return {
    memorySize: over.memorySize ?? base.memorySize,
    reservedConcurrentExecutions: over.reservedConcurrentExecutions ?? base.reservedConcurrentExecutions,
    vpc: over.vpc ?? base.vpc,
    vpcSubnets: over.vpcSubnets ?? base.vpcSubnets,
    securityGroups: over.securityGroups ?? base.securityGroups,
    sourceMaps: over.sourceMaps ?? base.sourceMaps,
  };
}

/**
 * Lets CloudWatch Logs of the key's region use `key` for the log groups of its account, as log group
 * encryption needs (the key policy, not IAM). An imported key's policy is not changed.
 */
function letLogsUse(key: IKey): void {
  const stack = Stack.of(key);
  key.addToResourcePolicy(
    new PolicyStatement({
      principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
            service: 'logs',
            resource: 'log-group',
            resourceName: '*',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        },
      },
    }),
  );
}

/** Secrets Manager generates the first key: `{"current":"k1","k1":"<64 characters>"}` (shared/domain/keyring.ts). */
export const KEY_RING_TEMPLATE = {
  secretStringTemplate: JSON.stringify({ current: 'k1' }),
  generateStringKey: 'k1',
  excludePunctuation: true,
  passwordLength: 64,
} as const;

/**
 * Scoped API tokens for API Gateway. Attach the authorizer to your own APIs with `gate.authorizer`
 * (REST API methods) or `gate.httpAuthorizer` (HTTP API routes).
 */
// Not `implements TokenGateResources`: that is a struct, which a class may not implement in jsii's
// type system; a TokenGate is one all the same (its properties match), so `bindNeeds` takes it.
export class TokenGate extends Construct implements ITokenAuthorizerSource {
  /**
   * One item per token, built from `TOKENS_TABLE`; its stream carries the audit trail. Like the two
   * other tables, a DynamoDB global table (`AWS::DynamoDB::GlobalTable`) with one replica, in the
   * stack's region.
   */
  readonly tokensTable: TableV2;
  /** The HMAC key ring that token hashes are made with. */
  readonly keySecret: Secret;
  /** One item per audit event, built from `AUDIT_TABLE`; shares the tokens table's removal policy. */
  readonly auditTable: TableV2;
  /**
   * The search postings of `q`, built from `SEARCH_TABLE`, kept by the functions that write tokens;
   * shares the tokens table's removal policy.
   */
  readonly searchTable: TableV2;
  /**
   * Per-token usage, one item per token and UTC day, built from `USAGE_TABLE`; shares the tokens
   * table's removal policy.
   */
  readonly usageTable: TableV2;
  /**
   * Counts per-token usage from access logs (`USAGE_RECORDER`): subscribed to the management API's
   * access log group, and to any `recordUsageOf` is given.
   */
  readonly usageRecorder: TokenGateFunction;
  /** The audit consumer, fed by the tokens table's stream. */
  readonly auditConsumer: TokenGateFunction;
  /** The stream's event source mapping, its failure queue and alarm. */
  readonly auditStream: AuditStream;
  /** The expiry-warning scan (`EXPIRY_WARNER`); none when `expiryWarnings` is false. */
  readonly expiryWarner?: TokenGateFunction;
  /** The scan's daily schedule; none when `expiryWarnings` is false. */
  readonly expiryWarnings?: ExpiryWarnings;
  /** The Lambda token authorizer, for REST and HTTP APIs. */
  readonly authorizerFunction: TokenGateFunction;
  /**
   * The management API: every route of `ROUTES` but the example (`scoped`) ones; none when
   * `managementApi` is false.
   */
  readonly api?: TokenGateRestApi;
  /**
   * The web console on CloudFront (its address is `console.url`); none when `console` or
   * `managementApi` is false.
   */
  readonly console?: TokenGateConsole;
  /**
   * How people sign in: the issuer, the console's client id, the groups claim and the admin group the
   * authorizer was given; undefined when people sign-in is off.
   */
  readonly signIn?: SignInSettings;
  /** The Cognito user pool people sign in with, when the gate made one (no `identityProvider`). */
  readonly userPool?: TokenGateUserPool;
  /**
   * The token authorizer for REST APIs: `{ authorizer: gate.authorizer }` on any method of any of
   * your REST APIs (and of `api`). Each API gets its own `RequestAuthorizer`, as `requestAuthorizer()`
   * makes it, named `<this construct's id>Authorizer` inside the API.
   */
  readonly authorizer: AnyRestApiAuthorizer;
  /**
   * The token authorizer for HTTP APIs: `{ authorizer: gate.httpAuthorizer }` on any route of any of
   * your HTTP APIs. Each API gets its own authorizer, as `httpApiAuthorizer()` makes it.
   */
  readonly httpAuthorizer: AnyHttpApiAuthorizer;
  /** Rotates the key secret (`KEY_SECRET_ROTATION`) every `keyRotationEvery`. */
  readonly keySecretRotation: TokenGateFunction;
  /** The alarms and dashboard; none when `monitoring` is false. */
  readonly monitoring?: TokenGateMonitoring;
  /** The functions behind `api`, by `FunctionDef.name` (none without it). */
  readonly functions: { readonly [name: string]: TokenGateFunction };
  readonly authorizerCacheTtl: Duration;
  readonly retentionDays: number;
  readonly auditRetentionDays: number;
  /** The customer-managed key of `encryptionKey`, when given. */
  readonly encryptionKey?: IKey;
  private readonly logRetention: RetentionDays | undefined;
  private readonly logLevel: LogLevel | undefined;
  private readonly functionProps: TokenGateFunctionOverrides;
  private readonly authorizerFunctionProps: TokenGateFunctionOverrides;
  /** The folder holding the deployment's own catalogue as its layer carries it; unset, the default. */
  private readonly catalogueContent: string | undefined;
  /** The catalogue layer of each stack that holds a function reading it (`catalogueLayer`). */
  private readonly catalogueLayers = new Map<Stack, LayerVersion>();
  /** The scope catalogue the deployment's tokens are checked against: `scopes`, or the default. */
  readonly scopes: Catalogue;
  /**
   * The `Gate` dimension of the metrics this gate's functions publish: `<stack name>/<construct id>`,
   * so that several gates in one account and region keep their figures apart.
   */
  readonly metricsGate: string;

  constructor(scope: Construct, id: string, props: TokenGateProps = {}) {
    super(scope, id);
    this.authorizerCacheTtl =
      props.authorizerCacheTtl ?? Duration.seconds(DEFAULT_AUTHORIZER_CACHE_TTL_SECONDS);
    this.retentionDays = props.retentionDays ?? DEFAULT_RETENTION_DAYS;
    this.auditRetentionDays = props.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS;
    for (const [name, days] of Object.entries({
      retentionDays: this.retentionDays,
      auditRetentionDays: this.auditRetentionDays,
    })) {
      if (!Number.isInteger(days) || days < 0)
        throw new Error(`${name} must be a whole number of days, got ${days}`);
    }
    this.metricsGate = `${Stack.of(this).stackName}/${id}`;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { encryptionKey } = props;
    this.encryptionKey = encryptionKey;
    if (encryptionKey) letLogsUse(encryptionKey);
    const keeping = {
      removalPolicy,
      deletionProtection: props.deletionProtection ?? removalPolicy !== RemovalPolicy.DESTROY,
      encryptionKey,
    };
    const catalogue = props.scopes === undefined ? undefined : catalogueJson(props.scopes);

    this.keySecret = new Secret(this, 'KeySecret', {
      description: 'tokengate HMAC key ring: token hashes are keyed with it',
      generateSecretString: KEY_RING_TEMPLATE,
      removalPolicy,
      encryptionKey,
    });

    this.tokensTable = this.createTokensTable(keeping);
    this.auditTable = tableFromDefinition(this, AUDIT_TABLE, keeping);
    this.searchTable = tableFromDefinition(this, SEARCH_TABLE, keeping);
    this.usageTable = tableFromDefinition(this, USAGE_TABLE, keeping);

    this.logRetention = props.logRetention;
    this.logLevel = props.logLevel;
    this.functionProps = props.functionProps ?? {};
    this.authorizerFunctionProps = overridden(this.functionProps, props.authorizerFunctionProps ?? {});
    this.catalogueContent = catalogue === undefined ? undefined : catalogueLayerContent(catalogue);
    this.scopes = props.scopes ?? DEFAULT_CATALOGUE;
    const createFunction = (definition: FunctionDef) => this.createFunction(this, definition);

    this.authorizerFunction = createFunction(AUTHORIZER);
    this.auditConsumer = createFunction(AUDIT_CONSUMER);
    this.usageRecorder = createFunction(USAGE_RECORDER);
    this.auditStream = new AuditStream(this, 'AuditStream', {
      tokensTable: this.tokensTable,
      consumer: this.auditConsumer,
      encryptionKey,
    });
    // The key secret's rotation function; each RotatedToken makes its own (cdk/rotated-token.ts).
    this.keySecretRotation = createFunction(KEY_SECRET_ROTATION);
    attachRotation(this, 'KeySecretRotationSchedule', {
      secret: this.keySecret,
      rotationFunction: this.keySecretRotation,
      every: props.keyRotationEvery ?? Duration.days(90),
      rotateImmediately: false, // the key CloudFormation generated is new
    });
    if (encryptionKey) grantKey(this.keySecretRotation, encryptionKey, true); // it puts new key rings
    if (props.expiryWarnings ?? true) {
      this.expiryWarner = createFunction(EXPIRY_WARNER);
      this.expiryWarnings = new ExpiryWarnings(this, 'ExpiryWarnings', {
        warner: this.expiryWarner,
        window: props.expiryWarningWindow ?? Duration.days(DEFAULT_EXPIRY_WARNING_DAYS),
      });
    }
    const authorizers = { source: this, idInApi: `${id}Authorizer` };
    this.authorizer = new AnyRestApiAuthorizer(this, 'RestAuthorizer', authorizers);
    this.httpAuthorizer = new AnyHttpApiAuthorizer(authorizers);

    if (!(props.managementApi ?? true)) {
      this.functions = {};
      this.monitoring = this.watch(props);
      const needing = (['apiDomain', 'firewall', 'console'] as const).filter(
        (name) => props[name] !== undefined && props[name] !== false,
      );
      if (needing.length > 0) {
        const named =
          needing.length === 1
            ? `${needing[0]} needs`
            : `${needing.slice(0, -1).join(', ')} and ${needing.at(-1)} need`;
        throw new Error(`TokenGate ${this.node.path}: ${named} the management API (managementApi is false)`);
      }
      return;
    }
    const managementRoutes = ROUTES.filter((route) => route.access !== 'scoped');
    this.functions = functionsByName(managementRoutes, createFunction);
    this.api = new TokenGateRestApi(this, 'Api', {
      description: 'tokengate: token management API',
      // Unique in the account and region, as its metrics need (`ApiName`): `<stack name>-<id>`.
      restApiName: this.metricsGate.replace('/', '-'),
      cloudWatchRole: props.cloudWatchRole,
      routes: managementRoutes,
      encryptionKey,
      domain: props.apiDomain,
      firewall: props.firewall,
    });
    this.recordUsageOf(this.api.accessLogs);
    this.authorizer.adopt(this.api, this.requestAuthorizer(this, 'ApiAuthorizer'));
    this.addGatewayResponses(this.api);
    addRoutes(this.api, managementRoutes, this.authorizer, this.functions);
    const consoleProps = props.console ?? true;
    if (props.identityProvider) this.signIn = settingsOf(props.identityProvider);
    else if (consoleProps !== false) {
      // The sign-in comes back to the console, made just below.
      this.userPool = new TokenGateUserPool(this, 'SignIn', {
        consoleUrl: () => `${this.console?.url}/`,
        removalPolicy,
      });
      this.signIn = settingsOf({
        issuer: this.userPool.issuer,
        clientId: this.userPool.client.userPoolClientId,
        groupsClaim: COGNITO_GROUPS_CLAIM, // the issuer is a token here: not recognisable by its URL
        adminGroup: this.userPool.adminGroup,
      });
    }
    if (this.signIn) this.letPeopleSignIn(this.signIn, managementRoutes);
    if (consoleProps !== false) {
      this.console = new TokenGateConsole(this, 'Console', {
        ...(consoleProps === true ? {} : consoleProps),
        api: this.api,
        expiryWarningWindow: props.expiryWarningWindow,
        signIn: this.signIn,
      });
    }
    this.monitoring = this.watch(props);
  }

  /** The alarms and dashboard `props` ask for, once everything they watch is made. */
  private watch({ monitoring = true, alarmTopic }: TokenGateProps): TokenGateMonitoring | undefined {
    if (monitoring) return new TokenGateMonitoring(this, 'Monitoring', { gate: this, alarmTopic });
    if (alarmTopic) {
      const action = new SnsAction(alarmTopic);
      this.auditStream.failureAlarm.addAlarmAction(action);
      this.auditStream.failureAlarm.addOkAction(action);
    }
    return undefined;
  }

  /** Tells the functions that decide who a caller is (the authorizer, the Connect functions) the issuer. */
  private letPeopleSignIn(settings: SignInSettings, routes: readonly Route[]): void {
    const deciding = [
      this.authorizerFunction,
      ...routes.filter((route) => checksOwnToken(route.fn)).map((route) => this.functions[route.fn.name]),
    ];
    for (const fn of new Set(deciding)) {
      fn?.addEnvironment(ENV.oidcIssuer, settings.issuer);
      fn?.addEnvironment(ENV.oidcClientId, settings.clientId);
      fn?.addEnvironment(ENV.oidcGroupsClaim, settings.groupsClaim);
      fn?.addEnvironment(ENV.oidcAdminGroup, settings.adminGroup);
    }
  }

  /**
   * A function built from `definition` in `scope` (this gate, or a RotatedToken in any stack of the
   * app), with this gate's log settings, granted exactly its declared needs on this gate's tables and
   * key secret.
   */
  createFunction(scope: Construct, definition: FunctionDef): TokenGateFunction {
    const fn = new TokenGateFunction(scope, definition.name, {
      ...(definition === AUTHORIZER ? this.authorizerFunctionProps : this.functionProps),
      definition,
      logRetention: this.logRetention,
      logLevel: this.logLevel,
      encryptionKey: this.encryptionKey,
    });
    bindNeeds(fn, definition.needs, this);
    fn.addEnvironment(ENV.metricsGate, this.metricsGate);
    if (definition.needs.scopes && this.catalogueContent !== undefined) {
      fn.addLayers(this.catalogueLayer(scope, this.catalogueContent));
      fn.addEnvironment(ENV.catalogueFile, `/opt/${CATALOGUE_LAYER_PATH}`);
    }
    return fn;
  }

  /**
   * The layer holding the deployment's own catalogue in `scope`'s stack, made there on first use. A
   * function in another stack (a RotatedToken's) gets a layer of that stack: each change of the
   * catalogue makes a new layer version, whose ARN, exported to another stack, CloudFormation would
   * refuse to change while that stack imports it.
   */
  private catalogueLayer(scope: Construct, content: string): LayerVersion {
    const stack = Stack.of(scope);
    let layer = this.catalogueLayers.get(stack);
    if (!layer) {
      layer = new LayerVersion(stack === Stack.of(this) ? this : scope, 'ScopesLayer', {
        description: `tokengate scope catalogue (/opt/${CATALOGUE_LAYER_PATH})`,
        code: Code.fromAsset(content),
        compatibleRuntimes: [Runtime.NODEJS_22_X],
        compatibleArchitectures: [Architecture.ARM_64],
      });
      this.catalogueLayers.set(stack, layer);
    }
    return layer;
  }

  /**
   * Counts per-token usage from an API's access log group (`GET /v1/tokens/{id}/usage`): subscribes
   * the usage recorder to it, with a filter that passes on only the lines of a token's requests. Each
   * line must be JSON with the caller as `principal` (`token:<id>`) and the answer's `status`: on a
   * REST API `"principal": "$context.authorizer.principalId"`, on an HTTP API
   * `"principal": "$context.authorizer.principal"`, and `"status": "$context.status"`. The management
   * API's access log is subscribed already. A log group has at most two subscription filters.
   */
  recordUsageOf(accessLogs: ILogGroup): SubscriptionFilter {
    const scope = accessLogs instanceof Construct ? accessLogs : this;
    // As for the authorizer: from another stack, a reference to the recorder in that stack keeps the
    // invoke permission there, and the stacks free of a dependency cycle.
    const recorder =
      Stack.of(scope) === Stack.of(this)
        ? this.usageRecorder
        : LambdaFunction.fromFunctionAttributes(scope, `${this.node.id}UsageRecorder`, {
            functionArn: this.usageRecorder.functionArn,
            sameEnvironment: true,
          });
    return new SubscriptionFilter(scope, `${this.node.id}UsageSubscription`, {
      logGroup: accessLogs,
      destination: new LambdaDestination(recorder),
      filterPattern: FilterPattern.stringValue(`$.${'principal' satisfies AccessLogField}`, '=', 'token:*'),
    });
  }

  /**
   * A new authorizer using the token authorizer function, for one of your REST APIs (a
   * `RequestAuthorizer` belongs to exactly one RestApi, and must be used by at least one method).
   * Identity sources (`REST_AUTHORIZER_IDENTITY`): the `Authorization` header, the method and the
   * path, so an answer, cached for `authorizerCacheTtl`, is only reused for the request it decided.
   */
  requestAuthorizer(scope: Construct, id: string): RequestAuthorizer {
    // The authorizer grants API Gateway invocation by adding a permission beside its handler. From
    // another stack that would make this stack depend on the caller's, and the caller's on this one;
    // a reference to the function in the caller's stack keeps the permission there.
    const handler =
      Stack.of(scope) === Stack.of(this)
        ? this.authorizerFunction
        : LambdaFunction.fromFunctionAttributes(scope, `${id}Handler`, {
            functionArn: this.authorizerFunction.functionArn,
            sameEnvironment: true,
          });
    return new RequestAuthorizer(scope, id, {
      handler,
      identitySources: REST_AUTHORIZER_IDENTITY.map(({ from, name }) =>
        from === 'header' ? IdentitySource.header(name) : IdentitySource.context(name),
      ),
      resultsCacheTtl: this.authorizerCacheTtl,
    });
  }

  /**
   * An authorizer for an HTTP API (payload 2.0, simple responses). Its answer is a yes/no for one
   * method and path, which an HTTP API's cache key cannot hold (`$context.routeKey` is the route
   * template, shared by every path of a proxy route), so API Gateway does not cache it; the
   * authorizer remembers verified callers for `authorizerCacheTtl` instead and decides each request.
   */
  httpApiAuthorizer(id: string): HttpLambdaAuthorizer {
    return new HttpLambdaAuthorizer(id, this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: ['$request.header.Authorization'],
      resultsCacheTtl: Duration.seconds(0),
    });
  }

  /**
   * Requests the authorizer allowed (`Allowed`, Sum over 5 minutes unless `props` say otherwise). A
   * REST answer API Gateway serves from its cache does not reach the authorizer: it is not counted.
   */
  metricAllowed(props?: MetricOptions): Metric {
    return this.metricOf(METRICS.allowed, {}, props);
  }

  /** Requests the authorizer refused for `reason` (`Denied` with its `Reason`). */
  metricDenied(props: MetricOptions & { readonly reason: DenyReason }): Metric {
    const { reason, ...options } = props;
    return this.metricOf(METRICS.denied, { reason }, options);
  }

  /** HTTP API checks whose caller the authorizer remembered, without reading the table (`MemoHits`). */
  metricMemoHits(props?: MetricOptions): Metric {
    return this.metricOf(METRICS.memoHits, {}, props);
  }

  /** How long the authorizer waited for the token's item (`StoreLatency`, p99 by default). */
  metricStoreLatency(props?: MetricOptions): Metric {
    return this.metricOf(METRICS.storeLatency, {}, props);
  }

  /** The authorizer function's duration as Lambda measures it (`AWS/Lambda` `Duration`, p99 by default). */
  metricAuthorizerLatency(props?: MetricOptions): Metric {
    return this.authorizerFunction.metricDuration({ statistic: 'p99', ...props });
  }

  /** Requests to the management API's functions (`Requests`). */
  metricApiRequests(props?: MetricOptions): Metric {
    return this.metricOf(METRICS.requests, {}, props);
  }

  /** Management API requests answered with the error `code` (`Errors` with its `Code`). */
  metricApiErrors(props: MetricOptions & { readonly code: string }): Metric {
    const { code, ...options } = props;
    return this.metricOf(METRICS.errors, { code }, options);
  }

  /** From a change to the tokens table to its audit event (`AuditLag`, Maximum by default). */
  metricAuditLag(props?: MetricOptions): Metric {
    return this.metricOf(METRICS.auditLag, {}, props);
  }

  /** Stream records the audit consumer failed to write (`AuditFailures`). */
  metricAuditFailures(props?: MetricOptions): Metric {
    return this.metricOf(METRICS.auditFailures, {}, props);
  }

  /** Rotation steps that finished, of the key secret (`key`) or of RotatedTokens (`token`). */
  metricRotationSucceeded(props: MetricOptions & { readonly rotation: Rotation }): Metric {
    const { rotation, ...options } = props;
    return this.metricOf(METRICS.rotationSucceeded, { rotation }, options);
  }

  /** Rotation steps that failed, of the key secret (`key`) or of RotatedTokens (`token`). */
  metricRotationFailed(props: MetricOptions & { readonly rotation: Rotation }): Metric {
    const { rotation, ...options } = props;
    return this.metricOf(METRICS.rotationFailed, { rotation }, options);
  }

  /** `definition` as this gate's functions publish it, with `values` for its dimensions but the gate. */
  private metricOf(
    definition: MetricDef,
    values: Partial<Record<keyof typeof METRIC_DIMENSIONS, string>>,
    props: MetricOptions = {},
  ): Metric {
    const all = { ...values, gate: this.metricsGate };
    const dimensionsMap = Object.fromEntries(
      definition.dimensions.map((key) => [METRIC_DIMENSIONS[key], all[key] ?? '']),
    );
    return new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: definition.name,
      dimensionsMap,
      statistic: definition.statistic,
      unit: definition.unit === 'Count' ? Unit.COUNT : Unit.MILLISECONDS,
      ...props,
    });
  }

  /**
   * API Gateway's own 401, 403 and 429 answers, and its 500 when the authorizer fails, in the API's
   * JSON error shape (`GATEWAY_RESPONSES`).
   */
  addGatewayResponses(api: RestApiBase): GatewayResponse[] {
    const refusals = [
      { id: 'Unauthorized', type: ResponseType.UNAUTHORIZED, statusCode: 401 },
      { id: 'AccessDenied', type: ResponseType.ACCESS_DENIED, statusCode: 403 },
      { id: 'Throttled', type: ResponseType.THROTTLED, statusCode: 429 },
      { id: 'AuthorizerFailure', type: ResponseType.AUTHORIZER_FAILURE, statusCode: 500 },
      {
        id: 'AuthorizerConfigurationError',
        type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
        statusCode: 500,
      },
    ] as const;
    return refusals.map(({ id, type, statusCode }) =>
      api.addGatewayResponse(`${id}Response`, {
        type,
        statusCode: String(statusCode),
        responseHeaders: { 'Content-Type': "'application/json'" },
        templates: { 'application/json': JSON.stringify(GATEWAY_RESPONSES[statusCode]) },
      }),
    );
  }

  private createTokensTable(keeping: TableKeeping): TableV2 {
    const table = tableFromDefinition(this, TOKENS_TABLE, keeping);
    Tags.of(table).add(KEY_SECRET_TAG, this.keySecret.secretArn);
    return table;
  }
}
