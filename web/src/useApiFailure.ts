// What the list does with an API call's failure: a refused session (401, 403: an admin token revoked
// or expired, a person's sign-in expired or taken out of the admin group) signs the console out, and
// the sign-in screen says why; any failure becomes a message to show.
import { useCallback } from 'react';
import { ApiError } from './api';

/** What the sign-in screen says after the API refused the session, by how the console was signed in. */
export const SIGNED_OUT_NOTICES = {
  token: 'You were signed out: the API no longer accepts your admin token.',
  person: 'You were signed out: your sign-in has expired or is no longer accepted. Sign in again.',
} as const;

/** A failure's message, calling `onRefused` first when the API no longer accepts the session. */
export function useApiFailure(onRefused: () => void): (error: unknown) => string {
  return useCallback(
    (error: unknown): string => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) onRefused();
      return error instanceof Error ? error.message : String(error);
    },
    [onRefused],
  );
}
