// The web console's files as the local gateway serves them (CloudFront's part in AWS): only the
// files of one build, read into memory at start and found by exact URL path, never a file-system
// path made from the URL. Each answer carries the console's security headers.
import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { CONSOLE_CONFIG_PATH, type ConsoleConfig, consoleHeaders } from '#spec/console';
import { buildFiles } from '#web/build';
import type { GatewayResponse } from './gateway';

const JSON_TYPE = 'application/json';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': JSON_TYPE,
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

interface SiteFile {
  body: Buffer;
  headers: Record<string, string>;
}

export class ConsoleSite {
  private constructor(private readonly files: ReadonlyMap<string, SiteFile>) {}

  /**
   * Reads every file of the build in `dir` (web/dist/<hash>/), and serves `config` beside them
   * (what the console knows of its deployment).
   */
  static load(dir: string, config: ConsoleConfig): ConsoleSite {
    const files = new Map<string, SiteFile>();
    // The console fetches the issuer's discovery document and token endpoint.
    const headers = consoleHeaders(config.oidc_issuer ? new URL(config.oidc_issuer).origin : undefined);
    for (const path of buildFiles(dir)) {
      const type = CONTENT_TYPES[extname(path)];
      if (!type) continue; // nothing the console needs, so nothing to serve
      files.set(path, {
        body: readFileSync(join(dir, path)),
        headers: {
          ...headers,
          'content-type': type,
          // Vite names assets by their content hash; the page itself must always be fresh.
          'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        },
      });
    }
    files.set(CONSOLE_CONFIG_PATH, {
      body: Buffer.from(JSON.stringify(config)),
      headers: { ...headers, 'content-type': JSON_TYPE, 'cache-control': 'no-cache' },
    });
    const index = files.get('/index.html');
    if (!index) throw new Error(`The console build in ${dir} has no index.html`);
    files.set('/', index);
    return new ConsoleSite(files);
  }

  /** The URL paths served. */
  get paths(): string[] {
    return [...this.files.keys()];
  }

  /** The answer for a GET or HEAD of one of the build's files, else null (the gateway's 404). */
  answer(method: string, path: string): GatewayResponse | null {
    if (method !== 'GET' && method !== 'HEAD') return null;
    const file = this.files.get(path);
    if (!file) return null;
    return {
      statusCode: 200,
      headers: { ...file.headers },
      body: method === 'HEAD' ? '' : file.body,
    };
  }
}
