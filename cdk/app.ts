// `npx cdk synth|deploy`: environment-agnostic, so synth needs no AWS credentials.
// SCOPES_FILE names the deployment's own scope catalogue (JSON, as for `npm start`); unset, the default.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readScopesFile } from '#adapters/scopes-file';
import { TokenGateStack } from './stack';

// Checked before anything is built: a catalogue that cannot work stops the synth with one line.
let scopesFile: ReturnType<typeof readScopesFile>;
try {
  scopesFile = readScopesFile(process.env);
} catch (error) {
  console.error(`tokengate: ${(error as Error).message}`);
  process.exit(1);
}
const app = new App();
new TokenGateStack(app, 'TokenGate', {
  description: 'tokengate: scoped API tokens (Lambda authorizer, token API, DynamoDB)',
  tokenGate: scopesFile && { scopes: scopesFile.catalogue },
});
// cdk-nag 3 runs as a policy validation plugin: any unacknowledged finding stops the synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
