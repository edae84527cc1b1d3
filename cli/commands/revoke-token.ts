// `tokengate revoke token --guid ID | --token TOKEN`. By id it is the admin route
// POST /v1/tokens/{id}/revoke; by the token itself it is the public leaked-token route
// POST /v1/tokens/revoke, which needs no token of one's own. As in rspm, --token here names the token
// to revoke, so this command takes no caller --token after it: with --guid the caller's token comes
// from TOKENGATE_TOKEN, or from a --token given before the command (`tokengate --token T revoke ...`).
import type { Command } from 'commander';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  parseList,
  print,
  printJson,
  verb,
} from '#cli/command-kit';
import { formatTime, tokenDetails } from '#cli/format';
import { type CliIo, UsageError, wantsColour } from '#cli/io';
import { acceptedSchema, tokenSchema } from '#cli/responses';
import { hintOf, parseToken } from '#domain/token-format';
import { ENV } from '#spec/env';

/** The public route's bound on tokens per request. */
const MAX_TOKENS = 1000;

export type RevokeTarget = { by: 'guid'; id: string } | { by: 'token'; tokens: string[] };

export interface RevokeOptions {
  guid?: string;
  token?: string[];
}

/**
 * What to revoke. Tokens are checked here (length, alphabet, checksum) because the public route
 * answers 202 to anything: a mistyped token, or an id given as --token, would otherwise pass unnoticed.
 */
export function revokeTarget(options: RevokeOptions): RevokeTarget {
  const tokens = [...new Set(options.token ?? [])];
  if (options.guid !== undefined && tokens.length > 0) {
    throw new UsageError(
      'Give --guid ID or --token TOKEN, not both: here --token is the token to revoke. To revoke by id, ' +
        `give your own admin token in ${ENV.token} or before the command: tokengate --token ADMIN revoke token --guid ID`,
    );
  }
  if (options.guid !== undefined) return { by: 'guid', id: options.guid };
  if (tokens.length === 0) {
    throw new UsageError(
      'Say which token to revoke: --guid ID (with an admin token) or --token TOKEN (the token itself)',
    );
  }
  if (tokens.length > MAX_TOKENS)
    throw new UsageError(`At most ${MAX_TOKENS} tokens at a time, got ${tokens.length}`);
  for (const token of tokens) {
    if (parseToken(token) === null) {
      throw new UsageError(
        `--token ${hintOf(token)}... is not a whole tokengate token (wrong length, characters or checksum); to revoke by id, use --guid`,
      );
    }
  }
  return { by: 'token', tokens };
}

export function registerRevokeToken(program: Command, io: CliIo): void {
  const command = verb(program, 'revoke', 'revoke token: revoke a token by its id, or a leaked token itself')
    .command('token')
    .description(
      'Revoke a token, permanently: by its id (--guid, needs a global:admin token) or by the token itself ' +
        '(--token, needs no token of your own: whoever holds a leaked token can revoke it). Here --token is ' +
        `the token to revoke, not yours: with --guid, give yours in ${ENV.token} or before the command.`,
    )
    .option('--guid <id>', 'the id of the token to revoke')
    .option(
      '--token <token>',
      'the token to revoke, the whole tg_ string (repeat it or separate by commas for more)',
      parseList,
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        `tokengate revoke token --guid 3fWq0cYb8kTz1LmN                  with ${ENV.token} set to an admin token`,
        'tokengate --token "$ADMIN" revoke token --guid 3fWq0cYb8kTz1LmN',
        'tokengate revoke token --token tg_3fWq0cYb...                     a leaked token: no admin token needed',
        'echo "$ids" | xargs -n1 tokengate revoke token --guid             the ids a batch printed when it made its tokens',
      ),
    );
  addTargetOptions(command, { callerToken: false }).action(
    async (options: RevokeOptions & { outputFormat: OutputFormat }, self: Command) => {
      const target = revokeTarget(options);
      const client = await apiClient(self, io);
      if (target.by === 'guid') {
        const path = `/v1/tokens/${encodeURIComponent(target.id)}`;
        // The API answers a second revoke as it did the first; looking first lets the CLI say so. It
        // still sends it: a revoke also revokes the token's live descendants (the token tree).
        const before = await client.send({ method: 'GET', path, options: { id: '--guid' } }, tokenSchema);
        const token = await client.send(
          { method: 'POST', path: `${path}/revoke`, options: { id: '--guid' } },
          tokenSchema,
        );
        if (options.outputFormat === 'human') {
          io.stderr(
            before.revoked_at !== null && token.revoked_at === before.revoked_at
              ? `Token ${token.id} was already revoked (${formatTime(token.revoked_at, true)} UTC); nothing changed.\n`
              : `Revoked token ${token.id}.\n`,
          );
        }
        return print(io, options.outputFormat, token, (value) =>
          tokenDetails(value, [], { colour: wantsColour(io) }),
        );
      }
      const answer = await client.send(
        {
          method: 'POST',
          path: '/v1/tokens/revoke',
          body: { tokens: target.tokens },
          authenticated: false,
          options: { tokens: '--token' },
        },
        acceptedSchema,
      );
      if (options.outputFormat === 'json') return printJson(io, answer);
      const hints = target.tokens.map((token) => `${hintOf(token)}...`).join(', ');
      io.stderr(
        `Revoked ${hints} if it existed: it no longer works (the API does not say whether a token existed).\n`,
      );
    },
  );
}
