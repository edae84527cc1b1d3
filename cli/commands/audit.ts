// `tokengate audit [--guid ID]`: GET /v1/audit, every page, newest first: who did what to which
// token. With --guid, the events of that token only.
import type { Command } from 'commander';
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
import type { CliIo } from '#cli/io';

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

export function registerAudit(program: Command, io: CliIo): void {
  const command = program
    .command('audit')
    .description('Show the audit trail, newest first: every change to a token, and who made it')
    .option('--guid <id>', 'only the events of this token (its id, as listed by tokengate list tokens)')
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate audit',
        'tokengate audit --guid 3fWq0cYb8kTz1LmN',
        'tokengate audit -o json     a JSON array of every audit event, for scripts',
      ),
    );
  addTargetOptions(command).action(
    async (options: { guid?: string; outputFormat: OutputFormat }, self: Command) => {
      const client = await apiClient(self, io);
      const events: AuditEvent[] = [];
      const pages = eachPage((cursor) =>
        client.send(
          {
            method: 'GET',
            path: '/v1/audit',
            query: { token_id: options.guid, limit: PAGE_SIZE, cursor },
            options: { token_id: '--guid' },
          },
          auditPageSchema,
        ),
      );
      for await (const page of pages) events.push(...page.events);
      if (options.outputFormat === 'human' && events.length === 0) return io.stderr('No audit events.\n');
      print(io, options.outputFormat, events, auditTable);
    },
  );
}
