/**
 * Size limits of what an analysis run keeps (src/analysis/engine/limits.ts): capped texts, capped
 * measurements, the state's byte budget; and the link-local metadata addresses metric URLs may not
 * reach (src/manifests/metadata-address.ts), and "too large" API errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isTooLarge } from '../../../src/adapters/k8s/api-errors.ts';
import { classifyApiError } from '../../../src/adapters/k8s/retry-policy.ts';
import {
  capMeasurement,
  capText,
  fitBudget,
  MAX_MESSAGE_BYTES,
  MAX_QUERY_BYTES,
  MAX_VALUE_BYTES,
  newRun,
  recordMeasurement,
  utf8Length,
  type Measurement,
  type RunSpec,
  type RunState,
} from '../../../src/analysis/engine/index.ts';
import { isMetadataAddress, metadataHostOf } from '../../../src/manifests/metadata-address.ts';
import { boundLines, excerpt } from '../../../src/util/logger.ts';

describe('capText', () => {
  const table: [string, string, number, (out: string) => void][] = [
    [
      'short text unchanged',
      'abc',
      10,
      (o) => {
        assert.equal(o, 'abc');
      },
    ],
    [
      'exactly at the cap unchanged',
      'x'.repeat(100),
      100,
      (o) => {
        assert.equal(o, 'x'.repeat(100));
      },
    ],
    [
      'long ASCII cut with a marker naming the size',
      'x'.repeat(5000),
      100,
      (o) => {
        assert.ok(utf8Length(o) <= 100, `${utf8Length(o)} bytes`);
        assert.match(o, /^x+ …\[truncated by rollout-pilot: 5000 bytes\]$/);
      },
    ],
    [
      'multi-byte characters are never split',
      'é'.repeat(100) + '😀'.repeat(100),
      150,
      (o) => {
        assert.ok(utf8Length(o) <= 150);
        assert.ok(!o.includes('\uFFFD'));
        assert.match(o, /truncated by rollout-pilot: 600 bytes/);
      },
    ],
    [
      'a cap smaller than the marker gives the marker',
      'y'.repeat(1000),
      10,
      (o) => {
        assert.match(o, /^…\[truncated by rollout-pilot: 1000 bytes\]$/);
      },
    ],
  ];
  for (const [name, text, max, check] of table)
    test(name, () => {
      check(capText(text, max));
    });

  test('is idempotent', () => {
    const once = capText('z'.repeat(9000), MAX_VALUE_BYTES);
    assert.equal(capText(once, MAX_VALUE_BYTES), once);
  });
});

test('utf8Length counts like Buffer.byteLength', () => {
  for (const s of ['', 'abc', 'é', '€', '😀', 'a😀é€', '\uD800x'])
    assert.equal(utf8Length(s), Buffer.byteLength(s), JSON.stringify(s));
});

describe('measurements are stored capped', () => {
  const spec: RunSpec = {
    metrics: [{ name: 'web', successCondition: 'true', provider: { web: {} } }],
  };
  const now = new Date('2026-03-01T12:00:00Z');
  const table: [string, Parameters<typeof recordMeasurement>[3], (m: Measurement) => void][] = [
    [
      'a 2.7 MB value keeps 4 KiB, marked',
      { value: 'v'.repeat(2_700_000) },
      (m) => {
        assert.ok(utf8Length(m.value ?? '') <= MAX_VALUE_BYTES);
        assert.match(m.value ?? '', /truncated by rollout-pilot: 2700000 bytes/);
        assert.equal(m.phase, 'Successful');
      },
    ],
    [
      'an error message keeps 2 KiB',
      { error: 'e'.repeat(100_000), query: 'q'.repeat(100_000) },
      (m) => {
        assert.equal(m.phase, 'Error');
        assert.ok(utf8Length(m.message ?? '') <= MAX_MESSAGE_BYTES);
        assert.ok(utf8Length(m.query ?? '') <= MAX_QUERY_BYTES);
      },
    ],
    [
      'a provider-decided phase keeps its value capped too',
      { phase: 'Successful', value: 'b'.repeat(50_000), metadata: { k: 'm'.repeat(5000) } },
      (m) => {
        assert.ok(utf8Length(m.value ?? '') <= MAX_VALUE_BYTES);
        assert.ok(utf8Length(m.metadata?.k ?? '') <= 512);
      },
    ],
    [
      'a small value is kept as it is',
      { value: 0.5 },
      (m) => {
        assert.equal(m.value, '0.5');
      },
    ],
  ];
  for (const [name, outcome, check] of table) {
    test(name, () => {
      const evaluate = (): boolean => true;
      const run = recordMeasurement(spec, newRun(spec, now), 'web', outcome, evaluate, now);
      const m = run.metrics[0]?.measurements.at(-1);
      assert.ok(m !== undefined);
      check(m);
    });
  }

  test('capMeasurement leaves a small one equal', () => {
    const m: Measurement = { phase: 'Successful', value: '1', startedAt: now.toISOString() };
    assert.deepEqual(capMeasurement(m), m);
  });
});

function measurement(i: number, size: number, phase: Measurement['phase'] = 'Successful'): Measurement {
  const at = new Date(Date.UTC(2026, 2, 1, 12, 0, i)).toISOString();
  return {
    phase,
    value: 'x'.repeat(size),
    startedAt: at,
    ...(phase === 'Running' ? {} : { finishedAt: at }),
  };
}

function holder(phase: RunState['phase'], metrics: Record<string, Measurement[]>) {
  const spec: RunSpec = { metrics: Object.keys(metrics).map((name) => ({ name, provider: { web: {} } })) };
  const state: RunState = {
    phase,
    startedAt: '2026-03-01T12:00:00.000Z',
    metrics: Object.entries(metrics).map(([name, ms]) => ({
      name,
      phase: phase === 'Running' ? 'Running' : phase,
      measurements: ms,
      count: ms.length + 90,
      successful: ms.length + 90,
      failed: 0,
      inconclusive: 0,
      error: 0,
      consecutiveError: 0,
      consecutiveSuccess: ms.length + 90,
      dryRun: false,
    })),
  };
  return { id: phase, spec, state };
}

describe('fitBudget', () => {
  const ten = (size: number, from = 0) => Array.from({ length: 10 }, (_, i) => measurement(from + i, size));
  const table: [
    string,
    ReturnType<typeof holder>[],
    number,
    (r: ReturnType<typeof fitBudget<ReturnType<typeof holder>>>) => void,
  ][] = [
    [
      'under the budget: unchanged',
      [holder('Running', { a: ten(10) })],
      100_000,
      (r) => {
        assert.equal(r.trimmed, 0);
        assert.equal(r.records[0]?.state.metrics[0]?.measurements.length, 10);
        assert.equal(r.records[0]?.state.note, undefined);
      },
    ],
    [
      'over: the oldest go first, the newest stays, counters and a note',
      [holder('Running', { a: ten(1000) })],
      4000,
      (r) => {
        const m = r.records[0]?.state.metrics[0];
        assert.ok(r.bytes <= 4000, `${r.bytes}`);
        assert.ok(r.trimmed > 0);
        assert.equal(m?.trimmed, r.trimmed);
        assert.equal(m?.count, 100, 'counters unchanged');
        assert.equal(m?.measurements.at(-1)?.startedAt, measurement(9, 0).startedAt, 'newest kept');
        assert.match(
          r.records[0]?.state.note ?? '',
          new RegExp(`^${r.trimmed} older measurements were trimmed`),
        );
      },
    ],
    [
      'an ended run gives up its measurements before a running one',
      [holder('Successful', { old: ten(1000) }), holder('Running', { a: ten(1000, 20) })],
      13_000,
      (r) => {
        assert.equal(r.records[1]?.state.metrics[0]?.measurements.length, 10, 'running run untouched');
        assert.ok((r.records[0]?.state.metrics[0]?.measurements.length ?? 10) < 10);
      },
    ],
    [
      'never drops a running run newest nor one in flight, even if still over',
      [holder('Running', { a: [measurement(0, 3000), measurement(1, 3000, 'Running')], b: ten(3000) })],
      100,
      (r) => {
        const [a, b] = r.records[0]?.state.metrics ?? [];
        assert.deepEqual(
          a?.measurements.map((m) => m.phase),
          ['Successful', 'Running'].slice(1),
        );
        assert.equal(b?.measurements.length, 1);
        assert.ok(r.bytes > 100);
      },
    ],
  ];
  for (const [name, records, budget, check] of table)
    test(name, () => {
      check(fitBudget(records, budget));
    });

  test('is stable: fitting fitted records changes nothing', () => {
    const once = fitBudget([holder('Running', { a: ten(1000) })], 4000);
    const twice = fitBudget(once.records, 4000);
    assert.equal(twice.trimmed, 0);
    assert.deepEqual(twice.records, once.records);
  });
});

describe('metadata addresses', () => {
  const table: [string, boolean][] = [
    ['169.254.169.254', true],
    ['169.254.0.1', true],
    ['169.255.0.1', false],
    ['10.0.0.1', false],
    ['[fd00:ec2::254]', true],
    ['fd00:ec2:0:0:0:0:0:254', true],
    ['fd00:ec2::253', false],
    ['::ffff:169.254.169.254', true],
    ['[::ffff:a9fe:a9fe]', true],
    ['::1', false],
    ['metrics.example.com', false],
  ];
  for (const [address, refused] of table) {
    test(`${address} ${refused ? 'is' : 'is not'} one`, () => {
      assert.equal(isMetadataAddress(address), refused);
    });
  }
  const urls: [string, string | undefined][] = [
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://2852039166/', '169.254.169.254'],
    ['http://0xa9fea9fe/', '169.254.169.254'],
    ['http://[fd00:ec2::254]/latest', '[fd00:ec2::254]'],
    ['http://{{args.host}}/x', undefined],
    ['http://169.254.169.254/{{args.path}}', '169.254.169.254'],
    ['https://prometheus.example.com', undefined],
  ];
  for (const [url, host] of urls)
    test(`URL ${url}`, () => {
      assert.equal(metadataHostOf(url), host);
    });
});

describe('too large API errors', () => {
  const table: [string, unknown, boolean][] = [
    ['413', { code: 413, body: '' }, true],
    [
      'ConfigMap over 1 MiB',
      {
        code: 422,
        body: JSON.stringify({
          reason: 'Invalid',
          message: 'ConfigMap "x" is invalid: []: Too long: may not be more than 1048576 bytes',
        }),
      },
      true,
    ],
    ['etcd', { code: 500, body: JSON.stringify({ message: 'etcdserver: request is too large' }) }, true],
    ['wrapped', new Error('write failed', { cause: { code: 413, body: '' } }), true],
    ['a conflict', { code: 409, body: '' }, false],
    ['a 500', { code: 500, body: JSON.stringify({ message: 'boom' }) }, false],
  ];
  for (const [name, e, expected] of table)
    test(name, () => {
      assert.equal(isTooLarge(e), expected);
    });
  test('etcd "request is too large" is not retried', () => {
    const e = { code: 500, body: JSON.stringify({ message: 'etcdserver: request is too large' }) };
    assert.equal(classifyApiError(e).transient, false);
  });
});

describe('log excerpts', () => {
  test('excerpt is one bounded line', () => {
    const out = excerpt(`a\nb${'x'.repeat(5000)}`, 300);
    assert.ok(!out.includes('\n'));
    assert.ok(out.length < 330);
    assert.match(out, /… \(5003 chars\)$/);
  });
  test('boundLines cuts each long line', () => {
    const out = boundLines(`short\n${'y'.repeat(20_000)}`, 100);
    const lines = out.split('\n');
    assert.equal(lines[0], 'short');
    assert.match(lines[1] ?? '', /^y{100}… \[line cut: 20000 chars\]$/);
  });
});
