// A direct handle on a deployment's token store, for the one command that works on it without the
// HTTP API (`bootstrap`): the local stack's tables, or a tokens table in AWS. Either way the services
// are built from a Config, the way the Lambda functions build theirs.
import { type Services, services } from '#adapters/clients';
import { readConfig } from '#adapters/config';

export interface DirectStore {
  /** For messages: which table, and where. */
  description: string;
  /** Said after a success: the table is not the one the user may think (see cli/local-stack.ts). */
  warning?: string;
  services: Services;
  /** The functions' environment the services were built from, for a local stack (its endpoint, its tables). */
  environment?: Record<string, string>;
  /** Releases what opening it started (a DynamoDB Local of its own). */
  close(): Promise<void>;
}

/** Services from the same environment variables the Lambda functions read, and their defaults. */
export function servicesFromEnv(env: Record<string, string | undefined>): Services {
  return services(readConfig(env));
}
