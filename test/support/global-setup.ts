// Once per test run, whichever projects run: the run's log folder is made before any worker starts,
// and searched for leaked tokens at the end (see token-leak-scan.ts). DynamoDB Local is the
// integration project's own global setup (dynamo-setup.ts).
import { checkNoTokenInLogs, openLogDir } from './token-leak-check';

export function setup(): void {
  openLogDir();
}

export function teardown(): void {
  checkNoTokenInLogs();
}
