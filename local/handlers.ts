// Loads the Lambda entry modules the deployment runs (the authorizer, every route's function, the
// audit consumer), the same files that are bundled for AWS. They read their configuration at import time, so the
// caller sets the environment first.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AUTHORIZER, type FunctionDef } from '#spec/functions';
import type { Route } from '#spec/routes';
import type { LambdaFunction, LambdaHandler } from './gateway';

const REPOSITORY_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function loadHandler(entry: string): Promise<LambdaHandler> {
  const module: { handler?: unknown } = await import(pathToFileURL(join(REPOSITORY_ROOT, entry)).href);
  if (typeof module.handler !== 'function') throw new Error(`${entry} exports no handler function`);
  return module.handler as LambdaHandler;
}

/** One function that is not behind a route (the audit consumer). */
export async function loadFunction(fn: FunctionDef): Promise<LambdaFunction> {
  return { fn, handler: await loadHandler(fn.entry) };
}

export interface LoadedHandlers {
  authorizer: LambdaFunction;
  /** By `FunctionDef.entry`. */
  handlers: Map<string, LambdaHandler>;
}

export async function loadHandlers(routes: readonly Route[]): Promise<LoadedHandlers> {
  const entries = [...new Set(routes.map((route) => route.fn.entry))];
  const handlers = new Map<string, LambdaHandler>();
  for (const entry of entries) handlers.set(entry, await loadHandler(entry));
  return { authorizer: await loadFunction(AUTHORIZER), handlers };
}

/** Waits for work the handlers left running after answering (the authorizer's `last_used_at` writes). */
export async function settleHandlers(): Promise<void> {
  // The module the handlers imported (same URL, same instance); imported late as it reads the env.
  const runtime: typeof import('#functions/authorizer/runtime') = await import(
    pathToFileURL(join(REPOSITORY_ROOT, 'functions/authorizer/runtime.ts')).href
  );
  await runtime.verifier.settle();
}
