// What tells the authorizer who a bearer is: the bearer verifier itself, or the HTTP API's memo of
// verified callers in front of it (remembered-callers.ts). The authorizer's handler takes either.
import type { Caller } from './verify-bearer';

export interface CallerSource {
  /**
   * `whileReading`, if given, may be called once while the token's item is being read (never for a
   * token refused before any read): work done there overlaps the read instead of following it. It
   * is handed the caller the read is expected to confirm, or undefined: what is decided there for
   * that caller holds only if `verify` resolves to that very object.
   */
  verify(
    authorization: string | null | undefined,
    whileReading?: (expected: Caller | undefined) => void,
  ): Promise<Caller>;
}
