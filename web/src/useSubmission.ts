// What every form and confirmation of the console does with its request: busy while it runs (the
// submit button says so and cannot be pressed twice), and a failure's message shown, at the field it
// names when the form has that field, else for the whole form.
import { useState } from 'react';
import { ApiError } from './api';

/** The message to show for whatever a request threw. */
export function messageOf(caught: unknown): string {
  return caught instanceof Error ? caught.message : String(caught);
}

/**
 * `onField` is given a failure that names a request field; it returns true when it showed the message
 * at that field, and the form-wide `error` stays empty.
 */
export function useSubmission(onField?: (field: string, message: string) => boolean) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(request: () => Promise<void>): Promise<void> {
    setError(null);
    setBusy(true);
    try {
      await request();
    } catch (caught) {
      const message = messageOf(caught);
      const field = caught instanceof ApiError ? caught.field : undefined;
      if (!(field !== undefined && onField?.(field, message))) setError(message);
    } finally {
      setBusy(false);
    }
  }

  return { busy, error, submit };
}
