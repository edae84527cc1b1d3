// The docs link to each other: the README to the pages of docs/, the pages to each other and to
// SECURITY.md, the folder READMEs to the pages. Every relative link of every tracked markdown file
// must lead to a file that exists, and its `#anchor` to a heading of that file, as GitHub names it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '#test-support/processes';

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The text outside fenced code blocks and inline code, where a `[text](target)` is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchors of a markdown text's headings (a repeated heading gets `-1`, `-2`, ...), and its explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, heading = ''] of withoutCode.matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const anchor = anchorOf(heading.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1'));
    const count = seen.get(anchor) ?? 0;
    anchors.add(count === 0 ? anchor : `${anchor}-${count}`);
    seen.set(anchor, count + 1);
  }
  for (const [, id = ''] of withoutCode.matchAll(/<a (?:name|id)="([^"]+)"/g)) anchors.add(id);
  return anchors;
}

/** The relative links of a markdown file that lead nowhere: `file: target (why)`. */
function brokenLinks(file: string, read: (path: string) => string | undefined): string[] {
  const text = read(file) ?? '';
  const broken: string[] = [];
  for (const [, target = ''] of prose(text).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:: not ours to check
    const [path = '', anchor] = target.split('#');
    const linked = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
    const linkedText = read(linked);
    if (linkedText === undefined) broken.push(`${file}: ${target} (no such file)`);
    else if (anchor !== undefined && linked.endsWith('.md') && !anchorsOf(linkedText).has(anchor))
      broken.push(`${file}: ${target} (no such heading)`);
  }
  return broken;
}

/** A file of the checkout: its text, '' for a folder, undefined when there is none. */
function readCheckout(path: string): string | undefined {
  const full = join(REPOSITORY_ROOT, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? '' : readFileSync(full, 'utf8');
}

const markdownFiles = execFileSync(
  'git',
  ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'],
  {
    cwd: REPOSITORY_ROOT,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((file) => file !== '' && existsSync(join(REPOSITORY_ROOT, file)));

describe('the links of the docs', () => {
  it('reads the README, every page of docs/ and the folder READMEs', () => {
    expect(markdownFiles).toContain('README.md');
    expect(markdownFiles).toContain('docs/README.md');
    expect(markdownFiles).toContain('docs/api.md');
    expect(markdownFiles).toContain('SECURITY.md');
    expect(markdownFiles).toContain('cli/README.md');
  });

  it('lead to files and headings that exist', () => {
    expect(markdownFiles.flatMap((file) => brokenLinks(file, readCheckout))).toEqual([]);
  });

  it('link the README to every page of docs/', () => {
    const pages = markdownFiles.filter((file) => /^docs\/[^/]+\.md$/.test(file));
    const readme = readFileSync(join(REPOSITORY_ROOT, 'README.md'), 'utf8');
    expect(pages.filter((page) => !readme.includes(`](${page})`))).toEqual([]);
  });

  it('would find a link to a missing file, a missing heading, and not one inside code', () => {
    const files: Record<string, string> = {
      'docs/a.md': [
        '# A page',
        '## Expiry under the cache',
        '[ok](b.md#the-b-page) [ok](#expiry-under-the-cache) [ok](../README.md) [web](https://x.test/y.md)',
        '[gone](c.md) [no heading](b.md#nowhere) [own](#nowhere-here)',
        '`[code](d.md)`',
        '```',
        '[fenced](e.md)',
        '```',
      ].join('\n'),
      'docs/b.md': '# The `b` page\n',
      'README.md': '# Top\n',
    };
    expect(brokenLinks('docs/a.md', (path) => files[path])).toEqual([
      'docs/a.md: c.md (no such file)',
      'docs/a.md: b.md#nowhere (no such heading)',
      'docs/a.md: #nowhere-here (no such heading)',
    ]);
  });

  it('names headings as GitHub does', () => {
    expect(anchorOf('Deploying with `cdk deploy`')).toBe('deploying-with-cdk-deploy');
    expect(anchorOf("cdk-nag and the functions' roles")).toBe('cdk-nag-and-the-functions-roles');
    expect(anchorOf('Custom domains, TLS 1.2 and a web ACL')).toBe('custom-domains-tls-12-and-a-web-acl');
    expect(anchorOf('`last_used_at`')).toBe('last_used_at');
    expect([...anchorsOf('## Notes\n## Notes\n```\n# not a heading\n```\n')]).toEqual(['notes', 'notes-1']);
  });
});
