import { Logger } from '@aws-lambda-powertools/logger';

/** One logger for every function. Events are never logged: they carry Authorization headers. */
export const logger = new Logger({ serviceName: 'tokengate' });
