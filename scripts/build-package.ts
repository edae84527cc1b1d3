// `npm pack` (prepack): builds what the published package holds, in dist/. The repository's
// `#spec/*`-style aliases point at TypeScript sources, which only tsx, vitest, tsc and esbuild read;
// so the construct library and the CLI are bundled (aliases resolved, packages left as imports),
// their declarations emitted by tsc with the aliases rewritten to relative paths, and every
// function of the manifest pre-built with the options the CDK and the benchmark use.
//
//   dist/index.js            the construct library (`exports["."]`), aws-cdk-lib and constructs external
//   dist/types/**.d.ts       its declarations (`dist/types/cdk/index.d.ts`)
//   dist/cli.js              the CLI (`bin`: cli/bin.js imports it when the sources are absent)
//   dist/lambda/<name>/      each function's code, index.mjs and its source map (cdk/function.ts)
//   dist/console/            the web console's build (web/build.ts), which TokenGate deploys (cdk/console.ts)
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_TARGET, bundleFunction, externalModulesFor } from '#cdk/bundling';
import { PROJECT_ROOT } from '#cdk/function';
import { ALL_FUNCTIONS } from '#spec/routes';
import { ensureConsoleBuild } from '#web/build';

const DIST = join(PROJECT_ROOT, 'dist');
const TYPES = join(DIST, 'types');

interface PackageJson {
  imports: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const packageJson = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as PackageJson;

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
    sourcemap: true,
    sourcesContent: false,
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

function emitDeclarations(): void {
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
}

async function main(): Promise<void> {
  rmSync(DIST, { recursive: true, force: true });

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

  const imported = [
    ...(await bundleModule('cdk/index.ts', join(DIST, 'index.js'))),
    ...(await bundleModule('cli/main.ts', join(DIST, 'cli.js'))),
  ];
  const declared = { ...packageJson.dependencies, ...packageJson.peerDependencies };
  const undeclared = [...new Set(imported)].filter((name) => !(name in declared));
  if (undeclared.length > 0) {
    throw new Error(
      `dist/ imports ${undeclared.join(', ')}, which package.json does not list in dependencies or peerDependencies`,
    );
  }
  emitDeclarations();
  console.error(
    `tokengate: built dist/ (library, CLI, declarations, ${ALL_FUNCTIONS.length} functions pre-built, the console)`,
  );
}

await main();
