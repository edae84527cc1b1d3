// The knobs of TokenGate that platform teams set, each read on the template of a consumer's stack
// holding nothing but the construct.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MockIntegration, RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { SecurityGroup, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { FUNCTION_TAG, LogLevel } from '#cdk/function';
import { RotatedToken } from '#cdk/rotated-token';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { EXPIRY_WARNER } from '#spec/functions';
import {
  actionsOf,
  lambdaFunction,
  onlyResource,
  replicaOf,
  roleStatements,
  synthStack,
  unbundledApp,
} from './template';

/** A consumer's stack holding one TokenGate made with `props`. */
function gateStack(props: TokenGateProps = {}): { gate: TokenGate; stack: Stack; template: Template } {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens', props);
  return { gate, stack, template: Template.fromStack(stack) };
}

const PUSH_TO_CLOUDWATCH = Match.objectLike({
  ManagedPolicyArns: [
    {
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
        ],
      ],
    },
  ],
});

describe('cloudWatchRole', () => {
  it("leaves the account's API Gateway logging role out of a consumer's stack by default, and keeps the access logs", () => {
    const { template } = gateStack();
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(template.findResources('AWS::IAM::Role', { Properties: PUSH_TO_CLOUDWATCH })).toEqual({});
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  it('makes the account and its role when set true, and the stage waits for them', () => {
    const { template } = gateStack({ cloudWatchRole: true });
    const accounts = Object.keys(template.findResources('AWS::ApiGateway::Account'));
    expect(accounts).toHaveLength(1);
    const [accountId] = accounts;
    expect(
      Object.keys(template.findResources('AWS::IAM::Role', { Properties: PUSH_TO_CLOUDWATCH })),
    ).toHaveLength(1);
    template.hasResource('AWS::ApiGateway::Stage', { DependsOn: Match.arrayWith([accountId]) });
  });

  it("is set up by the repository's own deployment unless told otherwise", () => {
    synthStack().template.resourceCountIs('AWS::ApiGateway::Account', 1);
    synthStack({ tokenGate: { cloudWatchRole: false } }).template.resourceCountIs(
      'AWS::ApiGateway::Account',
      0,
    );
  });
});

describe('deletionProtection', () => {
  /** `DeletionProtectionEnabled` of each of the four tables (on its one replica). */
  const protection = (template: Template) =>
    Object.values(template.findResources('AWS::DynamoDB::GlobalTable')).map(
      (table) => replicaOf(table).DeletionProtectionEnabled,
    );

  it('is on for the four tables while the removal policy keeps them (the default)', () => {
    expect(protection(gateStack().template)).toEqual([true, true, true, true]);
    expect(protection(gateStack({ removalPolicy: RemovalPolicy.RETAIN }).template)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('is off when the removal policy destroys them, so that deleting the stack works', () => {
    expect(protection(gateStack({ removalPolicy: RemovalPolicy.DESTROY }).template)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('follows the prop either way', () => {
    expect(protection(gateStack({ deletionProtection: false }).template)).toEqual([
      false,
      false,
      false,
      false,
    ]);
    const { template } = gateStack({ removalPolicy: RemovalPolicy.DESTROY, deletionProtection: true });
    expect(protection(template)).toEqual([true, true, true, true]);
    // The removal policy still applies to the tables and the key secret.
    template.allResources('AWS::DynamoDB::GlobalTable', { DeletionPolicy: 'Delete' });
    template.hasResource('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
  });
});

describe('encryptionKey', () => {
  /** A global table names the key of each replica by region: the key needs a stack with one. */
  const env = { region: 'eu-west-1' };
  const keyed = () => {
    const stack = new Stack(unbundledApp(), 'Consumer', { env });
    const encryptionKey = new Key(stack, 'Key', { enableKeyRotation: true });
    const gate = new TokenGate(stack, 'Tokens', { encryptionKey });
    const template = Template.fromStack(stack);
    const [keyId] = onlyResource(template, 'AWS::KMS::Key', {});
    return { stack, gate, template, keyArn: { 'Fn::GetAtt': [keyId, 'Arn'] } };
  };
  const { stack, template, keyArn } = keyed();

  it('encrypts the four tables with the key', () => {
    const tables = Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    expect(tables.map((table) => table.Properties.SSESpecification)).toEqual(
      Array(4).fill({ SSEEnabled: true, SSEType: 'KMS' }),
    );
    expect(tables.map((table) => replicaOf(table).SSESpecification)).toEqual(
      Array(4).fill({ KMSMasterKeyId: keyArn }),
    );
  });

  it('needs a stack with a region, and says so in one line', () => {
    const stack = new Stack(unbundledApp(), 'Anywhere');
    const encryptionKey = new Key(stack, 'Key', { enableKeyRotation: true });
    expect(() => new TokenGate(stack, 'Tokens', { encryptionKey })).toThrow(
      'Anywhere/Tokens: encryptionKey needs a stack with a region (env: { region })',
    );
  });

  it('encrypts the key secret, every log group and the audit failure queue with the key', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('HMAC key ring'),
      KmsKeyId: keyArn,
    });
    const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
    expect(logGroups.length).toBeGreaterThan(10); // each function's, and the API's access logs
    for (const group of logGroups) expect(group.Properties.KmsKeyId).toEqual(keyArn);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: keyArn });
  });

  it("lets this region's CloudWatch Logs use the key for the account's log groups, in the key policy", () => {
    const [, key] = onlyResource(template, 'AWS::KMS::Key', {});
    expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual({
      Effect: 'Allow',
      Principal: { Service: 'logs.eu-west-1.amazonaws.com' },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: {
        ArnLike: {
          'kms:EncryptionContext:aws:logs:arn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':logs:eu-west-1:',
                { Ref: 'AWS::AccountId' },
                ':log-group:*',
              ],
            ],
          },
        },
      },
    });
  });

  /** The KMS actions the function built from `name` may take on the key. */
  const keyActions = (name: string) =>
    roleStatements(template, name)
      .filter((statement) => JSON.stringify(statement.Resource) === JSON.stringify(keyArn))
      .flatMap(actionsOf)
      .sort();

  it('lets a function that only reads decrypt, and nothing more', () => {
    expect(keyActions('GetToken')).toEqual(['kms:Decrypt']);
  });

  it('lets a function that writes, or rotates the key secret, encrypt too', () => {
    for (const name of ['CreateToken', 'Authorizer', 'KeySecretRotation', 'AuditConsumer', 'UsageRecorder']) {
      expect(keyActions(name), name).toEqual(
        expect.arrayContaining(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*']),
      );
    }
  });

  it('grants nothing on the key to a function that touches no table and no secret', () => {
    expect(keyActions('OpenApiDocument')).toEqual([]);
    expect(lambdaFunction(template, 'OpenApiDocument')).toBeDefined();
  });

  it('leaves the AWS owned and managed keys in place when not given', () => {
    const { template: plain } = gateStack();
    for (const type of ['AWS::Logs::LogGroup', 'AWS::SecretsManager::Secret']) {
      for (const resource of Object.values(plain.findResources(type)))
        expect(resource.Properties.KmsKeyId).toBeUndefined();
    }
    for (const table of Object.values(plain.findResources('AWS::DynamoDB::GlobalTable'))) {
      expect(table.Properties.SSESpecification).toBeUndefined();
      expect(replicaOf(table).SSESpecification).toBeUndefined();
    }
    plain.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('keeps the AWS Solutions checks quiet, and works for a RotatedToken in another stack', () => {
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
    const app = unbundledApp();
    const gateStack = new Stack(app, 'Gate', { env });
    const encryptionKey = new Key(gateStack, 'Key', { enableKeyRotation: true });
    const gate = new TokenGate(gateStack, 'Tokens', { encryptionKey });
    const tokens = new Stack(app, 'Tokens', { env });
    new RotatedToken(tokens, 'Scim', {
      tokenGate: gate,
      description: 'SCIM sync',
      scopes: [{ scope: 'global:admin' }],
    });
    expect(() => app.synth()).not.toThrow();
    const rotation = Template.fromStack(tokens);
    rotation.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::ImportValue': Match.anyValue() },
    });
  });
});

describe('functionProps and authorizerFunctionProps', () => {
  type Fn = { Properties: Record<string, unknown> };
  /** Each tokengate function of `template`, by the name of its definition. */
  const functions = (template: Template): Map<string, Fn> =>
    new Map(
      Object.values(
        template.findResources('AWS::Lambda::Function', {
          Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: Match.anyValue() }]) },
        }) as Record<string, Fn>,
      ).map((fn) => [
        (fn.Properties.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === FUNCTION_TAG)
          ?.Value as string,
        fn,
      ]),
    );

  const stack = new Stack(unbundledApp(), 'Consumer');
  const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
  const securityGroup = new SecurityGroup(stack, 'FunctionsGroup', { vpc });
  const gate = new TokenGate(stack, 'Tokens', {
    functionProps: {
      memorySize: 1024,
      reservedConcurrentExecutions: 5,
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
      securityGroups: [securityGroup],
    },
    authorizerFunctionProps: { memorySize: 1769, reservedConcurrentExecutions: 50 },
  });
  const template = Template.fromStack(stack);
  const privateSubnets = vpc.privateSubnets.map((subnet) => stack.resolve(subnet.subnetId));
  const groupId = stack.resolve(securityGroup.securityGroupId);

  it('apply to every function of the gate; the authorizer takes its own over them', () => {
    const made = functions(template);
    expect(made.size).toBeGreaterThan(10);
    for (const [name, fn] of made) {
      const authorizer = name === 'Authorizer';
      expect(fn.Properties, name).toMatchObject({
        MemorySize: authorizer ? 1769 : 1024,
        ReservedConcurrentExecutions: authorizer ? 50 : 5,
        VpcConfig: { SubnetIds: privateSubnets, SecurityGroupIds: [groupId] },
      });
    }
  });

  it("let each function's role manage its network interfaces in the VPC, and the checks stay quiet", () => {
    const statements = roleStatements(template, 'GetToken');
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DeleteNetworkInterface',
        'ec2:AssignPrivateIpAddresses',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    });
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(gate);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
  });

  it('leave 256 MB, no reserved concurrency and no VPC by default', () => {
    const { template: plain } = gateStack();
    for (const [name, fn] of functions(plain)) {
      expect(fn.Properties.MemorySize, name).toBe(256);
      expect(fn.Properties.ReservedConcurrentExecutions, name).toBeUndefined();
      expect(fn.Properties.VpcConfig, name).toBeUndefined();
    }
    const ec2 = roleStatements(plain, 'GetToken').filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('ec2:')),
    );
    expect(ec2).toEqual([]);
  });
});

describe('logLevel', () => {
  it('is a string enum reaching every function as POWERTOOLS_LOG_LEVEL, INFO unless set', () => {
    const levels = (template: Template) =>
      new Set(
        Object.values(
          template.findResources('AWS::Lambda::Function', {
            Properties: { Tags: Match.arrayWith([Match.objectLike({ Key: FUNCTION_TAG })]) },
          }),
        ).map(
          (fn) =>
            (fn.Properties.Environment as { Variables: Record<string, string> }).Variables
              .POWERTOOLS_LOG_LEVEL,
        ),
      );
    expect(levels(gateStack().template)).toEqual(new Set(['INFO']));
    expect(levels(gateStack({ logLevel: LogLevel.DEBUG }).template)).toEqual(new Set(['DEBUG']));
    expect(Object.values(LogLevel)).toEqual(['DEBUG', 'INFO', 'WARN', 'ERROR']);
  });
});

describe('expiryWarnings', () => {
  const tagged = (template: Template, name: string) =>
    template.findResources('AWS::Lambda::Function', {
      Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: name }]) },
    });

  it('false leaves the expiry-warning function and its schedule out, and nothing else', () => {
    const { gate, template } = gateStack({ expiryWarnings: false });
    expect(tagged(template, EXPIRY_WARNER.name)).toEqual({});
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(gate.expiryWarner).toBeUndefined();
    expect(Object.keys(tagged(template, 'Authorizer'))).toHaveLength(1);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 4);
  });

  it('are made by default', () => {
    const { template } = gateStack();
    expect(Object.keys(tagged(template, EXPIRY_WARNER.name))).toHaveLength(1);
    template.resourceCountIs('AWS::Scheduler::Schedule', 1);
  });
});

describe('managementApi', () => {
  /** The names of the tokengate functions in `template`. */
  const functionNames = (template: Template) =>
    Object.values(
      template.findResources('AWS::Lambda::Function', {
        Properties: { Tags: Match.arrayWith([{ Key: FUNCTION_TAG, Value: Match.anyValue() }]) },
      }),
    )
      .map(
        (fn) =>
          (fn.Properties.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === FUNCTION_TAG)
            ?.Value,
      )
      .sort();

  it('false leaves the management API and its functions out; the authorizer, tables, key and audit stay', () => {
    const stack = new Stack(unbundledApp(), 'Consumer');
    const gate = new TokenGate(stack, 'Tokens', { managementApi: false });
    const orders = new RestApi(stack, 'OrdersApi');
    orders.root
      .addResource('orders')
      .addMethod('GET', new MockIntegration(), { authorizer: gate.authorizer });
    const template = Template.fromStack(stack);
    expect(gate.api).toBeUndefined();
    expect(gate.functions).toEqual({});
    expect(functionNames(template)).toEqual([
      'AuditConsumer',
      'Authorizer',
      'ExpiryWarner',
      'KeySecretRotation',
      'UsageRecorder',
    ]);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1); // the team's own
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 4);
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.resourceCountIs('AWS::SQS::Queue', 1);
    const report = new AwsSolutionsChecks(stack.node.root).validateScope(gate);
    expect(
      report.violations.map((v) => `${v.ruleName} at ${v.violatingResources[0]?.constructPath}`),
    ).toEqual([]);
  });

  it('is there by default, with the functions behind it', () => {
    const { gate, template } = gateStack();
    expect(gate.api).toBeDefined();
    expect(functionNames(template).length).toBeGreaterThan(10);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
  });

  it('names the functions behind the API in a plain object, one per function definition', () => {
    const { gate, template } = gateStack();
    const names = Object.keys(gate.functions).sort();
    expect(names).toEqual(
      functionNames(template).filter(
        (name) =>
          !['AuditConsumer', 'Authorizer', 'ExpiryWarner', 'KeySecretRotation', 'UsageRecorder'].includes(
            name ?? '',
          ),
      ),
    );
    expect(gate.functions.CreateToken?.definition.name).toBe('CreateToken');
  });

  it('false with a custom domain or a web ACL for the API stops the synth with one line', () => {
    const stack = new Stack(unbundledApp(), 'Consumer');
    const certificate = Certificate.fromCertificateArn(
      stack,
      'Certificate',
      'arn:aws:acm:us-east-1:123456789012:certificate/1a2b3c4d',
    );
    expect(
      () =>
        new TokenGate(stack, 'Tokens', {
          managementApi: false,
          apiDomain: { domainName: 'api.tokens.example.com', certificate },
          firewall: {},
        }),
    ).toThrow(
      'TokenGate Consumer/Tokens: apiDomain and firewall need the management API (managementApi is false)',
    );
  });
});
