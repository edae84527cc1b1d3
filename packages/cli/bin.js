#!/usr/bin/env node
// The `tokengate` command of the tokengate-cli package: the CLI that the repository's build bundles
// into dist/cli.js. In a checkout of the repository (this folder is its packages/cli/) it hands over
// to cli/bin.js there, which runs the TypeScript sources: a checkout never runs a stale build.
import { existsSync } from 'node:fs';

const checkout = import.meta.url.endsWith('/packages/cli/bin.js');
const checkoutBin = new URL('../../cli/bin.js', import.meta.url);
if (checkout && existsSync(checkoutBin)) {
  await import(checkoutBin.href);
} else {
  // `tokengate list tokens | head`: a reader that stops early is no failure of ours.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  const cli = await import('./dist/cli.js');
  process.exitCode = await cli.run(process.argv.slice(2));
}
