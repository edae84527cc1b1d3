// What the Create Token form sends: its fields checked and made into the API's request, and which of
// its fields an API refusal names.
import type { CreateTokenRequest } from './api';
import { type AccessLevel, firstResourceType, type ResourceType } from './scopes';

/** The API's limit on a token's description (create and edit alike). */
export const MAX_DESCRIPTION = 500;

export type Field = 'user_email' | 'description' | 'access' | 'resources' | 'days' | 'date';
/** Each field's message, for the fields that have one. */
export type FieldErrors = Partial<Record<Field, string>>;

/** The scope picker's choice: a resource type (its label), an access level (its scope), which resources. */
export interface ScopeChoice {
  type: string;
  level: string;
  /** Specific Resources (named in `resources`, comma-separated) rather than All Resources. */
  specific: boolean;
  resources: string;
}

export type ExpiryMode = 'never' | 'days' | 'date';

/** The expiry picker's choice: never, in a number of days (as typed), or on a date. */
export interface ExpiryChoice {
  mode: ExpiryMode;
  days: string;
  date: string;
}

export const DEFAULT_EXPIRY: ExpiryChoice = { mode: 'days', days: '90', date: '' };

/** The access levels of the resource type labelled `type`. */
export function levelsOf(types: readonly ResourceType[], type: string): AccessLevel[] {
  return types.find((candidate) => candidate.label === type)?.levels ?? [];
}

/** The choice the form starts on: the first resource type after `global:admin`'s, its first level. */
export function initialScope(types: readonly ResourceType[]): ScopeChoice {
  const first = firstResourceType(types);
  return { type: first?.label ?? '', level: first?.levels[0]?.scope ?? '', specific: false, resources: '' };
}

/** The choice moved to another resource type: its first access level, All Resources. */
export function withType(types: readonly ResourceType[], choice: ScopeChoice, type: string): ScopeChoice {
  return { ...choice, type, level: levelsOf(types, type)[0]?.scope ?? '', specific: false };
}

/** The access level chosen (the type's first when the choice names none of its levels). */
export function chosenLevel(types: readonly ResourceType[], choice: ScopeChoice): AccessLevel | undefined {
  const levels = levelsOf(types, choice.type);
  return levels.find((candidate) => candidate.scope === choice.level) ?? levels[0];
}

export interface CreateFields {
  email: string;
  description: string;
  scope: ScopeChoice;
  expiry: ExpiryChoice;
}

/** The request the fields make, or what is wrong with them, field by field. */
export function createRequest(
  types: readonly ResourceType[],
  { email, description, scope, expiry }: CreateFields,
): { request: CreateTokenRequest; errors?: undefined } | { request?: undefined; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const chosen = chosenLevel(types, scope);
  if (!description.trim()) errors.description = 'Give the token a description: what or who uses it.';
  if (!chosen) errors.access = 'Choose an access level.';
  const names = scope.resources
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (chosen?.takesResources && scope.specific && names.length === 0) {
    errors.resources = 'Name at least one resource, or choose All Resources.';
  }
  if (expiry.mode === 'days' && !/^\d+$/.test(expiry.days.trim())) {
    errors.days = 'Enter a whole number of days.';
  }
  if (expiry.mode === 'date' && !expiry.date) errors.date = 'Choose the date the token expires.';
  if (Object.keys(errors).length > 0 || !chosen) return { errors };
  return {
    request: {
      description,
      ...(email.trim() && { user_email: email.trim() }),
      scopes: [
        {
          scope: chosen.scope,
          ...(chosen.takesResources && { resources: scope.specific ? names : ['*'] }),
        },
      ],
      ...(expiry.mode === 'days' && { expires_in_days: Number(expiry.days.trim()) }),
      ...(expiry.mode === 'date' && { expires_at: expiry.date }),
    },
  };
}

/** Which form field an API refusal's `field` concerns, null for none of them. */
export function fieldOf(apiField: string | undefined): Field | null {
  if (!apiField) return null;
  if (apiField === 'user_email' || apiField === 'description') return apiField;
  if (apiField === 'expires_in_days') return 'days';
  if (apiField === 'expires_at') return 'date';
  if (/^scopes\.\d+\.resources/.test(apiField)) return 'resources';
  if (apiField.startsWith('scopes')) return 'access';
  return null;
}
