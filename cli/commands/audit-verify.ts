// `tokengate audit verify [--since T]`: reads every token (GET /v1/tokens) and then every audit event
// (GET /v1/audit), and checks that each change a token's state shows has its event and that no change
// is recorded twice (#domain/audit-reconciliation). Prints the counts; exits 1 when anything is
// missing or duplicated, so a script or a scheduled job can alert on it.
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
  verb,
} from '#cli/command-kit';
import { auditTimeOf } from '#cli/commands/audit';
import { details, table } from '#cli/format';
import { CliError, type CliIo, nowOf } from '#cli/io';
import { tokenPageSchema } from '#cli/responses';
import { AUDIT_EVENT_TYPES, type AuditEvent } from '#domain/audit';
import { type AuditReconciliation, type ReconciledToken, reconcileAudit } from '#domain/audit-reconciliation';

const PAGE_SIZE = '100';

/** The audit events the check reads; an event type this CLI does not know changes nothing it checks. */
const auditPageSchema = z.looseObject({
  events: z.array(
    z.looseObject({
      id: z.string(),
      time: z.string(),
      type: z.string(),
      token_id: z.string(),
      actor: z.looseObject({ type: z.string(), id: z.string() }),
      details: z.record(z.string(), z.unknown()),
    }),
  ),
  next_cursor: z.string().nullable(),
});

const knownType = (type: string): type is AuditEvent['type'] =>
  (AUDIT_EVENT_TYPES as readonly string[]).includes(type);

interface VerifyOptions {
  since?: string;
  outputFormat: OutputFormat;
}

export function verificationReport(result: AuditReconciliation): string {
  const counts = details([
    ['Tokens checked', String(result.tokens)],
    ['Audit events', String(result.events)],
    ['Missing', String(result.audit_missing)],
    ['Duplicates', String(result.audit_duplicates)],
  ]);
  if (result.findings.length === 0) return counts;
  const rows = result.findings.map((finding) => [
    finding.token_id,
    finding.problem,
    finding.type,
    finding.change,
    finding.event_id ?? '-',
  ]);
  return `${counts}\n${table(['TOKEN', 'PROBLEM', 'EVENT', 'CHANGE', 'EVENT ID'], rows)}`;
}

/** Adds `verify` under `tokengate audit` (registered before it). */
export function registerAuditVerify(program: Command, io: CliIo): void {
  const command = verb(program, 'audit', 'Show the audit trail')
    .command('verify')
    .description(
      "Check the audit trail against the tokens: every change a token's state shows has its event, none is recorded twice",
    )
    .option(
      '--since <time>',
      'only tokens created from then on (older ones may have outlived their events): a date, a date-time or a time ago (7d)',
    )
    .addOption(outputOption())
    .addHelpText(
      'after',
      examples(
        'tokengate audit verify',
        'tokengate audit verify --since 400d     only the tokens created within the audit retention',
        'tokengate audit verify -o json         the counts and each finding, for scripts',
      ),
    );
  addTargetOptions(command).action(async (options: VerifyOptions, self: Command) => {
    const since = options.since === undefined ? undefined : auditTimeOf('--since', options.since, nowOf(io));
    const client = await apiClient(self, io);
    // The tokens first: their events follow their changes (through the stream), so read them last.
    const tokens: ReconciledToken[] = [];
    const tokenPages = eachPage((cursor) =>
      client.send(
        { method: 'GET', path: '/v1/tokens', query: { limit: PAGE_SIZE, cursor } },
        tokenPageSchema,
      ),
    );
    for await (const page of tokenPages) {
      for (const token of page.tokens) tokens.push({ ...token, rotated_to: token.rotated_to ?? null });
    }
    const events: AuditEvent[] = [];
    const eventPages = eachPage((cursor) =>
      client.send({ method: 'GET', path: '/v1/audit', query: { limit: PAGE_SIZE, cursor } }, auditPageSchema),
    );
    for await (const page of eventPages) {
      for (const event of page.events) {
        if (!knownType(event.type)) continue;
        events.push({
          ...event,
          type: event.type,
          actor: event.actor as AuditEvent['actor'],
          details: event.details as AuditEvent['details'],
        });
      }
    }
    // The API lists the newest first; the reconciliation reads them in the order they happened.
    const result = reconcileAudit(tokens, events.reverse(), { since });
    print(io, options.outputFormat, result, verificationReport);
    if (result.audit_missing > 0 || result.audit_duplicates > 0) {
      throw new CliError(
        `The audit trail does not match the tokens: ${result.audit_missing} change(s) without their event, ${result.audit_duplicates} recorded twice`,
      );
    }
  });
}
