// The shape of the house (docs/developing.md): which folder may import which. Read from the import
// lines of the source files themselves, so a module that reaches the wrong way fails here, by name.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#test-support/processes';

const ALIASES = Object.entries(
  (
    JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
      imports?: Record<string, string>;
    }
  ).imports ?? {},
);

function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPOSITORY_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js)$/.test(file))
    .map((file) => join(folder, file).replaceAll('\\', '/'));
}

/** Each import of `file`: a package name (`zod`, `node:fs`) or a repository path (`shared/spec/routes`). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(REPOSITORY_ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\s)(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map(
    (match) => match[1] as string,
  );
  return specifiers.map((specifier) => {
    if (specifier.startsWith('.')) {
      return relative(REPOSITORY_ROOT, normalize(join(REPOSITORY_ROOT, dirname(file), specifier))).replaceAll(
        '\\',
        '/',
      );
    }
    for (const [alias, target] of ALIASES) {
      const prefix = alias.replace('*', '');
      if (specifier.startsWith(prefix)) {
        return normalize(target.replace('*', specifier.slice(prefix.length)))
          .replace(/\.ts$/, '')
          .replaceAll('\\', '/');
      }
    }
    return specifier;
  });
}

/** `file imports target` for every import of the files under `folder` that `forbidden` matches. */
function breaches(folder: string, forbidden: (target: string) => boolean): string[] {
  return sourceFiles(folder).flatMap((file) =>
    importsOf(file)
      .filter(forbidden)
      .map((target) => `${file} imports ${target}`),
  );
}

const under =
  (...folders: string[]) =>
  (target: string) =>
    folders.some((folder) => target === folder || target.startsWith(`${folder}/`));

describe('the import graph', () => {
  it('reads import lines (a check of the check)', () => {
    expect(importsOf('shared/domain/token.ts')).toContain('shared/spec/scopes');
    expect(breaches('local', under('shared/domain'))).not.toEqual([]);
  });

  it('keeps shared/ free of the entry points: no functions/, cdk/, cli/, local/, test/ or bench/', () => {
    expect(breaches('shared', under('functions', 'cdk', 'cli', 'local', 'test', 'bench'))).toEqual([]);
  });

  it('keeps the domain free of AWS, of Lambda event types and of the file system', () => {
    const outside = (target: string) =>
      target.startsWith('@aws-sdk/') ||
      target === 'aws-lambda' ||
      /^(node:)?fs(\/|$)/.test(target) ||
      under('shared/adapters', 'shared/api', 'shared/aws')(target);
    expect(breaches('shared/domain', outside)).toEqual([]);
  });

  it('keeps the small helpers of shared/lib/ free of everything else in the repository', () => {
    expect(breaches('shared/lib', (target) => !target.startsWith('node:') && target.includes('/'))).toEqual(
      [],
    );
  });

  it('keeps the facts in shared/spec/ free of everything else in shared/', () => {
    expect(
      breaches(
        'shared/spec',
        under('shared/domain', 'shared/adapters', 'shared/api', 'shared/aws', 'shared/lib'),
      ),
    ).toEqual([]);
  });

  it('keeps the API schemas off the stores and the AWS clients', () => {
    expect(breaches('shared/api', under('shared/adapters', 'shared/aws'))).toEqual([]);
  });

  it('keeps the thin AWS client to itself (its callers give it its deadline)', () => {
    expect(
      breaches('shared/aws', under('shared/spec', 'shared/domain', 'shared/adapters', 'shared/api')),
    ).toEqual([]);
  });

  it('keeps the Lambda functions off the other entry points', () => {
    expect(breaches('functions', under('cdk', 'cli', 'local', 'test', 'bench'))).toEqual([]);
  });

  it('lets the benchmark share only test/support/ with the tests', () => {
    expect(breaches('bench', (target) => under('test')(target) && !under('test/support')(target))).toEqual(
      [],
    );
  });

  it('ships nothing from test/ or bench/', () => {
    for (const folder of ['shared', 'functions', 'cdk', 'cli', 'local']) {
      expect(breaches(folder, under('test', 'bench'))).toEqual([]);
    }
  });

  it('keeps the web console to the HTTP API and its sign-in issuer: no server code in web/src/, only the scopes, the API types, its own configuration file and the browser OpenID Connect client', () => {
    const files = readdirSync(join(REPOSITORY_ROOT, 'web/src'), { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.tsx?$/.test(file))
      .map((file) => `web/src/${file}`.replaceAll('\\', '/'));
    const allowed = new Set([
      'react',
      'react-dom/client',
      'zod',
      'oidc-client-ts',
      'shared/spec/scopes',
      'shared/spec/console',
      'shared/api/responses',
    ]);
    const reached = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => !target.startsWith('web/src/') && !allowed.has(target))
        .map((target) => `${file} imports ${target}`),
    );
    expect(files.length).toBeGreaterThan(5);
    expect(reached).toEqual([]);
  });
});
