// How many resources a TokenGate adds to a team's stack, as docs/construct-library.md states them: counted on the
// template, so that the page's figures follow the construct.
import { readFileSync } from 'node:fs';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { RotatedToken } from '#cdk/rotated-token';
import { TokenGate, type TokenGateProps } from '#cdk/token-gate';
import { unbundledApp } from './template';

/** The resources of a stack holding one TokenGate made with `props` (and a RotatedToken, if asked). */
function resourceCount(props: TokenGateProps, withRotatedToken = false): number {
  const stack = new Stack(unbundledApp(), 'Consumer');
  const gate = new TokenGate(stack, 'Tokens', props);
  if (withRotatedToken) {
    new RotatedToken(stack, 'Job', {
      tokenGate: gate,
      description: 'job',
      scopes: [{ scope: 'global:admin' }],
    });
  }
  return Object.keys(Template.fromStack(stack).toJSON().Resources as object).length;
}

const readme = readFileSync(new URL('../../docs/construct-library.md', import.meta.url), 'utf8').replace(
  /\s+/g,
  ' ',
);

describe('the resources a TokenGate adds to a stack', () => {
  it('are as many as the construct library page says: by default, without the console, with both opt-outs, per RotatedToken', () => {
    const byDefault = resourceCount({});
    const withoutConsole = resourceCount({ console: false });
    const bare = resourceCount({ managementApi: false, expiryWarnings: false });
    const perRotatedToken = resourceCount({}, true) - byDefault;
    expect(readme).toContain(`A \`TokenGate\` with its defaults adds ${byDefault} resources`);
    expect(readme).toContain(`the web console (${byDefault - withoutConsole}: `);
    expect(readme).toContain(`With \`console: false\` it is ${withoutConsole}.`);
    expect(readme).toContain(`With \`managementApi: false\` and \`expiryWarnings: false\` it is ${bare} `);
    expect(readme).toContain(`Each \`RotatedToken\` adds ${perRotatedToken} `);
  });
});
