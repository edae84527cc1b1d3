// `tokengate list tokens`: GET /v1/tokens, every page. --revoked and --expired filter as in rspm:
// without them every token is listed; each one given keeps only the tokens that are (yes) or are not
// (no) revoked, or expired. The API's single-valued `status` cannot say "not revoked" or "not expired",
// so the CLI asks for the narrowest listing the API can give and drops the rest itself. A bare
// --revoked means yes, as in rspm. --kind and --expiration are the API's own filters; --limit stops
// reading pages once that many tokens have passed the filters.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { eachPage } from '#cli/api-client';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  print,
  verb,
} from '#cli/command-kit';
import { tokenTable } from '#cli/format';
import { type CliIo, nowOf, tableWidth, wantsColour } from '#cli/io';
import { type Token, tokenPageSchema } from '#cli/responses';

/** The CLI's sort names (rspm's) and the API's. */
export const SORTS = {
  newest: 'newest',
  oldest: 'oldest',
  name: 'name_asc',
  'name-desc': 'name_desc',
} as const;
export type CliSort = keyof typeof SORTS;

type YesNo = 'yes' | 'no';

/** The CLI's expiration names (kebab-case, like its sorts; the API's snake_case spelling works too) and the API's. */
export const EXPIRATIONS = {
  never: 'never',
  'has-expiration': 'has_expiration',
  has_expiration: 'has_expiration',
  expired: 'expired',
} as const;
export type CliExpiration = keyof typeof EXPIRATIONS;

export const KINDS = ['service', 'user'] as const;

export interface ListOptions {
  revoked?: YesNo;
  expired?: YesNo;
  search?: string;
  sort: CliSort;
  kind?: (typeof KINDS)[number];
  expiration?: CliExpiration;
  /** At most this many tokens, all pages together. */
  limit?: number;
  /** Only the tokens with no request in this many days (`--unused 30d`). */
  unused?: number;
}

export interface ListQuery {
  status?: 'active' | 'revoked' | 'expired';
  expiration?: (typeof EXPIRATIONS)[CliExpiration];
  q?: string;
  kind?: (typeof KINDS)[number];
  sort: (typeof SORTS)[CliSort];
  unused_days?: string;
}

export interface ListPlan {
  query: ListQuery;
  /** Whether a listed token passes the filters (the API's query may be wider than them). */
  keep(token: Token): boolean;
  /** At most this many tokens; undefined for every one. */
  limit?: number;
}

/** Expired means `expires_at` has passed, revoked or not; the server's status decides for unrevoked tokens. */
function hasExpired(token: Token, now: Date): boolean {
  if (token.status === 'expired') return true;
  if (token.status !== 'revoked' || token.expires_at === null) return false;
  return Date.parse(token.expires_at) <= now.getTime();
}

/** The status the API can filter on for the filters; undefined when it needs both kinds of token. */
function statusFor(revoked: YesNo | undefined, expired: YesNo | undefined): ListQuery['status'] {
  if (revoked === 'yes') return 'revoked';
  if (revoked === 'no' && expired === 'no') return 'active';
  if (revoked === 'no' && expired === 'yes') return 'expired';
  return undefined;
}

export function listPlan(options: ListOptions, now: Date): ListPlan {
  const { revoked, expired } = options;
  const status = statusFor(revoked, expired);
  // The API takes one expiration: --expiration's when given (keep() still applies --expired), else the
  // one --expired=yes needs, since expired-and-revoked tokens are found by their date ("expired" alone
  // as a status would miss them).
  const expiration =
    options.expiration !== undefined
      ? EXPIRATIONS[options.expiration]
      : expired === 'yes' && status !== 'expired'
        ? ('expired' as const)
        : undefined;
  const query: ListQuery = {
    ...(status && { status }),
    ...(expiration && { expiration }),
    ...(options.search && { q: options.search }),
    ...(options.kind && { kind: options.kind }),
    sort: SORTS[options.sort],
    ...(options.unused !== undefined && { unused_days: String(options.unused) }),
  };
  const matches = (wanted: YesNo | undefined, actual: boolean) =>
    wanted === undefined || actual === (wanted === 'yes');
  return {
    query,
    keep: (token) => matches(revoked, token.status === 'revoked') && matches(expired, hasExpired(token, now)),
    ...(options.limit !== undefined && { limit: options.limit }),
  };
}

/** The API's largest page. */
export const PAGE_SIZE = 100;

/** The page size to ask for: a --limit under a page needs no more. */
export function pageSize(plan: ListPlan): string {
  return String(Math.min(plan.limit ?? PAGE_SIZE, PAGE_SIZE));
}

/** Every token of the listing (up to the plan's limit), following `next_cursor`, filtered by the plan. */
export async function listAll(
  send: (cursor: string | undefined) => Promise<{ tokens: Token[]; next_cursor: string | null }>,
  plan: ListPlan,
): Promise<Token[]> {
  const tokens: Token[] = [];
  for await (const page of eachPage(send)) {
    tokens.push(...page.tokens.filter((token) => plan.keep(token)));
    if (plan.limit !== undefined && tokens.length >= plan.limit) return tokens.slice(0, plan.limit);
  }
  return tokens;
}

interface ListCommandOptions extends ListOptions {
  outputFormat: OutputFormat;
  wide?: boolean;
}

/** `--revoked`, `--revoked=yes`, `--revoked no`: as in rspm, the flag alone means yes. */
const yesNo = (flags: string, description: string) =>
  new Option(flags, description).choices(['yes', 'no']).preset('yes');

/** A whole number from 1 up, for --limit. */
export function parseLimit(value: string): number {
  const limit = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(limit) || limit < 1)
    throw new InvalidArgumentError('give a whole number from 1 up');
  return limit;
}

/** The days counters are kept, the longest --unused. */
const MAX_UNUSED_DAYS = 90;

/** `30d` (or `30`): a number of days from 1 to 90, for --unused. */
export function parseUnused(value: string): number {
  const match = /^(\d+)d?$/.exec(value.trim());
  const days = Number(match?.[1]);
  if (!match || days < 1 || days > MAX_UNUSED_DAYS)
    throw new InvalidArgumentError(`give days from 1d to ${MAX_UNUSED_DAYS}d, such as 30d`);
  return days;
}

export function registerListTokens(program: Command, io: CliIo): void {
  const command = verb(program, 'list', 'list tokens: list tokens, with filters, search and sort')
    .command('tokens')
    .alias('token')
    .description(
      'List tokens, active ones first. Without --revoked or --expired every token is listed (active, revoked ' +
        'and expired); each of them given keeps only the tokens that are (yes) or are not (no) so.',
    )
    .addOption(
      yesNo('--revoked [yes|no]', 'yes (or the flag alone): only revoked tokens; no: hide revoked tokens'),
    )
    .addOption(
      yesNo(
        '--expired [yes|no]',
        'yes (or the flag alone): only tokens past their expiry date (revoked or not); no: hide them',
      ),
    )
    .addOption(new Option('--kind <kind>', 'service (Posit Connect tokens) or user').choices(KINDS))
    .addOption(
      new Option(
        '--expiration <which>',
        'never: tokens that never expire; has-expiration: an expiry date still to come; expired: one passed',
      ).choices(Object.keys(EXPIRATIONS)),
    )
    .addOption(new Option('--limit <n>', 'list at most n tokens').argParser(parseLimit))
    .addOption(
      new Option(
        '--unused <days>',
        'only tokens with no request in the last days given (30d; 1d to 90d), never used ones too',
      ).argParser(parseUnused),
    )
    .option('--search <text>', 'only tokens whose description or user email contains it (any case)')
    .addOption(
      new Option('--sort <order>', 'newest, oldest, name (A-Z) or name-desc (Z-A)')
        .choices(Object.keys(SORTS))
        .default('newest'),
    )
    .option(
      '--wide',
      "cut no cell, whatever the terminal's width, and add who created each token and when it was last used",
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate list tokens                            every token',
        'tokengate list tokens --wide | less -S           every cell whole, and who created each token',
        'tokengate list tokens --revoked=no --expired=no  only active tokens (neither revoked nor expired)',
        'tokengate list tokens --revoked                  only revoked tokens (the same as --revoked=yes)',
        'tokengate list tokens --kind service --expiration never --limit 20',
        'tokengate list tokens --expired=no               hide expired tokens',
        'tokengate list tokens --search ci --sort name',
        'tokengate list tokens --unused 30d               tokens nobody used in 30 days: candidates to revoke',
        'tokengate list tokens -o json                    a JSON array of every token object, for scripts',
        'tokengate -o json list tokens                    the same: -o may come before the command',
      ),
    );
  addTargetOptions(command).action(async (options: ListCommandOptions, self: Command) => {
    const plan = listPlan(options, nowOf(io));
    const client = await apiClient(self, io);
    const tokens = await listAll(
      (cursor) =>
        client.send(
          {
            method: 'GET',
            path: '/v1/tokens',
            query: { ...plan.query, limit: pageSize(plan), cursor },
            options: { q: '--search', unused_days: '--unused' },
          },
          tokenPageSchema,
        ),
      plan,
    );
    if (options.outputFormat === 'human' && tokens.length === 0) return io.stderr('No tokens match.\n');
    print(io, options.outputFormat, tokens, (value) =>
      tokenTable(value, { colour: wantsColour(io), width: tableWidth(io, options.wide) }),
    );
  });
}
