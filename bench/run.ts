// `npm run bench`: every benchmark against the real DynamoDB Local, a readable table of figures with
// their budgets, and with `--json` the same figures as one JSON object on the last line.
// `--only authorizer,cpu,audit,listing,usage,bundles,stack,console` runs a subset; `--functions A,B` bundles only
// those functions; BENCH_QUICK=1 in the environment lists 1,000 and 10,000 tokens instead of 10,000
// and 100,000 (for a quick look while developing: its figures keep the full run's names).
import { cpus } from 'node:os';
import { FUNCTIONS } from '#spec/functions';
import { benchAuditBurst } from './audit-burst';
import { benchAuthorizer } from './authorizer';
import { benchBundles } from './bundles';
import { benchConsole } from './console';
import { benchCpu } from './cpu';
import { startBenchDatabase } from './fixtures';
import { benchListing } from './listing';
import { benchLocalStack } from './local-stack';
import { round } from './stats';
import { benchUsage } from './usage';

type Figures = Record<string, number | Record<string, number>>;

interface Budget {
  figure: string;
  limit: string;
  holds: (figures: Figures) => boolean;
}

const num = (figures: Figures, key: string) => figures[key] as number;

const sub = (figures: Figures, key: string, name: string) =>
  (figures[key] as Record<string, number> | undefined)?.[name] ?? Number.POSITIVE_INFINITY;

/** Every API function: its cold start is budgeted, the authorizer's more tightly. */
const API_FUNCTIONS = Object.values(FUNCTIONS).map((fn) => fn.name);

/** What each budget guards is in docs/performance.md. */
const BUDGETS: Budget[] = [
  {
    figure: 'authorizer_over_getitem_p50',
    limit: '<= 1.05',
    holds: (f) => num(f, 'authorizer_over_getitem_p50') <= 1.05,
  },
  { figure: 'malformed_db_reads', limit: '= 0', holds: (f) => num(f, 'malformed_db_reads') === 0 },
  { figure: 'memo_db_reads', limit: '= 0', holds: (f) => num(f, 'memo_db_reads') === 0 },
  {
    figure: 'authorizer_cpu_p50_us',
    limit: '<= jwt_verify_p50_us / 4',
    holds: (f) => num(f, 'authorizer_cpu_p50_us') <= num(f, 'jwt_verify_p50_us') / 4,
  },
  {
    figure: 'catalogue_decision_cpu_p50_us',
    limit: '<= jwt_verify_p50_us / 4',
    holds: (f) => num(f, 'catalogue_decision_cpu_p50_us') <= num(f, 'jwt_verify_p50_us') / 4,
  },
  {
    figure: 'metrics_cpu_us_per_check',
    limit: '<= 2',
    holds: (f) => num(f, 'metrics_cpu_us_per_check') <= 2,
  },
  { figure: 'bundle_kb.Authorizer', limit: '< 120', holds: (f) => sub(f, 'bundle_kb', 'Authorizer') < 120 },
  { figure: 'init_ms.Authorizer', limit: '< 40', holds: (f) => sub(f, 'init_ms', 'Authorizer') < 40 },
  {
    figure: 'init_ms_200_scopes.Authorizer',
    limit: '< 40',
    holds: (f) => sub(f, 'init_ms_200_scopes', 'Authorizer') < 40,
  },
  ...API_FUNCTIONS.flatMap((name): Budget[] => [
    { figure: `bundle_kb.${name}`, limit: '< 400', holds: (f) => sub(f, 'bundle_kb', name) < 400 },
    { figure: `init_ms.${name}`, limit: '< 100', holds: (f) => sub(f, 'init_ms', name) < 100 },
  ]),
  { figure: 'list_page_p50_ms_10k', limit: '< 100', holds: (f) => num(f, 'list_page_p50_ms_10k') < 100 },
  { figure: 'search_p50_ms_10k', limit: '< 500', holds: (f) => num(f, 'search_p50_ms_10k') < 500 },
  { figure: 'list_page_p50_ms_100k', limit: '< 50', holds: (f) => num(f, 'list_page_p50_ms_100k') < 50 },
  { figure: 'search_p50_ms_100k', limit: '< 1000', holds: (f) => num(f, 'search_p50_ms_100k') < 1000 },
  {
    figure: 'search_rare_p50_ms_100k',
    limit: '< 1000',
    holds: (f) => num(f, 'search_rare_p50_ms_100k') < 1000,
  },
  { figure: 'list_errors', limit: '= 0', holds: (f) => num(f, 'list_errors') === 0 },
  { figure: 'audit_lag_p99_ms', limit: '< 2000', holds: (f) => num(f, 'audit_lag_p99_ms') < 2000 },
  {
    figure: 'audit_lag_p99_ms_burst',
    limit: '< 2000',
    holds: (f) => num(f, 'audit_lag_p99_ms_burst') < 2000,
  },
  {
    figure: 'usage_writes_per_1000_requests',
    limit: '<= 50',
    holds: (f) => num(f, 'usage_writes_per_1000_requests') <= 50,
  },
  { figure: 'gateway_errors', limit: '= 0', holds: (f) => num(f, 'gateway_errors') === 0 },
  {
    figure: 'console_first_screen_ms_100k',
    limit: '< 1000',
    holds: (f) => num(f, 'console_first_screen_ms_100k') < 1000,
  },
  { figure: 'console_js_kb_gz', limit: '< 150', holds: (f) => num(f, 'console_js_kb_gz') < 150 },
];

function arg(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const only = arg('--only')?.split(',');
  const wanted = (name: string) => !only || only.includes(name);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const figures: Figures = {};

  log(
    `tokengate benchmarks on ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`,
  );
  if (wanted('authorizer') || wanted('cpu') || wanted('audit') || wanted('listing') || wanted('usage')) {
    log('starting DynamoDB Local...');
    const bench = await startBenchDatabase();
    try {
      if (wanted('authorizer')) {
        log('authorizer vs GetItem, junk tokens...');
        Object.assign(figures, await benchAuthorizer(bench.tokensTable));
      }
      if (wanted('cpu')) {
        log('CPU per check vs RS256 JWT...');
        Object.assign(figures, await benchCpu(bench.keyFile));
      }
      if (wanted('audit')) {
        log('audit lag under a burst of 1,000 writes in 10 s...');
        Object.assign(figures, await benchAuditBurst(bench.db.endpoint, bench.tokensTable, bench.dir));
      }
      if (wanted('usage')) {
        log('usage writes: 1,000 requests of 10 tokens through the access log...');
        Object.assign(figures, await benchUsage(bench.dir));
      }
      if (wanted('listing')) {
        log('listing with 10,000 and 100,000 tokens (seeded with parallel batch writes)...');
        Object.assign(figures, await benchListing(bench.tokensTable, bench.searchTable));
      }
    } finally {
      await bench.db.stop();
    }
  }
  if (wanted('bundles')) {
    log('bundles and init times...');
    Object.assign(figures, await benchBundles(arg('--functions')?.split(',')));
  }
  if (wanted('console')) {
    log('web console: first screen with 100,000 tokens in Chromium, script size...');
    Object.assign(figures, await benchConsole());
  }
  if (wanted('stack')) {
    log('local stack: gateway load and audit lag...');
    Object.assign(figures, await benchLocalStack());
  }

  const rows: string[][] = [['figure', 'value', 'budget', '']];
  for (const [key, value] of Object.entries(figures)) {
    const entries =
      typeof value === 'number'
        ? [[key, value] as const]
        : Object.entries(value).map(([k, v]) => [`${key}.${k}`, v] as const);
    for (const [name, v] of entries) {
      const budget = BUDGETS.find((b) => b.figure === name);
      rows.push([
        name,
        String(round(v, 3)),
        budget?.limit ?? '',
        budget ? (budget.holds(figures) ? 'ok' : 'MISSED') : '',
      ]);
    }
  }
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  for (const row of rows)
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  if (json) console.log(JSON.stringify(figures));
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
