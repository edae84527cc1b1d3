// `npm run chaos`: the chaos run (chaos.ts), its progress on stderr, its figures as one JSON object
// on the last line of stdout.
import { runChaos } from './chaos';

const figures = await runChaos((line) => console.error(`chaos: ${line}`));
console.log(JSON.stringify(figures));
process.exit(0);
