// Builds the console with Vite when its build is missing or stale. Each build lives in
// web/dist/<hash of its sources>/, made in a temporary folder and renamed into place, so that
// processes starting together (tests, `npm start`, `cdk synth`) never see half a build, and a build
// stays valid for as long as its sources are unchanged.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, relative } from 'node:path';

export const WEB_DIR = import.meta.dirname;
export const DIST_DIR = join(WEB_DIR, 'dist');
const ROOT = join(WEB_DIR, '..');

/** What the bundle is made of, besides web/src/: the scope catalogue is compiled in. */
const SOURCES = ['web/index.html', 'web/vite.config.ts', 'web/build.ts', 'shared/spec/scopes.ts'];

function filesUnder(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .map((file) => join(folder, file).replaceAll('\\', '/'))
    .filter((file) => statSync(join(ROOT, file)).isFile());
}

/** A hash of every source file's path and content, and of the Vite version that builds them. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  const vite = JSON.parse(readFileSync(join(ROOT, 'node_modules/vite/package.json'), 'utf8')) as {
    version: string;
  };
  hash.update(`vite ${vite.version}\n`);
  for (const file of [...SOURCES, ...filesUnder('web/src')].sort()) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

export interface ConsoleBuild {
  /** The folder holding index.html and assets/. */
  dir: string;
  /** Whether this call ran Vite (false: an up-to-date build was there). */
  built: boolean;
}

/** The folder of an up-to-date build of the console, building it first if needed. */
export async function ensureConsoleBuild(onBuild?: () => void): Promise<ConsoleBuild> {
  const dir = join(DIST_DIR, sourceHash());
  if (existsSync(join(dir, 'index.html'))) return { dir, built: false };
  onBuild?.();
  const { build } = await import('vite');
  const { consoleConfig } = await import('./vite.config');
  mkdirSync(DIST_DIR, { recursive: true });
  const temporary = mkdtempSync(join(DIST_DIR, '.building-'));
  try {
    // Always React's production build and JSX transform: Vite and its React plugin follow the
    // caller's NODE_ENV (vitest sets `test`), which would ship React's development build, twice the
    // size, and cache it for `npm start` too.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        ...consoleConfig,
        configFile: false,
        mode: 'production',
        build: { ...consoleConfig.build, outDir: temporary, emptyOutDir: true },
      });
    } finally {
      if (nodeEnv === undefined) delete process.env.NODE_ENV;
      else process.env.NODE_ENV = nodeEnv;
    }
    try {
      renameSync(temporary, dir);
    } catch (error) {
      // Another process finished the same build first: its copy is as good as ours.
      if (!existsSync(join(dir, 'index.html'))) throw error;
    }
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  pruneOldBuilds(dir);
  return { dir, built: true };
}

/** Removes builds of older sources (best effort: a running stack has read its own into memory). */
function pruneOldBuilds(keep: string): void {
  for (const entry of readdirSync(DIST_DIR)) {
    const path = join(DIST_DIR, entry);
    if (path === keep || entry.startsWith('.')) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > 60_000) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone already
    }
  }
}

/** Every file of a build, by its URL path (`/index.html`, `/assets/index-Ab12.js`); dot-files left out. */
export function buildFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((file) => relative(dir, join(dir, file)).replaceAll('\\', '/'))
    .filter((file) => !file.split('/').some((part) => part.startsWith('.')))
    .filter((file) => statSync(join(dir, file)).isFile())
    .map((file) => `/${file}`);
}
