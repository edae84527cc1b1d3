// One Lambda function of tokengate, with the defaults every function shares fixed once: Node 22 on
// ARM, X-Ray, its own log group written to by its own role (no AWS managed policy), and an
// ESM bundle with source maps that leaves the AWS SDK v3 to the runtime.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionDef } from '#spec/routes';
import { BUNDLING, externalModulesFor } from './bundling';

/** The repository root: `FunctionDef.entry` paths are relative to it. */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One function per definition, made by `create` on first use, so that routes served by the same
 * definition share its function: `functionFor` for `addRoutes`, and every function made, by name.
 */
export function functionsByDefinition(create: (definition: FunctionDef) => TokenGateFunction) {
  const functions = new Map<string, TokenGateFunction>();
  const functionFor = (definition: FunctionDef): TokenGateFunction => {
    let fn = functions.get(definition.name);
    if (!fn) {
      fn = create(definition);
      functions.set(definition.name, fn);
    }
    return fn;
  };
  return { functions, functionFor };
}

/** Tag naming the `FunctionDef` a function (and its role) was built from. */
export const FUNCTION_TAG = 'tokengate:function';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface TokenGateFunctionProps {
  /** What to build: construct id, entry file and (for `bindNeeds`) permissions. */
  readonly definition: FunctionDef;
  /** @default the definition's `timeoutSeconds` */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** How long the function's log group keeps its logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** `POWERTOOLS_LOG_LEVEL`. @default 'INFO' */
  readonly logLevel?: LogLevel;
}

/**
 * A tokengate Lambda function. The log group and role are created beside the function (ids
 * `<id>LogGroup`, `<id>ServiceRole`) because the function needs both when it is created.
 */
export class TokenGateFunction extends NodejsFunction {
  readonly definition: FunctionDef;

  constructor(scope: Construct, id: string, props: TokenGateFunctionProps) {
    const { definition } = props;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${id}ServiceRole`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `tokengate ${definition.name} function`,
    });
    logGroup.grantWrite(role);
    Tags.of(role).add(FUNCTION_TAG, definition.name);

    super(scope, id, {
      description: `tokengate ${definition.name} (${definition.entry})`,
      entry: join(PROJECT_ROOT, definition.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'tokengate',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        mainFields: [...BUNDLING.mainFields],
        banner: BUNDLING.banner,
        minify: BUNDLING.minify,
        keepNames: BUNDLING.keepNames,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        externalModules: externalModulesFor(definition),
      },
    });
    this.definition = definition;
    Tags.of(this).add(FUNCTION_TAG, definition.name);

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x on purpose: the project targets Node 22 (package.json engines), the version its tests run on.',
    });
  }
}
