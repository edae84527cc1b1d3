// `tokengate login [--endpoint URL] [--profile NAME] --with-token`: reads a token from stdin, checks it
// with GET /v1/whoami, and keeps it with the endpoint as a saved login (cli/profiles.ts), as
// `gh auth login --with-token` does. Later commands use it unless a flag or variable names another.
// The token is taken from stdin only (never an argument, which shell history and `ps` would show),
// and never printed.
import type { Command } from 'commander';
import { ApiClient, ApiError } from '#cli/api-client';
import { addTargetOptions, examples } from '#cli/command-kit';
import { plain } from '#cli/format';
import { type CliIo, UsageError } from '#cli/io';
import { askedProfile, DEFAULT_PROFILE, saveProfile } from '#cli/profiles';
import { tokenSchema } from '#cli/responses';
import { resolveTarget } from '#cli/target';
import { parseToken } from '#domain/token-format';
import { ENV } from '#spec/env';

interface LoginOptions {
  endpoint?: string;
  profile?: string;
  withToken?: boolean;
  verbose?: boolean;
}

/** The one token stdin holds; a UsageError for nothing, several words, or something not a token. */
export function tokenFromStdin(text: string): string {
  const token = text.trim();
  if (token === '') throw new UsageError('No token on stdin: tokengate login --with-token < token.txt');
  if (/\s/.test(token)) throw new UsageError('stdin must hold one token and nothing else');
  if (!parseToken(token)) throw new UsageError('stdin does not hold a well-formed tokengate token');
  return token;
}

export function registerLogin(program: Command, io: CliIo): void {
  const command = program
    .command('login')
    .description(
      'Save a token and its endpoint for later commands (a saved login, or profile): the token is read ' +
        `from stdin, checked with the API, and kept in $${ENV.configHome}/tokengate (default ~/.config/tokengate), ` +
        `readable by you alone. --endpoint, $${ENV.endpoint}, --token and $${ENV.token} win over it.`,
    )
    .option('--with-token', 'read the token from stdin (the only way to give it)')
    .addHelpText(
      'after',
      examples(
        'tokengate login --endpoint https://api.example.com/prod --with-token < admin-token.txt',
        'pass show tokengate/staging | tokengate login --profile staging --endpoint https://staging.example.com --with-token',
        `${ENV.profile}=staging tokengate list tokens      (or: tokengate list tokens --profile staging)`,
      ),
    );
  addTargetOptions(command, { callerToken: false });
  const profileOption = command.options.find((option) => option.long === '--profile');
  if (profileOption)
    profileOption.description = `the name to save the login as (default: $${ENV.profile}, else default)`;
  command.action(async (options: LoginOptions) => {
    if (!options.withToken) {
      throw new UsageError(
        'Give --with-token and the token on stdin: tokengate login --with-token < token.txt',
      );
    }
    const profile = askedProfile(options.profile, io.env) ?? DEFAULT_PROFILE;
    const token = tokenFromStdin((await io.stdin?.()) ?? '');
    const trace = options.verbose ? (line: string) => io.stderr(`tokengate: ${line}\n`) : undefined;
    const target = await resolveTarget(
      { endpoint: options.endpoint, token, profile, ignoreSaved: true },
      io.env,
      trace,
    );
    const client = new ApiClient({ ...target, tokenFrom: 'option' }, io.fetch, trace);
    const caller = await client.send({ method: 'GET', path: '/v1/whoami' }, tokenSchema).catch((error) => {
      if (!(error instanceof ApiError && (error.status === 401 || error.status === 403))) throw error;
      throw new ApiError(
        `${target.endpoint} refused the token from stdin [${error.status} ${error.code}]: it is malformed, ` +
          'unknown, revoked or expired, or belongs to another deployment; nothing was saved',
        error.status,
        error.code,
        undefined,
      );
    });
    const file = saveProfile(profile, { endpoint: target.endpoint, token }, io.env);
    io.stderr(
      `Logged in to ${target.endpoint} as ${plain(caller.description)} (${caller.id}); saved as profile ` +
        `${profile} in ${file}.\n`,
    );
  });
}
