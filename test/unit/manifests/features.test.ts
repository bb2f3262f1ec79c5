import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UNSUPPORTED_FEATURES, gateMessage } from '../../../src/manifests/features.ts';
import { formatDiagnostic } from '../../../src/util/errors.ts';
import { baseRollout, baseTemplate, lintObjects, patch, show } from './helpers.ts';

const C = 'spec.strategy.canary';
const SERVICES = { [`${C}.canaryService`]: 'demo-canary', [`${C}.stableService`]: 'demo' };
const supplied = [{ name: 'service', value: 'demo' }];
const GATEWAY = 'argoproj-labs/gatewayAPI';

/** One manifest set per gate id, using exactly that feature, and the path the gate must point at. */
/** `also`: gates that the feature cannot be used without (their own rows test them). */
const rows: { id: string; docs: unknown[]; path: string; also?: string[] }[] = [
  {
    id: 'step.experiment',
    docs: [
      patch(baseRollout(), {
        [`${C}.steps[1]`]: {
          experiment: { duration: '5m', templates: [{ name: 'canary', specRef: 'canary' }] },
        },
      }),
    ],
    path: `${C}.steps[1].experiment`,
  },
  {
    id: 'step.plugin',
    docs: [
      patch(baseRollout(), {
        [`${C}.steps[1]`]: { plugin: { name: 'acme/notify', config: { channel: '#releases' } } },
      }),
    ],
    path: `${C}.steps[1].plugin`,
  },
  ...(
    [
      ['alb', { alb: { ingress: 'demo', servicePort: 80 } }],
      ['smi', { smi: { rootService: 'demo-root' } }],
      ['ambassador', { ambassador: { mappings: ['demo'] } }],
      [
        'appMesh',
        {
          appMesh: {
            virtualService: { name: 'demo' },
            virtualNodeGroup: { canaryVirtualNodeRef: { name: 'c' }, stableVirtualNodeRef: { name: 's' } },
          },
        },
      ],
      ['traefik', { traefik: { weightedTraefikServiceName: 'demo' } }],
      ['apisix', { apisix: { route: { name: 'demo' } } }],
    ] as const
  ).map(([router, trafficRouting]) => ({
    id: `trafficRouting.${router}`,
    docs: [patch(baseRollout(), { ...SERVICES, [`${C}.trafficRouting`]: trafficRouting })],
    path: `${C}.trafficRouting.${router}`,
  })),
  {
    id: 'trafficRouting.plugins',
    docs: [
      patch(baseRollout(), {
        [`${C}.trafficRouting`]: { plugins: { 'argoproj-labs/contour': { httpProxy: 'demo' } } },
      }),
    ],
    path: `${C}.trafficRouting.plugins.argoproj-labs/contour`,
  },
  ...(
    [
      ['tcpRoutes', { tcpRoute: 'db' }, 'tcpRoute'],
      ['tlsRoutes', { tlsRoutes: [{ name: 'tls' }] }, 'tlsRoutes'],
      [
        'routeSelectors',
        { httpRoute: 'demo', httpRouteSelector: { matchLabels: { app: 'demo' } } },
        'httpRouteSelector',
      ],
      ['inProgressLabel', { httpRoute: 'demo', inProgressLabelKey: 'canary' }, 'inProgressLabelKey'],
    ] as const
  ).map(([group, config, key]) => ({
    id: `gatewayAPI.${group}`,
    docs: [
      patch(baseRollout(), {
        ...SERVICES,
        [`${C}.trafficRouting`]: { plugins: { [GATEWAY]: config } },
      }),
    ],
    path: `${C}.trafficRouting.plugins.${GATEWAY}.${key}`,
  })),
  {
    id: 'canary.pingPong',
    docs: [patch(baseRollout(), { [`${C}.pingPong`]: { pingService: 'ping', pongService: 'pong' } })],
    path: `${C}.pingPong`,
  },
  {
    id: 'antiAffinity',
    docs: [
      patch(baseRollout(), { [`${C}.antiAffinity`]: { requiredDuringSchedulingIgnoredDuringExecution: {} } }),
    ],
    path: `${C}.antiAffinity`,
  },
  {
    id: 'restartAt',
    docs: [patch(baseRollout(), { 'spec.restartAt': '2026-01-02T15:04:05Z' })],
    path: 'spec.restartAt',
  },
  {
    id: 'rollbackWindow',
    docs: [patch(baseRollout(), { 'spec.rollbackWindow': { revisions: 2 } })],
    path: 'spec.rollbackWindow',
  },
];

describe('feature gates', () => {
  for (const row of rows) {
    test(`gate ${row.id}: a diagnostic at the field, and no other problem`, () => {
      const gate = UNSUPPORTED_FEATURES.find((g) => g.id === row.id);
      assert.ok(gate, `no gate ${row.id}`);
      const ds = lintObjects(...row.docs);
      const expected = [row.id, ...(row.also ?? [])].map((id) => {
        const g = UNSUPPORTED_FEATURES.find((x) => x.id === id);
        assert.ok(g, `no gate ${id}`);
        return gateMessage(g);
      });
      assert.deepEqual(ds.map((d) => d.message).sort(), expected.sort(), show(ds));
      assert.equal(ds.find((d) => d.message === gateMessage(gate))?.path, row.path);
    });
  }

  test('every gate has a row above (a new gate needs a test; a removed gate drops its row)', () => {
    assert.deepEqual(UNSUPPORTED_FEATURES.map((g) => g.id).sort(), rows.map((r) => r.id).sort());
  });

  test('the message names the feature and the planned work, at the field', () => {
    const ds = lintObjects(
      patch(baseRollout(), { [`${C}.steps[3]`]: { plugin: { name: 'argoproj-labs/x', config: {} } } }),
    );
    const [d] = ds;
    assert.ok(d);
    const gate = UNSUPPORTED_FEATURES.find((g) => g.id === 'step.plugin');
    assert.ok(gate);
    assert.equal(
      formatDiagnostic(d),
      `test.yaml:${d.line}:${d.column}: spec.strategy.canary.steps[3].plugin: ${gateMessage(gate)}`,
    );
    assert.match(gateMessage(gate), /not supported yet \(planned: .+\)/);
  });

  test('each use is reported: two plugin steps give two diagnostics', () => {
    const plugin = { name: 'argoproj-labs/x', config: {} };
    const ds = lintObjects(
      patch(baseRollout(), { [`${C}.steps[1]`]: { plugin }, [`${C}.steps[3]`]: { plugin } }),
    );
    assert.deepEqual(
      ds.map((d) => d.path),
      [`${C}.steps[1].plugin`, `${C}.steps[3].plugin`],
    );
  });

  test('analysis steps and background analysis are driven now: no gate', () => {
    const analysis = { templates: [{ templateName: 'error-rate' }], args: supplied };
    assert.deepEqual(
      lintObjects(
        baseTemplate(),
        patch(baseRollout(), { [`${C}.steps[1]`]: { analysis }, [`${C}.analysis`]: analysis }),
      ),
      [],
    );
  });

  test('nginx, istio, the gatewayAPI plugin, header and mirror routes are driven now: no gate', () => {
    const routing = {
      nginx: { stableIngress: 'demo' },
      istio: { virtualService: { name: 'demo' } },
      plugins: { [GATEWAY]: { httpRoute: 'demo' } },
      managedRoutes: [{ name: 'h' }, { name: 'm' }],
    };
    const steps = [
      { setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: 'y' } }] } },
      { setMirrorRoute: { name: 'm', percentage: 10 } },
      { setWeight: 10 },
    ];
    assert.deepEqual(
      lintObjects(
        patch(baseRollout(), { ...SERVICES, [`${C}.trafficRouting`]: routing, [`${C}.steps`]: steps }),
      ),
      [],
    );
  });

  test('AnalysisTemplates alone are validated but not gated', () => {
    assert.deepEqual(lintObjects(baseTemplate()), []);
  });
});
