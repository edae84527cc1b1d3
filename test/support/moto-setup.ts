// One moto server (Secrets Manager) for the integration tests, on loopback, stopped at the end of
// the run; tests find it with `motoEndpoint()` (moto.ts).
import type { TestProject } from 'vitest/node';
import { type MotoServer, startMoto } from './moto';

let moto: MotoServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
}

export async function teardown(): Promise<void> {
  await moto?.stop();
}
