// shared/spec/env.ts names every environment variable once, and the code builds its help and error
// texts from it; the names the outside contract (CONTRACT.md) gives users are pinned here, literally,
// so renaming one in ENV cannot go unnoticed.
import { describe, expect, it } from 'vitest';
import { ENV } from '#spec/env';

describe('ENV', () => {
  it('names the variables users set as the contract does', () => {
    expect({
      endpoint: ENV.endpoint,
      token: ENV.token,
      dataDir: ENV.dataDir,
      port: ENV.port,
    }).toEqual({
      endpoint: 'TOKENGATE_ENDPOINT',
      token: 'TOKENGATE_TOKEN',
      dataDir: 'DATA_DIR',
      port: 'PORT',
    });
  });

  it('gives each variable its own name', () => {
    const names = Object.values(ENV);
    expect(new Set(names).size).toBe(names.length);
  });
});
