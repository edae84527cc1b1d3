// `tokengate rotate token --guid ID | --self [--grace 1h] [--expires 90d] [-q]`: POST
// /v1/tokens/{id}/rotate (an admin rotates any token), or with --self POST /v1/tokens/self/rotate (the
// caller's own token, whatever its scopes). --expires renews: the new token gets that expiry instead
// of the old one's. The new token goes to stdout (alone with -q), messages to stderr.
import { type Command, Option } from 'commander';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  printJson,
  verb,
} from '#cli/command-kit';
import { formatTime, tokenDetails } from '#cli/format';
import { type CliIo, nowOf, UsageError, wantsColour } from '#cli/io';
import { rotatedTokenSchema } from '#cli/responses';
import { MAX_GRACE_SECONDS } from '#domain/token-rotation';
import { ENV } from '#spec/env';
import { EXPIRES_FORMS, expiryOf } from './create-token';

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3_600, m: 60, s: 1 };
const GRACE_FORMS = 'a duration such as 1h, 30m, 45s or 0 (days too, at most 7d)';

/**
 * `--grace`: one whole number and a unit (d, h, m, s), in seconds, at most a week; a bare 0 is 0s
 * (no time at all in any unit; another bare number could mean seconds or hours, so it needs its unit).
 */
export function graceSecondsOf(value: string): number {
  if (value.trim() === '0') return 0;
  const match = /^(\d{1,9})([dhms])$/i.exec(value.trim());
  if (!match) throw new UsageError(`--grace must be ${GRACE_FORMS}; got "${value}"`);
  const seconds = Number(match[1]) * (UNIT_SECONDS[(match[2] ?? '').toLowerCase()] ?? 0);
  if (seconds > MAX_GRACE_SECONDS) {
    throw new UsageError(`--grace ${value.trim()} is longer than a week (7d, ${MAX_GRACE_SECONDS} s)`);
  }
  return seconds;
}

/** What the API says of the old token: accepted until a time, no more (null), or nothing (an older API). */
function oldTokenLasts(acceptedUntil: string | null | undefined): string {
  if (acceptedUntil === undefined) return 'the old token works on for the grace';
  if (acceptedUntil === null) {
    return 'the old token is no longer accepted (an answer the authorizer cached before may pass it for up to the cache TTL)';
  }
  return `the old token is accepted until ${formatTime(acceptedUntil, true)} UTC`;
}

export type RotateTarget = { by: 'guid'; id: string } | { by: 'self' };

export function rotateTarget(options: { guid?: string; self?: boolean }): RotateTarget {
  if (options.guid !== undefined && options.self) {
    throw new UsageError('Give --guid ID or --self, not both');
  }
  if (options.guid !== undefined) return { by: 'guid', id: options.guid };
  if (options.self) return { by: 'self' };
  throw new UsageError(
    `Say which token to rotate: --guid ID (with an admin token) or --self (the token in ${ENV.token} or --token)`,
  );
}

export interface RotateBody {
  grace_seconds?: number;
  expires_in_days?: number;
  /** null: the new token never expires. */
  expires_at?: string | null;
}

/**
 * The request body: the grace in seconds, and with --expires the new token's expiry in create's forms
 * (`never` is sent as an explicit null, since leaving it out keeps the old token's expiry).
 */
export function rotateBody(options: { grace?: string; expires?: string }, now: Date): RotateBody {
  let renewal: RotateBody = {};
  if (options.expires !== undefined) {
    renewal =
      options.expires.trim().toLowerCase() === 'never'
        ? { expires_at: null }
        : expiryOf(options.expires, now);
  }
  return {
    ...(options.grace !== undefined && { grace_seconds: graceSecondsOf(options.grace) }),
    ...renewal,
  };
}

interface RotateCommandOptions {
  guid?: string;
  self?: boolean;
  grace?: string;
  expires?: string;
  quiet?: boolean;
  outputFormat: OutputFormat;
}

export function registerRotateToken(program: Command, io: CliIo): void {
  const command = verb(
    program,
    'rotate',
    'rotate token: replace a token by a new one, the old one working on for a grace',
  )
    .command('token')
    .description(
      'Rotate a token: a new one with the same scopes, resources, user and expiry (or the expiry --expires ' +
        'gives: a renewal), printed this once; the old one keeps working for the grace, then stops by itself. ' +
        '--guid rotates any token (needs a global:admin token); --self rotates the token you call with ' +
        `(${ENV.token} or --token), whatever its scopes, and may bring its expiry forward but never put it later.`,
    )
    .option('--guid <id>', 'the id of the token to rotate')
    .option('--self', 'rotate the token you call with')
    .option('--grace <duration>', `how long the old token keeps working: ${GRACE_FORMS}; default 1h`)
    .option(
      '--expires <when>',
      `renew: when the new token stops working, ${EXPIRES_FORMS}; default: when the old one would have`,
    )
    .addOption(new Option('-q, --quiet', 'print only the new token').conflicts('outputFormat'))
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate rotate token --guid 3fWq0cYb8kTz1LmN --grace 2h',
        `NEW=$(${ENV.token}=$OLD tokengate rotate token --self -q)      a job renewing its own token`,
        'tokengate rotate token --guid 3fWq0cYb8kTz1LmN --grace 0s     the old token stops at once',
        'tokengate rotate token --guid 3fWq0cYb8kTz1LmN --expires 90d  renew an expiring token',
      ),
    );
  addTargetOptions(command).action(async (options: RotateCommandOptions, self: Command) => {
    const target = rotateTarget(options);
    const body = rotateBody(options, nowOf(io));
    const client = await apiClient(self, io);
    const path =
      target.by === 'self' ? '/v1/tokens/self/rotate' : `/v1/tokens/${encodeURIComponent(target.id)}/rotate`;
    const created = await client.send(
      {
        method: 'POST',
        path,
        body,
        options: {
          id: '--guid',
          grace_seconds: '--grace',
          expires_at: '--expires',
          expires_in_days: '--expires',
        },
      },
      rotatedTokenSchema,
    );
    if (options.outputFormat === 'json') return printJson(io, created);
    if (options.quiet) return io.stdout(`${created.token}\n`);
    const old = created.rotated_from ?? (target.by === 'guid' ? target.id : 'yours');
    io.stderr(
      `Rotated token ${old} to ${created.id}: ${oldTokenLasts(created.previous_accepted_until)}; the new ` +
        'one is shown this once and cannot be shown again: store it now.\n',
    );
    io.stdout(tokenDetails(created, [['Token', created.token]], { colour: wantsColour(io) }));
  });
}
