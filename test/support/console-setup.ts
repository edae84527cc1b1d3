// The e2e project's global setup: builds the web console once, if web/ changed, before the local
// stacks of the tests start (each would otherwise build it too, at the same time).
import { ensureConsoleBuild } from '#web/build';

export async function setup(): Promise<void> {
  await ensureConsoleBuild();
}
