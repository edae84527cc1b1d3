// Cold start: each Lambda bundled exactly as the CDK bundles it (cdk/bundling.ts), its minified
// size, and how long loading it takes beyond a bare `node` start. Everything is bundled, the AWS SDK
// too (at the lock file's version), so the init time is the whole cold start of the code. The
// functions that read the scope catalogue start again with a team's catalogue of 200 scopes, in a
// file named by TOKENGATE_SCOPES_FILE as the construct's catalogue layer gives it to them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { esbuildOptions, externalModulesFor } from '#cdk/bundling';
import { PROJECT_ROOT } from '#cdk/function';
import { ENV } from '#spec/env';
import { ALL_FUNCTIONS, type FunctionDef } from '#spec/functions';
import { largeCatalogue } from '#test-support/large-catalogue';
import { median, round } from './stats';

/** The bundle the CDK app deploys (cdk/bundling.ts `esbuildOptions`), with its metafile. */
function bundleOptions(fn: FunctionDef, entry: string, outfile: string): BuildOptions {
  return { ...esbuildOptions(entry, outfile, externalModulesFor(fn)), metafile: true, logLevel: 'silent' };
}

export interface BundleFigures {
  /** What a start reads: the entry, `index.mjs`, and the chunks it imports at the top, minified. */
  bundle_kb: Record<string, number>;
  /** The chunks only a dynamic `import()` reaches (read when first needed, not at start), minified; 0 for none. */
  bundle_on_demand_kb: Record<string, number>;
  /** CPU time of loading the bundle (every thread's), ms, median: what a start costs on a free core. */
  init_ms: Record<string, number>;
  /** Wall time of the same, ms, median: on a shared machine it measures the neighbours too. */
  init_wall_ms: Record<string, number>;
  /** `init_ms` with a catalogue of 200 scopes in the file the function is given, for those that read one. */
  init_ms_200_scopes: Record<string, number>;
}

const RUNS = 7;

// Prints how long importing the module took, in ms, measured inside the process: wall time, then
// the CPU time of all its threads (V8 compiles and collects on helper threads: counted too).
const LOADER = `const c = process.cpuUsage(); const t = performance.now(); await import(process.argv[1]);
const u = process.cpuUsage(c); console.log(performance.now() - t, (u.user + u.system) / 1000);`;

function initMs(file: string, extraEnv: NodeJS.ProcessEnv = {}): { cpu: number; wall: number } {
  const env = {
    ...process.env,
    ...extraEnv,
    [ENV.tokensTable]: 'bench',
    [ENV.auditTable]: 'bench-audit',
    [ENV.keySecretId]: 'bench',
    AWS_REGION: 'eu-west-1',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', LOADER, file], {
      env,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new Error(`Loading ${file} failed: ${result.stderr.trim().split('\n').slice(-6).join('\n')}`);
    }
    const [wall, cpu] = result.stdout.trim().split(' ').map(Number);
    walls.push(wall ?? Number.NaN);
    cpus.push(cpu ?? Number.NaN);
  }
  return { cpu: median(cpus), wall: median(walls) };
}

type Outputs = NonNullable<Awaited<ReturnType<typeof build>>['metafile']>['outputs'];

/**
 * The bytes of the JavaScript a start reads (the entry and, transitively, the chunks it imports at
 * the top) and of the rest, which only an `import()` reaches.
 */
function bytesLoaded(outputs: Outputs): { atStart: number; onDemand: number } {
  const scripts = Object.entries(outputs).filter(([path]) => path.endsWith('.mjs'));
  const entry = scripts.find(([, output]) => output.entryPoint !== undefined)?.[0];
  const atStart = new Set<string>();
  const visit = (path: string | undefined) => {
    if (path === undefined || atStart.has(path)) return;
    atStart.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (!imported.external && imported.kind === 'import-statement') visit(imported.path);
    }
  };
  visit(entry);
  let start = entry === undefined ? Number.NaN : 0;
  let onDemand = 0;
  for (const [path, output] of scripts) {
    if (atStart.has(path)) start += output.bytes;
    else onDemand += output.bytes;
  }
  return { atStart: start, onDemand };
}

export async function benchBundles(names?: readonly string[]): Promise<BundleFigures> {
  // Inside the project, so the externals resolve from its node_modules as they do from the runtime's.
  const outDir = join(PROJECT_ROOT, '.tmp', 'bench-bundles');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const bundle_kb: Record<string, number> = {};
  const bundle_on_demand_kb: Record<string, number> = {};
  const init_ms: Record<string, number> = {};
  const init_wall_ms: Record<string, number> = {};
  const init_ms_200_scopes: Record<string, number> = {};
  const scopesFile = join(outDir, 'scopes.json');
  writeFileSync(scopesFile, JSON.stringify(largeCatalogue(200)));
  for (const fn of ALL_FUNCTIONS.filter((f) => !names || names.includes(f.name))) {
    const outfile = join(outDir, fn.name, 'index.mjs');
    const result = await build(bundleOptions(fn, join(PROJECT_ROOT, fn.entry), outfile));
    const outputs = result.metafile?.outputs ?? {};
    const staticImports = Object.values(outputs)
      .flatMap((out) => out.imports)
      .filter((imported) => imported.external && imported.kind === 'import-statement')
      .map((imported) => imported.path)
      .filter((path) => !isBuiltin(path)); // Node's own modules, with or without `node:`
    // A module left out may only be loaded on demand: imported at the top, it would fail the start.
    if (staticImports.length > 0) {
      throw new Error(`${fn.name} imports what its bundle leaves out: ${staticImports.join(', ')}`);
    }
    const { atStart, onDemand } = bytesLoaded(outputs);
    bundle_kb[fn.name] = round(atStart / 1024, 1);
    bundle_on_demand_kb[fn.name] = round(onDemand / 1024, 1);
    const init = initMs(outfile);
    init_ms[fn.name] = round(init.cpu, 1);
    init_wall_ms[fn.name] = round(init.wall, 1);
    if (fn.needs.scopes) {
      init_ms_200_scopes[fn.name] = round(initMs(outfile, { [ENV.catalogueFile]: scopesFile }).cpu, 1);
    }
  }
  rmSync(outDir, { recursive: true, force: true });
  return { bundle_kb, bundle_on_demand_kb, init_ms, init_wall_ms, init_ms_200_scopes };
}
