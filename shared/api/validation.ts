// Request validation with zod, failing as a ValidationError that names the field at fault.
import { z } from 'zod';
import { ValidationError } from '#domain/errors';

function fieldOf(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  return path.join('.') || 'body';
}

function messageOf(issue: z.core.$ZodIssue, field: string): string {
  if (issue.code === 'unrecognized_keys') return `Unknown field: ${field}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return `${field} is required`;
  return `${field}: ${issue.message}`;
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ValidationError('The request is not valid');
  const field = fieldOf(issue);
  throw new ValidationError(messageOf(issue, field), field);
}

/** Query strings arrive as strings; an empty one (`?q=`) means "not given". */
export const queryValue = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
