// Starts the demo app on 127.0.0.1 and prints its URL (one line on stdout), then runs until SIGINT or
// SIGTERM.
//
//   node test/support/demo-app/main.ts [--port N] [--namespace NS] [--versions JSON]
//
// Port: --port, else $DEMO_APP_PORT, else $PORT, else a free one. Versions: --versions or
// $DEMO_APP_VERSIONS, a JSON object such as '{"stable":{"rps":20},"canary":{"rps":20,"errorRate":0.1}}';
// default: stable and canary, idle. Change them at run time with PUT /control/versions/NAME.

import { parseArgs } from 'node:util';
import { parseVersionPatch, startDemoApp, type VersionPatch } from './server.ts';

function fail(message: string): never {
  process.stderr.write(`demo-app: ${message}\n`);
  process.exit(2);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 0;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`bad port ${JSON.stringify(raw)}`);
  return n;
}

function parseVersions(raw: string | undefined): Record<string, VersionPatch> | undefined {
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    fail('--versions must be JSON, e.g. {"stable":{"rps":20}}');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail('--versions must be a JSON object of version name to settings');
  }
  const out: Record<string, VersionPatch> = {};
  for (const [name, patch] of Object.entries(parsed)) {
    try {
      out[name] = parseVersionPatch(patch);
    } catch (e) {
      fail(`--versions ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

const { values } = (() => {
  try {
    return parseArgs({
      options: {
        port: { type: 'string' },
        namespace: { type: 'string' },
        versions: { type: 'string' },
      },
    });
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
})();

const versions = parseVersions(values.versions ?? process.env['DEMO_APP_VERSIONS']);
const app = await startDemoApp({
  port: parsePort(values.port ?? process.env['DEMO_APP_PORT'] ?? process.env['PORT']),
  ...(values.namespace === undefined ? {} : { namespace: values.namespace }),
  ...(versions === undefined ? {} : { versions }),
});
process.stdout.write(`${app.url}\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
