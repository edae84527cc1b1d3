// Which local stack a command means. With DATA_DIR set, the one of that data folder. Without it, the
// one running on ./.data, else the one stack of this user that runs anywhere (the registry that
// local/start.ts keeps), so that a shell without DATA_DIR neither makes a token the running stack
// rejects nor starts a second DynamoDB Local. Several running stacks are ambiguous: the user says which.
import {
  type DataDir,
  dataDir,
  dataDirAt,
  processIsAlive,
  readStackInfo,
  type StackInfo,
} from '#local/data-dir';
import { type RegisteredStack, runningStacks } from '#local/stack-registry';
import { ENV } from '#spec/env';
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
  /** With DATA_DIR set and no stack running on it: the stacks that run on other folders, to name them. */
  elsewhere: readonly RegisteredStack[];
}

export function findLocalStack(env: NodeJS.ProcessEnv): LocalStackChoice {
  const dir = dataDir(env);
  const own = readStackInfo(dir);
  const ownRuns = own !== null && processIsAlive(own.pid);
  const chosen = {
    dir,
    stack: own,
    from: 'data-dir',
    lookedIn: dir.root,
    searchedRegistry: false,
    elsewhere: [],
  } as const;
  if (ownRuns) return chosen;
  const running = runningStacks(env);
  if (env[ENV.dataDir])
    return { ...chosen, elsewhere: running.filter((stack) => stack.data_dir !== dir.root) };
  const [only] = running;
  if (running.length > 1) {
    throw new CliError(
      `No local stack runs on ${dir.root}, and ${running.length} run elsewhere: ${named(running)}. ` +
        `Say which: set ${ENV.dataDir} to its data folder, or pass --endpoint URL`,
    );
  }
  if (!only) return { ...chosen, searchedRegistry: true };
  const { data_dir, ...stack } = only;
  return {
    dir: dataDirAt(data_dir),
    stack,
    from: 'registry',
    lookedIn: dir.root,
    searchedRegistry: true,
    elsewhere: [],
  };
}

const named = (stacks: readonly RegisteredStack[]) =>
  stacks.map((stack) => `${stack.url} (${ENV.dataDir}=${stack.data_dir})`).join(', ');

/** What to say when no stack answers: where none was found, and how to name the right one. */
export function notFoundAdvice(choice: LocalStackChoice): string {
  const where = choice.searchedRegistry
    ? `${choice.lookedIn} (${ENV.dataDir} is not set), nor any other that this user started`
    : `${choice.lookedIn} (${ENV.dataDir})`;
  const others = choice.elsewhere.length > 0 ? `; running elsewhere: ${named(choice.elsewhere)}` : '';
  return `no local stack runs on ${where}${others}. Start one (npm start), or point at yours: ${ENV.dataDir}=<its data folder>, or --endpoint URL`;
}

/** For bootstrap: the token goes to a folder no stack runs on, while others run elsewhere. */
export function notTheRunningStack(choice: LocalStackChoice): string | undefined {
  if (choice.elsewhere.length === 0) return undefined;
  return (
    `no local stack runs on ${choice.lookedIn} (${ENV.dataDir}), so the token is made there, for a stack you start on it; ` +
    `the stack${choice.elsewhere.length > 1 ? 's' : ''} running at ${named(choice.elsewhere)} will not accept it`
  );
}

/** The stderr line saying which stack was found without DATA_DIR. */
export function foundElsewhere(choice: LocalStackChoice): string {
  return (
    `${ENV.dataDir} is not set and no local stack runs on ${choice.lookedIn}: using the one running at ` +
    `${choice.stack?.url} (${ENV.dataDir}=${choice.dir.root})`
  );
}
