// The running local stacks of this user, one small file each in a per-user folder
// ($XDG_RUNTIME_DIR/tokengate/stacks, else <tmpdir>/tokengate-<uid>/stacks), written by local/start.ts.
// Through it a CLI run in a shell without DATA_DIR finds the stack that runs on another data folder,
// instead of making a token in ./.data that the running stack does not know.
// The folder may sit in a shared /tmp, so it is trusted only if it is this user's own and writable by
// no one else, and only loopback URLs are taken from it (as from stack.json: the CLI sends tokens there).
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ENV } from '#spec/env';
import { dataDirAt, isLoopbackUrl, processIsAlive, readStackInfo } from './data-dir';

const registeredStackSchema = z.object({
  url: z.string(),
  dynamodb_endpoint: z.string(),
  tokens_table: z.string(),
  pid: z.number().int().positive(),
  data_dir: z.string(),
});

/** A running stack as the registry lists it: what its stack.json says, and its data folder. */
export type RegisteredStack = z.infer<typeof registeredStackSchema>;

const uid = (): number | undefined => process.getuid?.();

/** The registry folder for `env`. */
export function registryDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime) return join(resolve(runtime), 'tokengate', 'stacks');
  return join(tmpdir(), `tokengate-${uid() ?? userInfo().username}`, 'stacks');
}

/** Whether `path` is a real folder (not a link) of this user that no one else may write to. */
function ownFolder(path: string): boolean {
  try {
    const stat = lstatSync(path);
    if (!stat.isDirectory()) return false;
    const me = uid();
    return me === undefined || (stat.uid === me && (stat.mode & 0o022) === 0);
  } catch {
    return false;
  }
}

/** The registry folder, made if missing; null if it (or its parent) is not this user's alone. */
function trustedDir(env: NodeJS.ProcessEnv, create: boolean): string | null {
  const dir = registryDir(env);
  const parent = resolve(dir, '..');
  if (create) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch {
      return null;
    }
  }
  return ownFolder(parent) && ownFolder(dir) ? dir : null;
}

/**
 * Lists the stack in the registry until the returned function removes it. Best effort: a registry
 * that cannot be written (or is not this user's alone) only means the CLI will not find the stack
 * without DATA_DIR, so `warn` says so and the stack runs on.
 */
export function registerStack(
  stack: RegisteredStack,
  env: NodeJS.ProcessEnv = process.env,
  warn: (line: string) => void = () => {},
): () => void {
  const dir = trustedDir(env, true);
  if (!dir) {
    warn(
      `cannot use ${registryDir(env)} (not a folder of this user's alone): the CLI finds this stack only with ${ENV.dataDir}`,
    );
    return () => {};
  }
  const file = join(dir, `${stack.pid}.json`);
  try {
    writeFileSync(file, `${JSON.stringify(stack, null, 2)}\n`, { mode: 0o600 });
  } catch (error) {
    warn(
      `cannot write ${file} (${(error as Error).message}): the CLI finds this stack only with ${ENV.dataDir}`,
    );
    return () => {};
  }
  return () => rmSync(file, { force: true });
}

function readEntry(file: string): RegisteredStack | null {
  try {
    const stat = lstatSync(file);
    const me = uid();
    if (!stat.isFile() || (me !== undefined && stat.uid !== me)) return null;
    return registeredStackSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return null;
  }
}

/**
 * The stacks that run now: entries whose process lives and whose data folder's stack.json still names
 * it, with loopback URLs only. Entries of stacks that have ended are removed.
 */
export function runningStacks(env: NodeJS.ProcessEnv = process.env): RegisteredStack[] {
  const dir = trustedDir(env, false);
  if (!dir) return [];
  const stacks: RegisteredStack[] = [];
  for (const name of readdirSync(dir)
    .filter((entry) => entry.endsWith('.json'))
    .sort()) {
    const file = join(dir, name);
    const stack = readEntry(file);
    if (!stack) continue;
    if (!processIsAlive(stack.pid) || readStackInfo(dataDirAt(stack.data_dir))?.pid !== stack.pid) {
      rmSync(file, { force: true });
      continue;
    }
    if (isLoopbackUrl(stack.url) && isLoopbackUrl(stack.dynamodb_endpoint)) stacks.push(stack);
  }
  return stacks.sort((a, b) => a.data_dir.localeCompare(b.data_dir));
}
