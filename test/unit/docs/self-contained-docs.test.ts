// The project's code and docs stand on their own: a newcomer who clones the repository has neither
// the outside contract document nor the issue tracker, so no comment, test name or doc cites a
// contract section or an issue number. Each says what it means in the project's own terms.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#test-support/processes';

/** The tracked files a newcomer reads: source, tests, docs, scripts (not the changelog's history). */
function trackedTextFiles(): string[] {
  const files = execFileSync('git', ['ls-files'], { cwd: REPOSITORY_ROOT, encoding: 'utf8' }).split('\n');
  return files.filter(
    (file) =>
      /\.(ts|tsx|js|mjs|md|json|ya?ml|sh)$|^\.ci\//.test(file) &&
      !file.startsWith('reports/') &&
      file !== 'CHANGELOG.md' &&
      file !== 'package-lock.json',
  );
}

const CITATIONS = [/CONTRACT(\.md)? sections? \d/, /\bissues? #?\d+\b/i];

describe('the repository cites nothing a newcomer does not have', () => {
  it('no file names a contract section or an issue number', () => {
    const found = trackedTextFiles().flatMap((file) =>
      readFileSync(join(REPOSITORY_ROOT, file), 'utf8')
        .split('\n')
        .map((line, index) => ({ file, line: index + 1, text: line.trim() }))
        .filter(({ text }) => CITATIONS.some((pattern) => pattern.test(text))),
    );
    expect(found.map(({ file, line, text }) => `${file}:${line}: ${text.slice(0, 120)}`)).toEqual([]);
  });

  it('would find one', () => {
    // Put together here, so that this file does not cite what it forbids.
    const line = ['// As CONTRACT', 'section 4 says (issue', '12).'].join(' ');
    expect(CITATIONS.filter((pattern) => pattern.test(line))).toHaveLength(2);
  });
});
