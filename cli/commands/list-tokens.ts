// `tokengate list tokens`: GET /v1/tokens, every page. --revoked and --expired filter as in rspm:
// without them every token is listed; each one given keeps only the tokens that are (yes) or are not
// (no) revoked, or expired. The API's single-valued `status` cannot say "not revoked" or "not expired",
// so the CLI asks for the narrowest listing the API can give and drops the rest itself.
import { type Command, Option } from 'commander';
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
import { CliError, type CliIo, nowOf } from '#cli/io';
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

export interface ListOptions {
  revoked?: YesNo;
  expired?: YesNo;
  search?: string;
  sort: CliSort;
}

export interface ListQuery {
  status?: 'active' | 'revoked' | 'expired';
  expiration?: 'expired';
  q?: string;
  sort: (typeof SORTS)[CliSort];
}

export interface ListPlan {
  query: ListQuery;
  /** Whether a listed token passes the filters (the API's query may be wider than them). */
  keep(token: Token): boolean;
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
  const query: ListQuery = {
    ...(status && { status }),
    // Expired-and-revoked tokens are found by their date; "expired" alone as a status would miss them.
    ...(expired === 'yes' && status !== 'expired' && { expiration: 'expired' as const }),
    ...(options.search && { q: options.search }),
    sort: SORTS[options.sort],
  };
  const matches = (wanted: YesNo | undefined, actual: boolean) =>
    wanted === undefined || actual === (wanted === 'yes');
  return {
    query,
    keep: (token) => matches(revoked, token.status === 'revoked') && matches(expired, hasExpired(token, now)),
  };
}

const PAGE_SIZE = '100';

/** Every token of the listing, following `next_cursor` to the end, filtered by the plan. */
export async function listAll(
  send: (cursor: string | undefined) => Promise<{ tokens: Token[]; next_cursor: string | null }>,
  plan: ListPlan,
): Promise<Token[]> {
  const tokens: Token[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = await send(cursor);
    tokens.push(...page.tokens.filter((token) => plan.keep(token)));
    cursor = page.next_cursor ?? undefined;
    if (cursor !== undefined && seen.has(cursor))
      throw new CliError('The API returned the same page cursor twice');
    if (cursor !== undefined) seen.add(cursor);
  } while (cursor !== undefined);
  return tokens;
}

interface ListCommandOptions extends ListOptions {
  outputFormat: OutputFormat;
}

const yesNo = (flags: string, description: string) => new Option(flags, description).choices(['yes', 'no']);

export function registerListTokens(program: Command, io: CliIo): void {
  const command = verb(program, 'list', 'list tokens: list tokens, with filters, search and sort')
    .command('tokens')
    .alias('token')
    .description(
      'List tokens, active ones first. Without --revoked or --expired every token is listed (active, revoked ' +
        'and expired); each of them given keeps only the tokens that are (yes) or are not (no) so.',
    )
    .addOption(yesNo('--revoked <yes|no>', 'yes: only revoked tokens; no: hide revoked tokens'))
    .addOption(
      yesNo('--expired <yes|no>', 'yes: only tokens past their expiry date (revoked or not); no: hide them'),
    )
    .option('--search <text>', 'only tokens whose description, user email or id contains it (any case)')
    .addOption(
      new Option('--sort <order>', 'newest, oldest, name (A-Z) or name-desc (Z-A)')
        .choices(Object.keys(SORTS))
        .default('newest'),
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate list tokens                            every token',
        'tokengate list tokens --revoked=no --expired=no  only active tokens (neither revoked nor expired)',
        'tokengate list tokens --revoked=yes              only revoked tokens',
        'tokengate list tokens --expired=no               hide expired tokens',
        'tokengate list tokens --search ci --sort name',
        'tokengate list tokens -o json                    a JSON array of every token object, for scripts',
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
            query: { ...plan.query, limit: PAGE_SIZE, cursor },
            options: { q: '--search' },
          },
          tokenPageSchema,
        ),
      plan,
    );
    if (options.outputFormat === 'human' && tokens.length === 0) return io.stderr('No tokens match.\n');
    print(io, options.outputFormat, tokens, tokenTable);
  });
}
