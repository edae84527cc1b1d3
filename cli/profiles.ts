// The CLI's saved logins (`tokengate login --with-token`), as `gh auth login` keeps them: an endpoint
// and a token per profile, in `$XDG_CONFIG_HOME/tokengate/config.json` (default ~/.config/tokengate),
// the folder readable by the user alone (0700) and the file too (0600). The token is never printed.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ENV } from '#spec/env';
import { CliError, UsageError } from './io';

export const DEFAULT_PROFILE = 'default';
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

const profileSchema = z.object({ endpoint: z.string(), token: z.string() });
const configSchema = z.looseObject({ profiles: z.record(z.string(), profileSchema) });

export type Profile = z.output<typeof profileSchema>;
type Config = z.output<typeof configSchema>;

/** The folder of the saved logins. */
export function configDir(env: NodeJS.ProcessEnv): string {
  const base = env[ENV.configHome]?.trim() || join(env.HOME?.trim() || homedir(), '.config');
  return join(base, 'tokengate');
}

export const configFile = (env: NodeJS.ProcessEnv): string => join(configDir(env), 'config.json');

/** The profile asked for (`--profile`, else TOKENGATE_PROFILE), checked; undefined when none was. */
export function askedProfile(option: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  const name = option?.trim() || env[ENV.profile]?.trim() || undefined;
  if (name !== undefined && !PROFILE_NAME.test(name)) {
    const from = option?.trim() ? '--profile' : ENV.profile;
    throw new UsageError(
      `${from} must be a name of letters, digits, ".", "_" and "-" (at most 64), got "${name}"`,
    );
  }
  return name;
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  const file = configFile(env);
  if (!existsSync(file)) return { profiles: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const config = configSchema.safeParse(parsed);
  if (!config.success)
    throw new CliError(`${file} is not a tokengate config: log in again (tokengate login)`);
  return config.data;
}

/**
 * The saved login of `name` (asked for with --profile or TOKENGATE_PROFILE: it must exist), else of
 * the default profile if there is one.
 */
export function savedProfile(name: string | undefined, env: NodeJS.ProcessEnv): Profile | undefined {
  const profiles = readConfig(env).profiles;
  if (name === undefined) return profiles[DEFAULT_PROFILE];
  const profile = profiles[name];
  if (!profile) {
    throw new UsageError(
      `No saved login named ${name} in ${configFile(env)}: tokengate login --profile ${name} --with-token`,
    );
  }
  return profile;
}

/** Saves (or replaces) a profile; the folder is made 0700 and the file written 0600, then renamed into place. */
export function saveProfile(name: string, profile: Profile, env: NodeJS.ProcessEnv): string {
  const dir = configDir(env);
  const file = configFile(env);
  const config = readConfig(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const next = { ...config, profiles: { ...config.profiles, [name]: profile } };
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
  return file;
}
