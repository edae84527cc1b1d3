// `npm pack` (prepack): builds what the two published packages hold. The repository's
// `#spec/*`-style aliases point at TypeScript sources, which only tsx, vitest, tsc and esbuild read;
// so the construct library and the CLI are bundled (aliases resolved, packages left as imports),
// the library's declarations emitted by tsc with the aliases rewritten to relative paths, and every
// function of the manifest pre-built with the options the CDK and the benchmark use.
//
// tokengate, the construct library (this folder's package.json):
//   dist/index.js            the library (`exports["."]`), aws-cdk-lib and constructs external
//   dist/types/**.d.ts       its declarations (`dist/types/cdk/index.d.ts`)
//   dist/lambda/<name>/      each function's code, index.mjs and its source map (cdk/function.ts)
//   dist/console/            the web console's build (web/build.ts), which TokenGate deploys (cdk/console.ts)
// tokengate-cli, the `tokengate` command (packages/cli/, a workspace of this repository):
//   packages/cli/dist/cli.js the CLI, which packages/cli/bin.js imports outside a checkout
//   packages/cli/LICENSE     a copy of LICENSE
//
// Each package's `dependencies` are checked against what it imports (the library's bundle and
// declarations, the CLI's bundle): every import declared, and the library declaring nothing it does
// not import (a construct user installs nothing the construct does not use). The CLI's declare the
// versions the repository's package.json does.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { BUNDLE_TARGET, bundleFunction, externalModulesFor } from '#cdk/bundling';
import { PROJECT_ROOT } from '#cdk/function';
import { ALL_FUNCTIONS } from '#spec/functions';
import { ensureConsoleBuild } from '#web/build';

const DIST = join(PROJECT_ROOT, 'dist');
const TYPES = join(DIST, 'types');
/** The CLI's package, a workspace of the repository. */
export const CLI_PACKAGE = join(PROJECT_ROOT, 'packages', 'cli');

interface PackageJson {
  name: string;
  version: string;
  imports: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const readPackageJson = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;
const packageJson = readPackageJson(PROJECT_ROOT);

/** `@aws-sdk/lib-dynamodb/x` → `@aws-sdk/lib-dynamodb`, `zod/mini` → `zod`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** Bundles `entry` to `outfile`, every package left as an import; returns the packages it imports. */
async function bundleModule(entry: string, outfile: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, entry)],
    outfile,
    bundle: true,
    // Packages stay imports (resolved from the consumer's node_modules); `#…` aliases are bundled.
    packages: 'external',
    platform: 'node',
    target: BUNDLE_TARGET,
    format: 'esm',
    // Not minified: a stack trace points at readable code, and no map is shipped for it.
    metafile: true,
    logLevel: 'warning',
  });
  const imported = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => packageName(i.path)),
  );
  return [...new Set(imported)].sort();
}

/** Where a d.ts specifier points, relative and with its `.js` extension, as Node's ESM resolution wants. */
function rewriteSpecifier(file: string, specifier: string): string {
  let target: string | undefined;
  if (specifier.startsWith('.')) {
    target = join(dirname(file), specifier);
  } else {
    for (const [alias, path] of Object.entries(packageJson.imports)) {
      const prefix = alias.replace('*', '');
      if (specifier.startsWith(prefix)) {
        target = join(TYPES, path.replace('*', specifier.slice(prefix.length)).replace(/\.ts$/, ''));
        break;
      }
    }
  }
  if (target === undefined) return specifier;
  if (!existsSync(`${target}.d.ts`) && existsSync(join(target, 'index.d.ts'))) target = join(target, 'index');
  if (!existsSync(`${target}.d.ts`))
    throw new Error(`${file}: ${specifier} has no declaration (${target}.d.ts)`);
  const path = relative(dirname(file), target).replaceAll('\\', '/');
  return `${path.startsWith('.') ? path : `./${path}`}.js`;
}

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.d.ts'))
    .map((name) => join(dir, name));
}

/** Emits the library's declarations; returns the packages they import (the consumer's tsc reads them). */
function emitDeclarations(): string[] {
  const tsc = join(PROJECT_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(PROJECT_ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  for (const file of declarationFiles(TYPES)) {
    const text = readFileSync(file, 'utf8');
    const rewritten = text.replace(
      /(\bfrom\s+|\bimport\s*\(\s*)(['"])([#.][^'"]*)\2/g,
      (_match, lead: string, quote: string, specifier: string) =>
        `${lead}${quote}${rewriteSpecifier(file, specifier)}${quote}`,
    );
    writeFileSync(file, rewritten);
  }
  const imported = declarationFiles(TYPES).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)(['"])([^'".#][^'"]*)\1/g)]
      .map((match) => match[2] ?? '')
      .filter((specifier) => !specifier.startsWith('node:'))
      .map(packageName),
  );
  return [...new Set(imported)].sort();
}

/**
 * What is wrong with the packages' `dependencies` for what they import: `library` (what the
 * construct library's bundle and declarations import) declared in the root's `dependencies` or
 * `peerDependencies`, and nothing else in its `dependencies`; `cli` declared in the CLI's
 * `dependencies`, at the ranges the root declares (in any of its lists), the CLI at the root's
 * version.
 */
export function dependencyProblems(
  root: PackageJson,
  cliPackage: PackageJson,
  imports: { library: string[]; cli: string[] },
): string[] {
  const problems: string[] = [];
  const rootDeclared = { ...root.dependencies, ...root.peerDependencies };
  const undeclared = imports.library.filter((name) => !(name in rootDeclared));
  if (undeclared.length > 0)
    problems.push(
      `the library (dist/index.js or its declarations) imports ${undeclared.join(', ')}, which package.json does not list in dependencies or peerDependencies`,
    );
  const unused = Object.keys(root.dependencies ?? {}).filter((name) => !imports.library.includes(name));
  if (unused.length > 0)
    problems.push(
      `package.json lists ${unused.join(', ')} in dependencies, which the construct library does not import: ` +
        'every construct user would install them (devDependencies, or packages/cli/package.json for the CLI)',
    );
  const cliDeclared = cliPackage.dependencies ?? {};
  const cliUndeclared = imports.cli.filter((name) => !(name in cliDeclared));
  if (cliUndeclared.length > 0)
    problems.push(
      `${cliPackage.name}'s dist/cli.js imports ${cliUndeclared.join(', ')}, which packages/cli/package.json does not list in dependencies`,
    );
  const rootRanges = { ...root.devDependencies, ...root.dependencies };
  for (const [name, range] of Object.entries(cliDeclared)) {
    if (rootRanges[name] !== range)
      problems.push(
        `packages/cli/package.json wants ${name} ${range}, package.json ${rootRanges[name] ?? 'nothing'}: the CLI's tests run on the root's`,
      );
  }
  if (cliPackage.version !== root.version)
    problems.push(
      `${cliPackage.name} is at ${cliPackage.version}, tokengate at ${root.version}: one version for both`,
    );
  return problems;
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });
  rmSync(join(CLI_PACKAGE, 'dist'), { recursive: true, force: true });

  for (const definition of ALL_FUNCTIONS) {
    bundleFunction(
      join(PROJECT_ROOT, definition.entry),
      join(DIST, 'lambda', definition.name),
      externalModulesFor(definition),
    );
  }
  // The console's build, where the bundled library looks for it (PREBUILT_CONSOLE, from dist/index.js).
  const consoleBuild = await ensureConsoleBuild();
  cpSync(consoleBuild.dir, join(DIST, 'console'), { recursive: true });

  const library = await bundleModule('cdk/index.ts', join(DIST, 'index.js'));
  const cli = await bundleModule('cli/main.ts', join(CLI_PACKAGE, 'dist', 'cli.js'));
  const declarations = emitDeclarations();
  const imports = { library: [...new Set([...library, ...declarations])].sort(), cli };
  const problems = dependencyProblems(packageJson, readPackageJson(CLI_PACKAGE), imports);
  if (problems.length > 0) throw new Error(problems.join('\n'));
  copyFileSync(join(PROJECT_ROOT, 'LICENSE'), join(CLI_PACKAGE, 'LICENSE'));
  console.error(
    `tokengate: built dist/ (library, declarations, ${ALL_FUNCTIONS.length} functions pre-built, the console) and packages/cli/dist/ (CLI)`,
  );
}

// Run as a script (`npm run build`), not when a test imports `dependencyProblems`.
if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
