import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for every function. Events are never logged: they carry Authorization headers. */
export const logger = new Logger({ serviceName: 'tokengate' });

/**
 * A token written whose search postings could not follow (the search table refused them): the write
 * stands, and the audit stream consumer posts the token from the table's stream.
 */
export function postingsDeferred(tokenId: string, error: unknown): void {
  logger.warn('Search postings left to the stream consumer', { tokenId, error: error as Error });
}
