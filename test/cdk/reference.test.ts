// The construct library's reference in docs/reference/construct-library is generated from the
// TSDoc of cdk/index.ts's exports (`npm run docs:api`, typedoc with its markdown plugin). It is
// generated again here, into a scratch folder, and must match what is committed: a prop added or
// documented without regenerating the reference fails here rather than misleading its readers.
// typedoc treats a warning as an error (typedoc.json), so a public type that the exports reference
// but do not export fails here too.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#test-support/processes';

const COMMITTED = join(REPOSITORY_ROOT, 'docs/reference/construct-library');

/** Every file below `root`, by its path relative to it, with its text. */
function filesBelow(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else files.set(relative(root, path), readFileSync(path, 'utf8'));
    }
  };
  visit(root);
  return files;
}

describe('the construct library reference', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tokengate-reference-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is what typedoc makes of the current TSDoc (npm run docs:api regenerates it)', () => {
    execFileSync(
      join(REPOSITORY_ROOT, 'node_modules/.bin/typedoc'),
      ['--out', scratch, '--logLevel', 'Error'],
      {
        cwd: REPOSITORY_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const generated = filesBelow(scratch);
    const committed = filesBelow(COMMITTED);

    expect([...committed.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [path, text] of generated) expect(committed.get(path), path).toBe(text);
  }, 240_000);
});
