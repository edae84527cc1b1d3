// `tokengate edit token --guid ID [--email E | --clear-email] [--description D]`: PATCH
// /v1/tokens/{id}. The user email and the description are what can change about a token.
// `--clear-email=ADDR` without --guid is rspm's bulk form: the address is removed from every token
// that has it (revoked and expired ones too).
import { type Command, Option } from 'commander';
import { type ApiClient, ApiError, eachPage } from '#cli/api-client';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  print,
  verb,
} from '#cli/command-kit';
import { tokenDetails, tokenTable } from '#cli/format';
import { type CliIo, tableWidth, UsageError, wantsColour } from '#cli/io';
import { type Token, tokenPageSchema, tokenSchema } from '#cli/responses';
import { PAGE_SIZE } from './list-tokens';

export interface EditOptions {
  guid?: string;
  email?: string;
  /** true for the flag alone (with --guid); an address for the bulk form. */
  clearEmail?: boolean | string;
  description?: string;
}

/** What PATCH changes: the fields given, at least one. */
export interface EditBody {
  user_email?: string | null;
  description?: string;
}

export type EditPlan = { by: 'guid'; id: string; body: EditBody } | { by: 'email'; email: string };

export function editPlan(options: EditOptions): EditPlan {
  const { guid, email, clearEmail } = options;
  if (typeof clearEmail === 'string') {
    if (guid !== undefined) {
      throw new UsageError(
        '--clear-email=ADDR clears ADDR from every token that has it, so it takes no --guid; for one token: --guid ID --clear-email',
      );
    }
    if (options.description !== undefined) {
      throw new UsageError(
        '--description changes one token: give --guid ID (and --clear-email without an address)',
      );
    }
    if (clearEmail.trim() === '') throw new UsageError('--clear-email= needs the address to clear');
    return { by: 'email', email: clearEmail.trim() };
  }
  if (guid === undefined) {
    throw new UsageError('Say which token: --guid ID (or --clear-email=ADDR to clear ADDR from every token)');
  }
  const body: EditBody = {
    ...(email !== undefined && { user_email: email }),
    ...(clearEmail === true && { user_email: null }),
    ...(options.description !== undefined && { description: options.description }),
  };
  if (Object.keys(body).length > 0) return { by: 'guid', id: guid, body };
  throw new UsageError('Say what to change: --email EMAIL, --clear-email or --description TEXT');
}

/** The body for one token (the --guid form). */
export function editTokenBody(options: EditOptions): EditBody {
  const plan = editPlan({ guid: 'id', ...options });
  if (plan.by !== 'guid') throw new UsageError('--clear-email=ADDR is not the --guid form');
  return plan.body;
}

function patch(client: ApiClient, id: string, body: EditBody): Promise<Token> {
  return client.send(
    {
      method: 'PATCH',
      path: `/v1/tokens/${encodeURIComponent(id)}`,
      body,
      options: { id: '--guid', user_email: '--email', description: '--description' },
    },
    tokenSchema,
  );
}

/**
 * The tokens whose user email is `email` (in any case): the API's search finds it in descriptions too,
 * and as part of longer addresses, so only exact matches are kept.
 */
export async function tokensWithEmail(client: ApiClient, email: string): Promise<Token[]> {
  const wanted = email.toLowerCase();
  const found: Token[] = [];
  const pages = eachPage((cursor) =>
    client.send(
      {
        method: 'GET',
        path: '/v1/tokens',
        query: { q: email, limit: String(PAGE_SIZE), cursor },
        options: { q: '--clear-email' },
      },
      tokenPageSchema,
    ),
  );
  for await (const page of pages) {
    found.push(...page.tokens.filter((token) => token.user_email?.toLowerCase() === wanted));
  }
  return found;
}

export function registerEditToken(program: Command, io: CliIo): void {
  const command = verb(program, 'edit', "edit token: change a token's user email or description")
    .command('token')
    .description(
      "Change a token's user email or description (nothing else about a token can change), or with " +
        '--clear-email=ADDR remove ADDR from every token that has it',
    )
    .addOption(new Option('--guid <id>', 'the token id'))
    .addOption(new Option('--email <email>', 'the email of the person the token is for'))
    .addOption(
      new Option(
        '--clear-email [address]',
        'with --guid: remove the user email; =ADDR (no --guid): remove ADDR from every token that has it',
      ).conflicts('email'),
    )
    .addOption(new Option('--description <text>', 'what the token is for (1-500 characters)'))
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate edit token --guid 3fWq0cYb8kTz1LmN --email alice@example.com',
        "tokengate edit token --guid 3fWq0cYb8kTz1LmN --description 'CI downloads (nightly)'",
        'tokengate edit token --guid 3fWq0cYb8kTz1LmN --clear-email',
        'tokengate edit token --clear-email=alice@example.com   every token of alice@example.com',
      ),
    );
  addTargetOptions(command).action(
    async (options: EditOptions & { outputFormat: OutputFormat }, self: Command) => {
      const plan = editPlan(options);
      const client = await apiClient(self, io);
      if (plan.by === 'guid') {
        const token = await patch(client, plan.id, plan.body);
        return print(io, options.outputFormat, token, (value) =>
          tokenDetails(value, [], { colour: wantsColour(io) }),
        );
      }
      const cleared: Token[] = [];
      for (const token of await tokensWithEmail(client, plan.email)) {
        try {
          cleared.push(await patch(client, token.id, { user_email: null }));
        } catch (error) {
          if (!(error instanceof ApiError && error.status === 404)) throw error; // deleted meanwhile
        }
      }
      const count = `${cleared.length} token${cleared.length === 1 ? '' : 's'}`;
      io.stderr(`Cleared the user email ${plan.email} from ${count}.\n`);
      if (options.outputFormat === 'json') return print(io, 'json', cleared, tokenTable);
      if (cleared.length > 0)
        io.stdout(tokenTable(cleared, { colour: wantsColour(io), width: tableWidth(io) }));
    },
  );
}
