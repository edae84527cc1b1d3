// Shared by the key ring unit tests that read Secrets Manager (secrets-keyring, parameters-keyring):
// the secret's id, a key ring as the secret holds it, and the fake Secrets Manager on loopback.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FakeSecretsManager, startFakeSecretsManager } from '#test-support/fake-secrets-manager';

export const SECRET_ID = 'tokengate/hmac-keys';

/** A key ring as the secret holds it: the current key's id and every key by id. */
export const serialised = (current: string, keys: Record<string, string>) =>
  JSON.stringify({ current, ...keys });

/**
 * The fake Secrets Manager for this test file: started before its tests, closed after them, and its
 * requests forgotten before each test. Call at the top of the file.
 */
export function withFakeSecretsManager(): FakeSecretsManager {
  let server: FakeSecretsManager | undefined;
  beforeAll(async () => {
    server = await startFakeSecretsManager();
  });
  afterAll(() => server?.close());
  beforeEach(() => {
    started().requests.length = 0;
  });

  function started(): FakeSecretsManager {
    if (!server) throw new Error('the fake Secrets Manager starts in beforeAll');
    return server;
  }
  return {
    get url() {
      return started().url;
    },
    get requests() {
      return started().requests;
    },
    answer: (next) => started().answer(next),
    answerOnce: (next) => started().answerOnce(next),
    client: () => started().client(),
    close: () => started().close(),
  };
}
