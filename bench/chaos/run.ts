// `npm run chaos`: the chaos run (chaos.ts, then workload.ts), its progress on stderr, its figures as one JSON object
// on the last line of stdout.
import { runChaos } from './chaos';
import { runSoak, withSoak } from './soak';
import { runWorkload } from './workload';

const log = (line: string) => console.error(`chaos: ${line}`);
// The soak (soak.ts) first: the chaos run sets this process's environment for the functions it
// loads, which the soak's local stack and CLI would inherit.
const soak = await runSoak(log);
const figures = { ...(await runChaos(log)), ...(await runWorkload(log)) };
console.log(JSON.stringify(withSoak(figures, soak)));
process.exit(0);
