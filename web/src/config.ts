// What the console knows of its deployment (`ConsoleConfig`), served beside its files by the local
// stack and by the construct's bucket alike. Should it not be readable, the console still works and
// only leaves out what depends on it (no `Expiring soon` badges).
import { CONSOLE_CONFIG_PATH, type ConsoleConfig } from '#spec/console';

/** Until the configuration is read, or when it cannot be: no expiry-warning window. */
export const UNKNOWN_CONSOLE_CONFIG: ConsoleConfig = { expiry_warning_seconds: 0 };

export async function loadConsoleConfig(): Promise<ConsoleConfig> {
  try {
    const response = await fetch(CONSOLE_CONFIG_PATH, { cache: 'no-store', credentials: 'omit' });
    if (!response.ok) return UNKNOWN_CONSOLE_CONFIG;
    const seconds = ((await response.json()) as Partial<ConsoleConfig>).expiry_warning_seconds;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0
      ? { expiry_warning_seconds: seconds }
      : UNKNOWN_CONSOLE_CONFIG;
  } catch {
    return UNKNOWN_CONSOLE_CONFIG;
  }
}
