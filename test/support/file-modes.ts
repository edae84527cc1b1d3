// What a private folder should hold: every folder 0700, every file 0600, all the way down.
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * Each folder and file under `root` (itself included) whose mode is not 0700 (a folder) or 0600 (a
 * file), as `<path relative to root> <mode in octal>`; an empty list when all are private. Counts
 * what it looked at, so a test can see that there was something to look at.
 */
export function notPrivate(root: string): { looked: number; loose: string[] } {
  const loose: string[] = [];
  let looked = 0;
  const visit = (path: string): void => {
    const stat = lstatSync(path);
    const mode = stat.mode & 0o777;
    looked += 1;
    const want = stat.isDirectory() ? 0o700 : 0o600;
    if (mode !== want) loose.push(`${relative(root, path) || '.'} ${mode.toString(8)}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  visit(root);
  return { looked, loose };
}
