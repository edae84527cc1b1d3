// `tokengate audit [--guid ID] [--since T] [--until T] [--type T] [--actor A]`: GET /v1/audit, every
// page, newest first: who did what to which token, narrowed as the API's query narrows it.
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { eachPage } from '#cli/api-client';
import {
  addTargetOptions,
  apiClient,
  examples,
  type OutputFormat,
  outputOption,
  print,
} from '#cli/command-kit';
import { formatTime, table, truncate } from '#cli/format';
import { type CliIo, nowOf, UsageError } from '#cli/io';
import { AUDIT_EVENT_TYPES } from '#domain/audit';
import { registerAuditRedrive } from './audit-redrive';

/** What the CLI reads of an audit event; fields a newer server adds pass through. */
const auditEventSchema = z.looseObject({
  id: z.string(),
  time: z.string(),
  type: z.string(),
  token_id: z.string(),
  actor: z.looseObject({ type: z.string(), id: z.string() }),
  details: z.record(z.string(), z.unknown()),
});

type AuditEvent = z.output<typeof auditEventSchema>;

const auditPageSchema = z.looseObject({
  events: z.array(auditEventSchema),
  next_cursor: z.string().nullable(),
});

const PAGE_SIZE = '100';
const SUMMARY_WIDTH = 60;

const shown = (value: unknown) => (value === null || value === undefined ? '-' : String(value));

/** One line on what the event says: the description, the fields an update changed, or a rotation's link. */
function summary(event: AuditEvent): string {
  const { rotated_to: to, rotated_from: from, description } = event.details;
  if (typeof to === 'string') return `rotated to ${to}`;
  if (typeof from === 'string')
    return `${typeof description === 'string' ? `${description} ` : ''}(rotated from ${from})`;
  const changes = z
    .record(z.string(), z.looseObject({ old: z.unknown(), new: z.unknown() }))
    .safeParse(event.details.changes);
  if (changes.success) {
    return Object.entries(changes.data)
      .map(([field, change]) => `${field}: ${shown(change.old)} -> ${shown(change.new)}`)
      .join('; ');
  }
  return typeof event.details.description === 'string' ? event.details.description : '';
}

export function auditTable(events: readonly AuditEvent[]): string {
  return table(
    ['TIME (UTC)', 'EVENT', 'TOKEN', 'BY', 'DETAILS'],
    events.map((event) => [
      formatTime(event.time, true),
      event.type,
      event.token_id,
      `${event.actor.type}:${event.actor.id}`,
      truncate(summary(event), SUMMARY_WIDTH),
    ]),
  );
}

const AGO_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000 };
const TIME_FORMS = 'a date (2026-12-01), a date-time (2026-12-01T09:00:00Z) or a time ago (7d, 12h, 30m)';

/**
 * `--since` / `--until`: a time ago (`7d`, `12h`, `30m`) becomes that instant; a date or date-time goes
 * to the API as it is, for it to check.
 */
export function auditTimeOf(option: string, value: string, now: Date): string {
  const text = value.trim();
  const ago = /^(\d{1,6})([dhm])$/i.exec(text);
  if (ago) {
    return new Date(
      now.getTime() - Number(ago[1]) * (AGO_MS[(ago[2] ?? '').toLowerCase()] ?? 0),
    ).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([Tt ]\S+)?$/.test(text)) return text;
  throw new UsageError(`${option} must be ${TIME_FORMS}; got "${value}"`);
}

interface AuditOptions {
  guid?: string;
  since?: string;
  until?: string;
  type?: string;
  actor?: string;
  outputFormat: OutputFormat;
}

/** The query of the first page: the options as the API names them. */
export function auditQuery(options: AuditOptions, now: Date): Record<string, string | undefined> {
  return {
    token_id: options.guid,
    since: options.since === undefined ? undefined : auditTimeOf('--since', options.since, now),
    until: options.until === undefined ? undefined : auditTimeOf('--until', options.until, now),
    type: options.type,
    actor: options.actor,
  };
}

export function registerAudit(program: Command, io: CliIo): void {
  const command = program
    .command('audit')
    .description('Show the audit trail, newest first: every change to a token, and who made it')
    .option('--guid <id>', 'only the events of this token (its id, as listed by tokengate list tokens)')
    .option('--since <time>', `only events from then on: ${TIME_FORMS}`)
    .option('--until <time>', `only events before then: ${TIME_FORMS}`)
    .addOption(new Option('--type <type>', 'only events of this type').choices(AUDIT_EVENT_TYPES))
    .option('--actor <actor>', 'only what this one did: token:<id>, iam:<arn> or system:<name>')
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate audit',
        'tokengate audit --guid 3fWq0cYb8kTz1LmN',
        'tokengate audit --since 7d --type token.revoked',
        'tokengate audit --actor token:3fWq0cYb8kTz1LmN --since 2026-12-01 --until 2026-12-08',
        'tokengate audit -o json     a JSON array of every audit event, for scripts',
      ),
    );
  registerAuditRedrive(command, io);
  addTargetOptions(command).action(async (options: AuditOptions, self: Command) => {
    const query = auditQuery(options, nowOf(io));
    const client = await apiClient(self, io);
    const events: AuditEvent[] = [];
    const pages = eachPage((cursor) =>
      client.send(
        {
          method: 'GET',
          path: '/v1/audit',
          query: { ...query, limit: PAGE_SIZE, cursor },
          options: {
            token_id: '--guid',
            since: '--since',
            until: '--until',
            type: '--type',
            actor: '--actor',
          },
        },
        auditPageSchema,
      ),
    );
    for await (const page of pages) events.push(...page.events);
    if (options.outputFormat === 'human' && events.length === 0) return io.stderr('No audit events.\n');
    print(io, options.outputFormat, events, auditTable);
  });
}
