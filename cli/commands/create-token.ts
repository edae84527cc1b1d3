// `tokengate create token`: POST /v1/tokens. The new token goes to stdout (alone with -q), messages
// and the server's warnings to stderr.
import { type Command, Option } from 'commander';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  parseList,
  printJson,
  verb,
} from '#cli/command-kit';
import { tokenDetails } from '#cli/format';
import { type CliIo, nowOf, UsageError, wantsColour } from '#cli/io';
import { createdTokenSchema } from '#cli/responses';

export interface Expiry {
  expires_in_days?: number;
  expires_at?: string;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000 };
export const EXPIRES_FORMS =
  'never, days (90d), hours (12h), minutes (30m), seconds (45s) or a date (2027-01-31)';

/**
 * `--expires`: `never` (the default) sends nothing; `Nd` sends `expires_in_days`; `Nh`, `Nm`, `Ns` send
 * `expires_at` that long from now; a date or date-time goes as `expires_at`, for the API to check.
 */
export function expiryOf(value: string, now: Date): Expiry {
  const text = value.trim();
  if (text.toLowerCase() === 'never') return {};
  const relative = /^(\d+)([dhms])$/i.exec(text);
  if (relative) {
    const amount = Number(relative[1]);
    const unit = (relative[2] ?? '').toLowerCase();
    if (amount === 0) throw new UsageError(`--expires ${text} is not in the future`);
    if (unit === 'd') return { expires_in_days: amount };
    const at = new Date(now.getTime() + amount * (UNIT_MS[unit] ?? 0));
    if (Number.isNaN(at.getTime())) throw new UsageError(`--expires ${text} is too far ahead`);
    return { expires_at: at.toISOString() };
  }
  if (/^\d{4}-\d{2}-\d{2}([Tt ]\S+)?$/.test(text)) return { expires_at: text };
  throw new UsageError(`--expires must be ${EXPIRES_FORMS}; got "${value}"`);
}

/** The scope families that take resource names, and the option that names them. */
const RESOURCE_OPTIONS = { repos: '--repos', sources: '--sources' } as const;
type ResourceFamily = keyof typeof RESOURCE_OPTIONS;

const familyOf = (scope: string): ResourceFamily | undefined => {
  const family = scope.split(':')[0];
  return family === 'repos' || family === 'sources' ? family : undefined;
};

export interface CreateOptions {
  description: string;
  scope: string[];
  repos?: string[];
  sources?: string[];
  /** For a deployment's own scopes: the resource names (or `*`) of every scope outside repos:* and sources:*. */
  resource?: string[];
  user?: string;
  expires: string;
}

export interface CreateTokenBody extends Expiry {
  description: string;
  user_email?: string;
  scopes: { scope: string; resources?: string[] }[];
}

/**
 * The request body for the options: `--repos` goes to `repos:*` scopes, `--sources` to `sources:*`,
 * `--resource` to every other scope (a deployment's own, `orders:read`); the API says which scopes
 * take resources.
 */
export function createTokenBody(options: CreateOptions, now: Date): CreateTokenBody {
  if (options.resource && options.scope.every((scope) => familyOf(scope))) {
    throw new UsageError(
      '--resource goes with a scope other than repos:* and sources:* (use --repos or --sources)',
    );
  }
  const scopes = options.scope.map((scope) => {
    const family = familyOf(scope);
    if (!family) return options.resource ? { scope, resources: options.resource } : { scope };
    const resources = options[family];
    if (!resources || resources.length === 0) {
      const option = RESOURCE_OPTIONS[family];
      throw new UsageError(`--scope ${scope} needs ${option} NAME[,NAME...] or ${option} '*'`);
    }
    return { scope, resources };
  });
  for (const family of Object.keys(RESOURCE_OPTIONS) as ResourceFamily[]) {
    if (options[family] && !options.scope.some((scope) => familyOf(scope) === family)) {
      throw new UsageError(
        `${RESOURCE_OPTIONS[family]} goes with a ${family}:* scope, e.g. --scope ${family}:read`,
      );
    }
  }
  return {
    description: options.description,
    ...(options.user !== undefined && { user_email: options.user }),
    scopes,
    ...expiryOf(options.expires, now),
  };
}

/** Which option each request field comes from, for the API's refusals. */
const FIELD_OPTIONS = {
  description: '--description',
  user_email: '--user',
  scopes: '--scope',
  'scopes.*.resources': '--repos/--sources/--resource',
  expires_at: '--expires',
  expires_in_days: '--expires',
};

interface CreateCommandOptions extends CreateOptions {
  quiet?: boolean;
  outputFormat: OutputFormat;
}

export function registerCreateToken(program: Command, io: CliIo): void {
  const command = verb(program, 'create', 'create token: make a token and print it, shown this once')
    .command('token')
    .description('Create a token and print it: it is shown this once')
    .requiredOption('--description <text>', 'what the token is for (1-500 characters)')
    .requiredOption(
      '--scope <scope>',
      'a scope (e.g. repos:read, sources:write, blocklist:admin); repeat it or separate by commas for more',
      parseList,
    )
    .option('--repos <names>', 'for repos:* scopes: repository names separated by commas, or *', parseList)
    .option('--sources <names>', 'for sources:* scopes: source names separated by commas, or *', parseList)
    .option(
      '--resource <names>',
      "for your deployment's own scopes that take resources (e.g. orders:read): names separated by commas, or *",
      parseList,
    )
    .option('--user <email>', 'the email of the person the token is for')
    .option('--expires <when>', `when it stops working: ${EXPIRES_FORMS}`, 'never')
    .addOption(new Option('-q, --quiet', 'print only the token').conflicts('outputFormat'))
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        "tokengate create token --description 'CI downloads' --scope repos:read --repos cran,pypi --expires 90d",
        "tokengate create token --description 'uploads' --scope sources:write --sources '*' --expires 12h",
        "tokengate create token --description 'blocklist bot' --scope blocklist:read --expires 2027-01-31 -q",
        "tokengate create token --description 'order sync' --scope orders:read --resource o-1,o-2 --expires 30d",
        "TOKEN=$(tokengate create token --description 'one-off' --scope metadata:admin --user me@example.com -q)",
      ),
    );
  addTargetOptions(command).action(async (options: CreateCommandOptions, self: Command) => {
    const body = createTokenBody(options, nowOf(io));
    const client = await apiClient(self, io);
    const created = await client.send(
      { method: 'POST', path: '/v1/tokens', body, options: FIELD_OPTIONS },
      createdTokenSchema,
    );
    for (const warning of created.warnings ?? []) io.stderr(`tokengate: warning: ${warning}\n`);
    if (options.outputFormat === 'json') return printJson(io, created);
    if (options.quiet) return io.stdout(`${created.token}\n`);
    io.stderr(
      `Created token ${created.id}. It is shown this once and cannot be shown again: store it now.\n`,
    );
    io.stdout(tokenDetails(created, [['Token', created.token]], { colour: wantsColour(io) }));
  });
}
