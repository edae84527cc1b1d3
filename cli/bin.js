#!/usr/bin/env node
// The `tokengate` command in a checkout: it runs the TypeScript sources, compiled on the fly by tsx.
// The published command is the tokengate-cli package (packages/cli/), whose bin.js runs their build
// and hands over to this file in a checkout.
// `tokengate list tokens | head`: a reader that stops early is no failure of ours.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
const { register } = await import('tsx/esm/api');
register();
const cli = await import(new URL('./main.ts', import.meta.url).href);
process.exitCode = await cli.run(process.argv.slice(2));
