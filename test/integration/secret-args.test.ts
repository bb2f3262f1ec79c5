/**
 * Issue 16 case 5: a Rollout arg whose value is `{{args.tok}}` (tok from a Secret) reached the
 * metric's URL as the Secret. Here the run is built and measured as the analysis runner does
 * (buildRun, then resolveProvider with the Secret's value, then the real web provider) against a local
 * HTTP server that records the request: the Secret goes only where the template put it.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createMetricProviders } from '../../src/analysis/providers/index.ts';
import { buildRun, resolveProvider, type StoredTemplate } from '../../src/analysis/templates.ts';

test('a Secret-backed arg reaches only the header the template put it in, not the URL', async (t) => {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    res.setHeader('content-type', 'application/json');
    res.end('{"ok": 1}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const template: StoredTemplate = {
    kind: 'AnalysisTemplate',
    name: 'cluster-owned',
    spec: {
      args: [
        { name: 'service' },
        { name: 'tok', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } },
      ],
      metrics: [
        {
          name: 'probe',
          provider: {
            web: {
              url: `http://127.0.0.1:${port}/health?service={{args.service}}`,
              headers: [{ key: 'Authorization', value: 'Bearer {{args.tok}}' }],
              jsonPath: '{$.ok}',
            },
          },
        },
      ],
    },
  };
  // The Rollout's author passes the Secret's placeholder as the value of another arg.
  const built = buildRun(
    { templates: [{ templateName: 'cluster-owned' }], args: [{ name: 'service', value: '{{args.tok}}' }] },
    [template],
    { rollout: {}, stableHash: 'a', latestHash: 'b' },
  );
  const secret = 's3cr3t-token';
  const block = resolveProvider(
    built.spec.metrics[0]?.provider.web as Record<string, unknown>,
    built.args,
    new Map([['tok', secret]]),
  );
  const web = createMetricProviders().get('web');
  assert.ok(web);
  const result = await web.measure(block, {
    signal: AbortSignal.timeout(5000),
    now: new Date(),
    secrets: new Set([secret]),
  });
  assert.equal(seen.length, 1);
  const req = seen[0];
  assert.ok(req);
  assert.equal(req.headers.authorization, `Bearer ${secret}`);
  assert.doesNotMatch(decodeURIComponent(req.url ?? ''), new RegExp(secret));
  assert.equal(decodeURIComponent(req.url ?? ''), '/health?service={{args.tok}}');
  assert.doesNotMatch(JSON.stringify(result.query ?? ''), new RegExp(secret));
});
