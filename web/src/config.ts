// What the console knows of its deployment (`ConsoleConfig`), served beside its files by the local
// stack and by the construct's bucket alike. Should it not be readable, the console still works and
// only leaves out what depends on it (no `Expiring soon` badges, no `Sign in with SSO`).
import { CONSOLE_CONFIG_PATH, type ConsoleConfig } from '#spec/console';

/** Until the configuration is read, or when it cannot be: no expiry-warning window, no SSO. */
export const UNKNOWN_CONSOLE_CONFIG: ConsoleConfig = { expiry_warning_seconds: 0 };

/** The OpenID Connect issuer and client id, when the configuration names both as an http(s) URL and a name. */
function ssoOf(
  raw: Partial<Record<keyof ConsoleConfig, unknown>>,
): Pick<ConsoleConfig, 'oidc_issuer' | 'oidc_client_id'> {
  const { oidc_issuer: issuer, oidc_client_id: clientId } = raw;
  if (typeof issuer !== 'string' || typeof clientId !== 'string' || !clientId) return {};
  try {
    const url = new URL(issuer);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return {};
  } catch {
    return {};
  }
  return { oidc_issuer: issuer, oidc_client_id: clientId };
}

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch(CONSOLE_CONFIG_PATH, { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) return UNKNOWN_CONSOLE_CONFIG;
    const raw = (await response.json()) as Partial<Record<keyof ConsoleConfig, unknown>>;
    const seconds = raw.expiry_warning_seconds;
    return {
      expiry_warning_seconds:
        typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds : 0,
      ...ssoOf(raw),
    };
  } catch {
    return UNKNOWN_CONSOLE_CONFIG;
  }
}
