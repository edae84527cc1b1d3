// `node --import tsx scripts/build-console.ts`: builds the web console when its build is missing or
// stale (web/build.ts) and prints the build's folder as its last line. cdk/console.ts runs it at
// synth in a checkout: a construct is made synchronously and cannot wait for Vite.
import { ensureConsoleBuild } from '#web/build';

const { dir } = await ensureConsoleBuild(() =>
  console.error('tokengate: building the web console (web/)...'),
);
process.stdout.write(`${dir}\n`);
