// The Logs Insights queries of docs/operations.md name fields of two kinds of log line: the access
// log's JSON (shared/spec/access-log.ts) and the authorizer's metric lines (shared/spec/metrics.ts).
// A renamed field would leave a query that runs and finds nothing; this test reads every query and
// checks each field it names against the one place those fields are defined.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACCESS_LOG_FORMAT } from '#spec/access-log';
import { METRIC_DIMENSIONS, METRICS } from '#spec/metrics';
import { REPOSITORY_ROOT } from '#test-support/processes';

/** Words of the query language itself: commands, functions, operators, sort orders. */
const QUERY_WORDS = new Set([
  'fields',
  'filter',
  'stats',
  'sort',
  'limit',
  'display',
  'parse',
  'as',
  'by',
  'and',
  'or',
  'not',
  'in',
  'like',
  'asc',
  'desc',
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'pct',
  'bin',
  'ispresent',
]);

type LogKind = 'access' | 'authorizer';

interface Query {
  kind: LogKind;
  text: string;
}

/** The queries of a code block: its lines up to a blank line or a comment, comments dropped. */
function queriesOf(block: string, kind: LogKind): Query[] {
  return block
    .split(/\n(?=#)|\n\s*\n/)
    .map((part) =>
      part
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .join('\n')
        .trim(),
    )
    .filter((text) => text.length > 0)
    .map((text) => ({ kind, text }));
}

/** Every query of the page, with the log group the sentence before its block names. */
function documentedQueries(markdown: string): Query[] {
  const queries: Query[] = [];
  for (const match of markdown.matchAll(/([^\n]*\n)\n?```\n([\s\S]*?)```/g)) {
    const [, before = '', block = ''] = match;
    if (!/^(filter|stats|fields)\b/m.test(block)) continue;
    const kind: LogKind = /authorizer function's log group/.test(before) ? 'authorizer' : 'access';
    queries.push(...queriesOf(block, kind));
  }
  return queries;
}

/** The fields a query reads: its words, less strings, regexes, `@` fields, numbers, its own aliases and the language's words. */
function fieldsOf(query: string): string[] {
  const bare = query
    .replace(/"[^"]*"/g, ' ')
    .replace(/\/(?:[^/\\\n]|\\.)+\//g, ' ')
    .replace(/@\w+/g, ' ')
    .replace(/\b\d+[a-z]*\b/g, ' ');
  const aliases = new Set([...bare.matchAll(/\bas\s+(\w+)/g)].map(([, alias = '']) => alias));
  const words = [...bare.matchAll(/\b[A-Za-z_]\w*\b/g)].map(([word]) => word);
  return words.filter((word) => !QUERY_WORDS.has(word) && !aliases.has(word));
}

const markdown = readFileSync(join(REPOSITORY_ROOT, 'docs/operations.md'), 'utf8');
const queries = documentedQueries(markdown);
const accessFields = new Set(Object.keys(ACCESS_LOG_FORMAT));
const metricFields = new Set([
  ...Object.values(METRICS).map((metric) => metric.name),
  ...Object.values(METRIC_DIMENSIONS),
]);

describe('the Logs Insights queries of the operations page', () => {
  it('are found, on both kinds of log group', () => {
    expect(queries.filter((query) => query.kind === 'access').length).toBeGreaterThanOrEqual(6);
    expect(queries.filter((query) => query.kind === 'authorizer').length).toBeGreaterThanOrEqual(2);
  });

  it.each(queries.map((query) => [query.text.split('\n')[0], query] as const))(
    'name only fields their log lines carry: %s',
    (_, query) => {
      const known = query.kind === 'access' ? accessFields : metricFields;
      expect(fieldsOf(query.text).filter((field) => !known.has(field))).toEqual([]);
    },
  );

  it('tells a misspelt field apart', () => {
    expect(fieldsOf('filter principle like /^token:/ | stats count(*) as n by principal')).toEqual([
      'principle',
      'principal',
    ]);
  });
});
