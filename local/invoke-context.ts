// The local stack runs many invocations at once in one process, as Lambda does on a Managed
// Instance. There the runtime runs each invocation inside its own context of the invoke store
// (`@aws/lambda-invoke-store`, backed by AsyncLocalStorage) and sets AWS_LAMBDA_MAX_CONCURRENCY,
// and Powertools then keeps the logger's Lambda context and keys per invocation. This does the same
// locally, so that concurrent log lines carry their own function name and request id.
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';

/** What Lambda sets when one process serves invocations concurrently; Powertools only checks it is set. */
const MAX_CONCURRENCY = 'AWS_LAMBDA_MAX_CONCURRENCY';
const { REQUEST_ID } = InvokeStoreBase.PROTECTED_KEYS;

/** Whether a context run inside another leaves the outer one in place, as AsyncLocalStorage does. */
function isolates(store: InvokeStoreBase): boolean {
  return store.run({ [REQUEST_ID]: 'outer' }, () => {
    store.run({ [REQUEST_ID]: 'inner' }, () => undefined);
    return store.getRequestId() === 'outer';
  });
}

// Created at import, before an SDK client's first request asks for the store (and, without
// AWS_LAMBDA_MAX_CONCURRENCY, would make the single-invocation kind that every later caller shares).
const store = InvokeStore.getInstanceAsync(true).then((created) => {
  if (!isolates(created)) {
    throw new Error(
      'The Lambda invoke store was made for one invocation at a time before the local stack could make it concurrent',
    );
  }
  return created;
});
store.catch(() => undefined); // reported by runInInvokeContext

/** Runs `invocation` in the invoke context of the invocation `context` describes, as Lambda's runtime does. */
export async function runInInvokeContext<T>(
  context: Pick<Context, 'awsRequestId'>,
  invocation: () => Promise<T>,
): Promise<T> {
  const invokeStore = await store;
  // Set once the handlers' modules are loaded, not before: Powertools Batch 2.35's BatchProcessor
  // writes to the store in its constructor, which throws outside an invocation once this is set.
  process.env[MAX_CONCURRENCY] ??= '1000';
  return invokeStore.run({ [REQUEST_ID]: context.awsRequestId }, invocation);
}
