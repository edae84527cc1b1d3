// The OpenAPI document passes a standard linter: Redocly CLI's recommended rules (redocly.yaml), with
// no error and no warning. Its operations carry stable ids taken from the route table.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '#api/openapi';
import { ROUTES } from '#spec/routes';
import { REPOSITORY_ROOT } from '#test-support/processes';

const redocly = join(REPOSITORY_ROOT, 'node_modules/@redocly/cli/bin/cli.js');
const dir = mkdtempSync(join(tmpdir(), 'tokengate-openapi-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer?: string }[] }[];
}

/** Runs `redocly lint` on a document, with the project's redocly.yaml, and returns its JSON report. */
async function lint(document: unknown): Promise<LintReport> {
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const run = promisify(execFile);
  const args = [redocly, 'lint', file, '--config', join(REPOSITORY_ROOT, 'redocly.yaml'), '--format=json'];
  // No telemetry and no update check: the lint reads the file and nothing else.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  // It exits 1 when it finds an error; the report on stdout says which.
  const { stdout } = await run(process.execPath, args, { env, cwd: dir }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return JSON.parse(stdout) as LintReport;
}

type Operations = Record<string, Record<string, { operationId?: string }>>;

describe('the OpenAPI document under Redocly lint (recommended rules)', () => {
  it('has no error and no warning', async () => {
    const report = await lint(openApiDocument());

    const problems = report.problems.map(
      (problem) =>
        `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer}: ${problem.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('the lint can fail: a document without servers, license or operation ids does', async () => {
    const { servers: _servers, ...document } = openApiDocument() as Record<string, unknown>;

    const report = await lint(document);

    expect(report.problems.map((problem) => problem.ruleId)).toContain('no-empty-servers');
    expect(report.totals.errors).toBeGreaterThan(0);
  });
});

describe('operation ids', () => {
  const paths = openApiDocument().paths as Operations;
  const operations = Object.values(paths).flatMap((item) => Object.values(item));

  it('every operation has one, and no two share one', () => {
    const ids = operations.map((operation) => operation.operationId);

    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('a route served by its own function is named for that function, as the route table names it', () => {
    expect(paths['/v1/tokens']?.post?.operationId).toBe('createToken');
    expect(paths['/v1/tokens']?.get?.operationId).toBe('listTokens');
    expect(paths['/__api__/v1/system/service-tokens/{guid}']?.delete?.operationId).toBe('deleteServiceToken');
    for (const route of ROUTES.filter((one) => one.method !== 'ANY')) {
      const id = paths[route.path]?.[route.method.toLowerCase()]?.operationId ?? '';
      expect(id.toLowerCase(), `${route.method} ${route.path}`).toBe(route.fn.name.toLowerCase());
    }
  });

  it('the example protected API has one per method and path', () => {
    expect(paths['/scim/v2/{proxy}']?.get?.operationId).toBe('protectedEchoGetScimV2');
    expect(paths['/repos/{proxy}']?.delete?.operationId).toBe('protectedEchoDeleteRepos');
  });
});

describe('servers and license', () => {
  const document = openApiDocument() as {
    servers?: { url: string }[];
    info: { license?: { name: string; identifier?: string } };
  };

  it('the server is the origin that serves the document', () => {
    expect(document.servers?.map((server) => server.url)).toEqual(['/']);
  });

  it("the license is the package's", () => {
    const pkg = JSON.parse(readFileSync(join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as {
      license: string;
    };

    expect(document.info.license).toEqual({ name: pkg.license, identifier: pkg.license });
  });
});
