#!/usr/bin/env node
// The `tokengate` command. In a checkout it runs the TypeScript sources, compiled on the fly by tsx;
// the published package has no sources, only their build (dist/cli.js, made by `npm pack`).
import { existsSync } from 'node:fs';

// `tokengate list tokens | head`: a reader that stops early is no failure of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const sources = new URL('./main.ts', import.meta.url);
let cli;
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(sources.href);
} else {
  cli = await import('../dist/cli.js');
}
process.exitCode = await cli.run(process.argv.slice(2));
