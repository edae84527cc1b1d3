// One Lambda function of tokengate, with the defaults every function shares fixed once: Node 22 on
// ARM, X-Ray, its own log group written to by its own role (no AWS managed policy), and an
// ESM bundle of everything it runs, with its source map only when asked for (`sourceMaps`).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionDef } from '#spec/functions';
import type { Route } from '#spec/routes';
import { BUNDLE_FILE, bundleFunction, externalModulesFor } from './bundling';
import { suppressNagRules } from './nag-suppressions';

const MODULE_DIR = dirname(fileURLToPath(import.meta.url));

/**
 * The repository root: `FunctionDef.entry` paths are relative to it. (In the published package this
 * module is `dist/index.js`, and the root is the package's folder.)
 */
export const PROJECT_ROOT = join(MODULE_DIR, '..');

/**
 * Where the published package keeps each function's pre-built code (`npm pack` writes it:
 * scripts/build-package.ts): `lambda/<FunctionDef.name>/index.mjs` beside this module once bundled
 * into `dist/index.js`. From the TypeScript sources (a checkout) this folder does not exist, so a
 * checkout always bundles its current code and never deploys a stale build.
 */
export const PREBUILT_ROOT = join(MODULE_DIR, 'lambda');

/** A bundle's source maps, each beside its file: `index.mjs.map` and its chunks' (cdk/bundling.ts). */
const SOURCE_MAP_FILES = '*.map';

/**
 * The code of a function: its pre-built folder when there is one (no esbuild, no Docker), else its
 * entry bundled at synth by the local esbuild with the options of `cdk/bundling.ts` (skipped, as
 * `NodejsFunction` does, for stacks the CDK does not bundle, such as in `cdk list` or tests). The
 * source map goes into the asset only with `sourceMaps`.
 */
export function functionCode(
  definition: FunctionDef,
  prebuiltRoot: string = PREBUILT_ROOT,
  sourceMaps = false,
): Code {
  const prebuilt = join(prebuiltRoot, definition.name);
  if (existsSync(join(prebuilt, BUNDLE_FILE))) {
    return Code.fromAsset(prebuilt, { exclude: sourceMaps ? [] : [SOURCE_MAP_FILES] });
  }
  const entry = join(PROJECT_ROOT, definition.entry);
  return Code.fromAsset(PROJECT_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: DockerImage.fromRegistry('dummy'), // never used: local bundling always succeeds or throws
      // Part of the asset cache key, which ignores `local`: one bundle per entry and choice of map.
      command: ['esbuild', definition.entry, ...(sourceMaps ? ['--sourcemap'] : [])],
      local: {
        tryBundle(outputDir: string): boolean {
          bundleFunction(entry, outputDir, externalModulesFor(definition));
          if (!sourceMaps) {
            for (const file of readdirSync(outputDir)) {
              if (file.endsWith('.map')) rmSync(join(outputDir, file), { force: true });
            }
          }
          return true;
        },
      },
    },
  });
}

/**
 * The functions serving `routes`, by `FunctionDef.name`, for `addRoutes`: one per definition, made by
 * `create`, so that routes served by the same definition share its function.
 */
export function functionsByName<F>(
  routes: readonly Route[],
  create: (definition: FunctionDef) => F,
): { [name: string]: F } {
  const functions: { [name: string]: F } = {};
  for (const { fn } of routes) functions[fn.name] ??= create(fn);
  return functions;
}

/** Tag naming the `FunctionDef` a function (and its role) was built from. */
export const FUNCTION_TAG = 'tokengate:function';

/** A function's `POWERTOOLS_LOG_LEVEL`: what it logs, from the most to the least. */
export enum LogLevel {
  DEBUG = 'DEBUG',
  INFO = 'INFO',
  WARN = 'WARN',
  ERROR = 'ERROR',
}

/**
 * What a team may set on tokengate's functions (`TokenGate`'s `functionProps`): a few of the CDK's
 * `FunctionProps`, under their names there.
 */
export interface TokenGateFunctionOverrides {
  /** Memory in MB, which sets the CPU share too. @default 256 */
  readonly memorySize?: number;
  /** Concurrent executions reserved for (and the most allowed to) each function. @default none reserved */
  readonly reservedConcurrentExecutions?: number;
  /**
   * The VPC to run in. The functions call DynamoDB, Secrets Manager, EventBridge and X-Ray: the
   * subnets need a route to them (a NAT gateway, or VPC endpoints for each). Each function's role
   * may then manage its network interfaces (`ec2:CreateNetworkInterface` and the like).
   * @default not in a VPC
   */
  readonly vpc?: IVpc;
  /** Where in `vpc`. @default the VPC's private subnets (the CDK's default) */
  readonly vpcSubnets?: SubnetSelection;
  /** In `vpc`. @default one security group per function, outbound traffic only (the CDK's default) */
  readonly securityGroups?: ISecurityGroup[];
  /**
   * Deploy each function's source map with its code and run it with `--enable-source-maps`
   * (`NODE_OPTIONS`), so that stack traces in its logs name the TypeScript file and line. Each zip
   * is then two to three times the size (the authorizer's 32 KB, 74 KB), and Node parses the map
   * when the function loads, which makes a cold start slower. Without it, stack traces point into
   * the minified bundle, where function names are kept.
   * @default false
   */
  readonly sourceMaps?: boolean;
}

/** What a function's role needs to run in a VPC: AWSLambdaVPCAccessExecutionRole's EC2 actions. */
export const VPC_ACCESS_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

export interface TokenGateFunctionProps extends TokenGateFunctionOverrides {
  /** What to build: construct id, entry file and (for `bindNeeds`) permissions. */
  readonly definition: FunctionDef;
  /** @default the definition's `timeoutSeconds` */
  readonly timeout?: Duration;
  /** How long the function's log group keeps its logs. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** `POWERTOOLS_LOG_LEVEL`. @default LogLevel.INFO */
  readonly logLevel?: LogLevel;
  /**
   * The customer-managed KMS key the function's log group is encrypted with; its key policy must let
   * CloudWatch Logs use it. @default CloudWatch Logs' own encryption
   */
  readonly encryptionKey?: IKey;
}

/**
 * A tokengate Lambda function. The log group and role are created beside the function (ids
 * `<id>LogGroup`, `<id>ServiceRole`) because the function needs both when it is created.
 */
export class TokenGateFunction extends LambdaFunction {
  readonly definition: FunctionDef;

  constructor(scope: Construct, id: string, props: TokenGateFunctionProps) {
    const { definition } = props;
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: props.encryptionKey,
    });
    const role = new Role(scope, `${id}ServiceRole`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `tokengate ${definition.name} function`,
    });
    logGroup.grantWrite(role);
    if (props.vpc) {
      // The role is ours, so the CDK does not add AWSLambdaVPCAccessExecutionRole: its EC2 actions, inline.
      role.addToPolicy(new PolicyStatement({ actions: VPC_ACCESS_ACTIONS, resources: ['*'] }));
    }
    Tags.of(role).add(FUNCTION_TAG, definition.name);

    super(scope, id, {
      description: `tokengate ${definition.name} (${definition.entry})`,
      code: functionCode(definition, PREBUILT_ROOT, props.sourceMaps ?? false),
      handler: 'index.handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      timeout: props.timeout ?? Duration.seconds(definition.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        POWERTOOLS_SERVICE_NAME: 'tokengate',
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? LogLevel.INFO,
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
    });
    this.definition = definition;
    Tags.of(this).add(FUNCTION_TAG, definition.name);

    suppressNagRules(role, [
      {
        id: 'AwsSolutions-IAM5',
        appliesTo: ['Resource::*'],
        reason:
          'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions' +
          (props.vpc
            ? '; in a VPC, the network interface actions (ec2:CreateNetworkInterface, ...) neither.'
            : '.'),
      },
    ]);
    suppressNagRules(this, [
      {
        id: 'AwsSolutions-L1',
        reason:
          'nodejs22.x on purpose: the project targets Node 22 (package.json engines), the version its tests run on.',
      },
    ]);
  }
}
