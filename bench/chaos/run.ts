// `npm run chaos`: the chaos run (chaos.ts, then workload.ts), its progress on stderr, its figures as one JSON object
// on the last line of stdout.
import { runChaos } from './chaos';
import { runWorkload } from './workload';

const log = (line: string) => console.error(`chaos: ${line}`);
const figures = { ...(await runChaos(log)), ...(await runWorkload(log)) };
console.log(JSON.stringify(figures));
process.exit(0);
