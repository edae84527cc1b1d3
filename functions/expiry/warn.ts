// The expiry-warning scan: run daily by EventBridge Scheduler (the local stack: at start, then
// daily). Each token expiring within the window gets one `token.expiring`, in the audit trail and on
// the default event bus. Warnings it could not put on the bus fail the run; the next run puts them.
import type { Context } from 'aws-lambda';
import { warner } from '#functions/commons/expiry-runtime';
import { logger } from '#functions/commons/logger';

export interface ExpiryWarnerResult {
  warned: number;
  published: number;
}

export const handler = async (_event: unknown, context: Context): Promise<ExpiryWarnerResult> => {
  logger.addContext(context);
  const { warned, published, unpublished } = await warner.run();
  const counts = { warned: warned.length, published: published.length };
  // Quiet on the days with nothing to say (the local stack runs it at every start).
  if (counts.warned + counts.published > 0) logger.info('Expiry warnings sent', counts);
  else logger.debug('No expiry warnings due', counts);
  if (unpublished.length > 0) {
    throw new Error(
      `${unpublished.length} expiry warnings are recorded but not on the event bus (tokens ${unpublished.join(', ')}); the next run puts them`,
    );
  }
  return counts;
};
