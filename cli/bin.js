#!/usr/bin/env node
// The `tokengate` command. The CLI is TypeScript run from source: tsx compiles it on the fly.
import { register } from 'tsx/esm/api';

// `tokengate list tokens | head`: a reader that stops early is no failure of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
