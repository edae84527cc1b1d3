// The two published packages' dependencies, as the build checks them against what each bundle
// imports: the construct library (the root's package.json) declares nothing it does not import, so
// its users install none of the CLI's packages; the CLI (packages/cli/) declares all it imports, at
// the root's ranges and version. The real bundles are checked by every `npm pack`
// (scripts/build-package.ts) and by test/e2e/consumer-app.test.ts on the installed packages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#test-support/processes';
import { CLI_PACKAGE, dependencyProblems } from '../../../scripts/build-package';

type Manifest = Parameters<typeof dependencyProblems>[0];
const read = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
const root = read(REPOSITORY_ROOT);
const cli = read(CLI_PACKAGE);

/** What the packages import today (the build reads them from esbuild's metafile and the declarations). */
const IMPORTS = {
  library: ['aws-cdk-lib', 'constructs', 'zod'],
  cli: [
    '@aws-lambda-powertools/parameters',
    '@aws-sdk/client-dynamodb',
    '@aws-sdk/lib-dynamodb',
    'commander',
    'string-width',
    'zod',
  ],
};

describe("the packages' dependencies", () => {
  it("are right in the repository: the library's only zod, the CLI's the rest", () => {
    expect(dependencyProblems(root, cli, IMPORTS)).toEqual([]);
    expect(Object.keys(root.dependencies ?? {})).toEqual(['zod']);
    expect(root).not.toHaveProperty('bin');
    expect(cli).toMatchObject({ name: 'tokengate-cli', bin: { tokengate: 'bin.js' } });
  });

  it('refuse a package the library does not import in its dependencies', () => {
    const withCommander = { ...root, dependencies: { ...root.dependencies, commander: '^15.1.0' } };
    expect(dependencyProblems(withCommander, cli, IMPORTS)).toEqual([
      expect.stringMatching(/^package\.json lists commander in dependencies, which the construct library/),
    ]);
  });

  it('refuse an import either package does not declare', () => {
    expect(
      dependencyProblems(root, cli, {
        library: [...IMPORTS.library, 'yaml'],
        cli: [...IMPORTS.cli, 'chalk'],
      }),
    ).toEqual([
      'the library (dist/index.js or its declarations) imports yaml, which package.json does not list in dependencies or peerDependencies',
      "tokengate-cli's dist/cli.js imports chalk, which packages/cli/package.json does not list in dependencies",
    ]);
  });

  it("refuse a CLI range or version that is not the root's", () => {
    const drifted = {
      ...cli,
      version: '9.9.9',
      dependencies: { ...cli.dependencies, commander: '^14.0.0', 'left-pad': '^1.3.0' },
    };
    expect(dependencyProblems(root, drifted, IMPORTS)).toEqual([
      `packages/cli/package.json wants commander ^14.0.0, package.json ${root.devDependencies?.commander}: the CLI's tests run on the root's`,
      "packages/cli/package.json wants left-pad ^1.3.0, package.json nothing: the CLI's tests run on the root's",
      `tokengate-cli is at 9.9.9, tokengate at ${root.version}: one version for both`,
    ]);
  });
});
