// The local stack's key ring, kept in a file of the data folder (the serialised form: shared/domain/keyring.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { type KeyRing, type KeyRingSource, newKeyMaterial, parseKeyRing } from '#domain/keyring';

/** The local stack's key ring: created once in the data folder, then only read. */
export class FileKeyRingSource implements KeyRingSource {
  private ring: Promise<KeyRing> | undefined;

  constructor(private readonly path: string) {}

  static ensure(path: string): void {
    if (existsSync(path)) return;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ current: 'k1', k1: newKeyMaterial() })}\n`, {
      mode: 0o600,
      flag: 'wx',
    });
  }

  get(): Promise<KeyRing> {
    this.ring ??= Promise.resolve()
      .then(() => parseKeyRing(readFileSync(this.path, 'utf8')))
      .catch((error: unknown) => {
        this.ring = undefined; // a failed read is not kept: the next call reads the file again
        throw error;
      });
    return this.ring;
  }
}
