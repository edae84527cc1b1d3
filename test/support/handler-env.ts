// The environment the Lambda handlers read at import time. A test file that loads handlers sets these
// for its own tables; this puts them back afterwards, so files cannot leak configuration into each other.
const HANDLER_ENV_KEYS = [
  'TOKENGATE_TOKENS_TABLE',
  'TOKENGATE_AUDIT_TABLE',
  'TOKENGATE_KEY_FILE',
  'TOKENGATE_KEY_SECRET_ID',
  'TOKENGATE_DYNAMODB_ENDPOINT',
  'POWERTOOLS_LOG_LEVEL',
] as const;

/** Remembers the handlers' environment as it is now; call the result to restore it. */
export function saveHandlerEnv(): () => void {
  const saved = Object.fromEntries(HANDLER_ENV_KEYS.map((key) => [key, process.env[key]]));
  return () => {
    for (const key of HANDLER_ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  };
}
