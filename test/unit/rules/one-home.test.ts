// One home for each fact: environment variable names live in shared/spec/env.ts, table
// attribute names in shared/spec/tables.ts. Checked against the contract's literal names, and against
// the string literals of the source (read with TypeScript's parser, so comments and prose do not count).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ENV } from '#spec/env';
import { AUDIT_ATTRIBUTES, AUDIT_TABLE, TOKEN_ATTRIBUTES, TOKENS_TABLE } from '#spec/tables';
import { REPOSITORY_ROOT } from '#test-support/processes';

function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPOSITORY_ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js)$/.test(file) && !file.includes('node_modules'))
    .map((file) => join(folder, file).replaceAll('\\', '/'));
}

/**
 * The text of every string and template literal in `file` (template parts without their `${}`); not
 * import paths, nor literal types (`Pick<AuditEvent, 'id'>` names a field of the domain).
 */
function literalsOf(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(join(REPOSITORY_ROOT, file), 'utf8'),
    ts.ScriptTarget.Latest,
  );
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node) || ts.isLiteralTypeNode(node)) return;
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) found.push(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `file: "literal"` for each literal of the files that spells one of `names` as a word of its own. */
function spelled(files: string[], names: readonly string[]): string[] {
  const word = new RegExp(`(?<![\\w#:])(${names.join('|')})(?![\\w])`);
  return files.flatMap((file) =>
    literalsOf(file)
      .filter((text) => word.test(text))
      .map((text) => `${file}: ${JSON.stringify(text)}`),
  );
}

describe('environment variable names', () => {
  it('names the variables users set as the contract does', () => {
    expect({ endpoint: ENV.endpoint, token: ENV.token, dataDir: ENV.dataDir, port: ENV.port }).toEqual({
      endpoint: 'TOKENGATE_ENDPOINT',
      token: 'TOKENGATE_TOKEN',
      dataDir: 'DATA_DIR',
      port: 'PORT',
    });
  });

  it('gives each variable its own name', () => {
    const names = Object.values(ENV);
    expect(new Set(names).size).toBe(names.length);
  });

  it('are spelled nowhere else in the code, help and error texts included', () => {
    const files = ['cli', 'local', 'functions', 'cdk', 'bench', 'shared', 'test/support']
      .flatMap(sourceFiles)
      .filter((file) => file !== 'shared/spec/env.ts');
    expect(spelled(files, Object.values(ENV))).toEqual([]);
  });
});

describe('table attribute names', () => {
  it('name every key, index key and TTL attribute of the tables from their catalogues', () => {
    for (const [table, attributes] of [
      [TOKENS_TABLE, TOKEN_ATTRIBUTES],
      [AUDIT_TABLE, AUDIT_ATTRIBUTES],
    ] as const) {
      const keys = [
        table.partitionKey,
        ...table.indexes.flatMap((index) => [index.partitionKey, index.sortKey]),
      ];
      const named = [...keys.map((key) => key.name), table.ttlAttribute];
      expect(named.filter((name) => !Object.hasOwn(attributes, name))).toEqual([]);
    }
  });

  it('are spelled by the list and audit stores only through the catalogues', () => {
    expect(spelled(['shared/adapters/dynamo-token-lister.ts'], Object.values(TOKEN_ATTRIBUTES))).toEqual([]);
    expect(spelled(['shared/adapters/dynamo-audit-store.ts'], Object.values(AUDIT_ATTRIBUTES))).toEqual([]);
  });
});
