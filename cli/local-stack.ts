// Which local stack a command means. With DATA_DIR set, the one of that data folder. Without it, the
// one running on ./.data, else the one stack of this user that runs anywhere (the registry that
// local/start.ts keeps), so that a shell without DATA_DIR neither makes a token the running stack
// rejects nor starts a second DynamoDB Local. Several running stacks are ambiguous: the user says which.
import { type DataDir, dataDir, processIsAlive, readStackInfo, type StackInfo } from '../local/data-dir';
import { runningStacks } from '../local/stack-registry';
import { CliError } from './io';

export interface LocalStackChoice {
  /** The data folder to use. */
  dir: DataDir;
  /** Its stack.json, if it has one (it may be stale when `from` is not `registry`). */
  stack: StackInfo | null;
  /** `data-dir`: $DATA_DIR or ./.data; `registry`: found running elsewhere, DATA_DIR being unset. */
  from: 'data-dir' | 'registry';
  /** The folder looked in first ($DATA_DIR, or ./.data), for messages. */
  lookedIn: string;
  /** Whether the registry of running stacks was searched too (DATA_DIR unset). */
  searchedRegistry: boolean;
}

export function findLocalStack(env: NodeJS.ProcessEnv): LocalStackChoice {
  const dir = dataDir(env);
  const own = readStackInfo(dir);
  const chosen = { dir, stack: own, from: 'data-dir', lookedIn: dir.root, searchedRegistry: false } as const;
  if (env.DATA_DIR || (own && processIsAlive(own.pid))) return chosen;
  const running = runningStacks(env);
  const [only] = running;
  if (running.length > 1) {
    const list = running.map((stack) => `${stack.url} (DATA_DIR=${stack.data_dir})`).join(', ');
    throw new CliError(
      `No local stack runs on ${dir.root}, and ${running.length} run elsewhere: ${list}. ` +
        'Say which: set DATA_DIR to its data folder, or pass --endpoint URL',
    );
  }
  if (!only) return { ...chosen, searchedRegistry: true };
  const { data_dir, ...stack } = only;
  return {
    dir: dataDir({ DATA_DIR: data_dir }),
    stack,
    from: 'registry',
    lookedIn: dir.root,
    searchedRegistry: true,
  };
}

/** What to say when no stack answers: where none was found, and how to name the right one. */
export function notFoundAdvice(lookedIn: string, searchedRegistry: boolean): string {
  const where = searchedRegistry
    ? `${lookedIn} (DATA_DIR is not set), nor any other that this user started`
    : `${lookedIn} (DATA_DIR)`;
  return `no local stack runs on ${where}. Start one (npm start), or point at yours: DATA_DIR=<its data folder>, or --endpoint URL`;
}

/** The stderr line saying which stack was found without DATA_DIR. */
export function foundElsewhere(choice: LocalStackChoice): string {
  return (
    `DATA_DIR is not set and no local stack runs on ${choice.lookedIn}: using the one running at ` +
    `${choice.stack?.url} (DATA_DIR=${choice.dir.root})`
  );
}
