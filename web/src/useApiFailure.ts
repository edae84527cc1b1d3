// What the list does with an API call's failure: a refused admin token (401, 403) signs the console
// out, saying why; any failure becomes a message to show.
import { useCallback } from 'react';
import { ApiError } from './api';

export const SIGNED_OUT_NOTICE = 'You were signed out: the API no longer accepts your admin token.';

/** A failure's message, signing out first when the API no longer accepts the admin token. */
export function useApiFailure(onSignedOut: (why?: string) => void): (error: unknown) => string {
  return useCallback(
    (error: unknown): string => {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        onSignedOut(SIGNED_OUT_NOTICE);
      }
      return error instanceof Error ? error.message : String(error);
    },
    [onSignedOut],
  );
}
