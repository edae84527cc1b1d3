// What tells the authorizer who a bearer is: the bearer verifier itself, or the HTTP API's memo of
// verified callers in front of it (remembered-callers.ts). The authorizer's handler takes either.
import type { Caller } from './verify-bearer';

export interface CallerSource {
  /** The caller, or an UnauthorizedError (a RefusedBearer from the verifier) saying why not. */
  verify(authorization: string | null | undefined): Promise<Caller>;
}
