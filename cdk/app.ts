// `npx cdk synth|deploy`: environment-agnostic, so synth needs no AWS credentials.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ensureConsoleBuild } from '#web/build';
import { TokenGateStack } from './stack';

// The web console is built here (when web/ changed since the last build), offline like the rest.
const consoleBuild = await ensureConsoleBuild();
const app = new App();
new TokenGateStack(app, 'TokenGate', {
  description: 'tokengate: scoped API tokens (Lambda authorizer, token API, DynamoDB)',
  consoleDir: consoleBuild.dir,
});
// cdk-nag 3 runs as a policy validation plugin: any unacknowledged finding stops the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
