import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRun, resolveProvider, type StoredTemplate } from '../../../src/analysis/templates.ts';

const template = (url: string): StoredTemplate => ({
  kind: 'AnalysisTemplate',
  name: 't',
  spec: {
    args: [{ name: 'x' }, { name: 'tok', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }],
    metrics: [
      {
        name: 'm',
        provider: { web: { url, headers: [{ key: 'Authorization', value: 'Bearer {{args.tok}}' }] } },
      },
    ],
  },
});

const ctx = { rollout: {}, stableHash: 'a', latestHash: 'b' };

test('args are substituted once, as Argo does: an arg value is never expanded again', () => {
  const table: [string, string, string, string][] = [
    // [template url, value of x, expected url, expected header]
    ['http://m/q?x={{args.x}}', 'plain', 'http://m/q?x=plain', 'Bearer SECRET'],
    ['http://m/q?x={{args.x}}', '{{args.tok}}', 'http://m/q?x={{args.tok}}', 'Bearer SECRET'],
    ['http://m/q?x={{ args.x }}', '{{ args.tok }}', 'http://m/q?x={{ args.tok }}', 'Bearer SECRET'],
    [
      'http://m/q?x={{args.x}}&t={{args.tok}}',
      '{{args.x}}',
      'http://m/q?x={{args.x}}&t=SECRET',
      'Bearer SECRET',
    ],
  ];
  for (const [url, x, wantUrl, wantHeader] of table) {
    const built = buildRun(
      { templates: [{ templateName: 't' }], args: [{ name: 'x', value: x }] },
      [template(url)],
      ctx,
    );
    // Nothing secret in what is stored.
    assert.doesNotMatch(JSON.stringify(built), /SECRET/);
    const provider = built.spec.metrics[0]?.provider.web as Record<string, unknown>;
    const sent = resolveProvider(provider, built.args, new Map([['tok', 'SECRET']]));
    assert.equal(sent.url, wantUrl, `${url} with x=${x}`);
    assert.deepEqual(sent.headers, [{ key: 'Authorization', value: wantHeader }]);
  }
});

test('fields outside the provider are still resolved when the run is built', () => {
  const t: StoredTemplate = {
    kind: 'AnalysisTemplate',
    name: 't',
    spec: {
      args: [{ name: 'n', value: '3' }],
      metrics: [
        {
          name: 'm',
          count: '{{args.n}}',
          successCondition: 'result > {{args.n}}',
          provider: { web: { url: 'http://m/{{args.n}}' } },
        },
      ],
    },
  };
  const built = buildRun({ templates: [{ templateName: 't' }] }, [t], ctx);
  const m = built.spec.metrics[0];
  assert.equal(m?.count, 3);
  assert.equal(m?.successCondition, 'result > 3');
  assert.deepEqual(resolveProvider(m?.provider.web as object, built.args, new Map()), { url: 'http://m/3' });
});
