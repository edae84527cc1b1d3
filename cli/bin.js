#!/usr/bin/env node
// The `tokengate` command. The CLI is TypeScript run from source: tsx compiles it on the fly.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('./main.ts');
process.exitCode = await run(process.argv.slice(2));
