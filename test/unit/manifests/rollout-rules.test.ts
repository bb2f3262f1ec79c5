import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseRollout, lintObjects, patch, show } from './helpers.ts';

const C = 'spec.strategy.canary';
const NGINX = { nginx: { stableIngress: 'demo' } };
const SERVICES = { [`${C}.canaryService`]: 'demo-canary', [`${C}.stableService`]: 'demo' };
const ISTIO = { istio: { virtualService: { name: 'demo-vs' } } };

interface Row {
  rule: string;
  changes: Record<string, unknown>;
  /** Every diagnostic expected apart from feature gates: [path, message fragment]. */
  expect: [string, string][];
}

const rows: Row[] = [
  { rule: 'the base Rollout is valid', changes: {}, expect: [] },
  // setWeight range
  {
    rule: 'setWeight above 100 is rejected, naming the range',
    changes: { [`${C}.steps[2].setWeight`]: 140 },
    expect: [[`${C}.steps[2].setWeight`, 'setWeight must be between 0 and 100, not 140']],
  },
  {
    rule: 'setWeight below 0 is rejected',
    changes: { [`${C}.steps[0].setWeight`]: -5 },
    expect: [[`${C}.steps[0].setWeight`, 'between 0 and 100, not -5']],
  },
  {
    rule: 'setWeight range follows trafficRouting.maxTrafficWeight',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { ...NGINX, maxTrafficWeight: 1000 },
      [`${C}.steps[0].setWeight`]: 500,
      [`${C}.steps[2].setWeight`]: 1200,
    },
    expect: [[`${C}.steps[2].setWeight`, 'between 0 and 1000 (trafficRouting.maxTrafficWeight), not 1200']],
  },
  // maxSurge / maxUnavailable
  {
    rule: 'maxSurge and maxUnavailable cannot both be 0 ("0%" counts as 0)',
    changes: { [`${C}.maxSurge`]: '0%', [`${C}.maxUnavailable`]: 0 },
    expect: [[`${C}.maxSurge`, 'maxSurge and maxUnavailable cannot both be 0']],
  },
  {
    rule: 'maxSurge 0 alone is fine: maxUnavailable defaults to 25%',
    changes: { [`${C}.maxSurge`]: 0 },
    expect: [],
  },
  {
    rule: 'a percentage needs the % sign',
    changes: { [`${C}.maxSurge`]: '25' },
    expect: [[`${C}.maxSurge`, 'must be a whole number of pods or a percentage such as "25%", not "25"']],
  },
  {
    rule: 'maxUnavailable cannot exceed 100%',
    changes: { [`${C}.maxUnavailable`]: '150%' },
    expect: [[`${C}.maxUnavailable`, 'cannot be more than 100%']],
  },
  {
    rule: 'a negative pod count is no maxSurge',
    changes: { [`${C}.maxSurge`]: -1 },
    expect: [[`${C}.maxSurge`, 'must be a whole number of pods (0 or more)']],
  },
  // services
  {
    rule: 'canaryService and stableService must differ',
    changes: { [`${C}.canaryService`]: 'demo', [`${C}.stableService`]: 'demo' },
    expect: [[`${C}.stableService`, 'canaryService and stableService are both "demo"']],
  },
  {
    rule: 'traffic routing needs both services',
    changes: { [`${C}.trafficRouting`]: NGINX, [`${C}.stableService`]: 'demo' },
    expect: [[`${C}.trafficRouting`, 'needs both canaryService and stableService; missing canaryService']],
  },
  {
    rule: 'istio subset-level routing (destinationRule) needs no services, as in Argo',
    changes: {
      [`${C}.trafficRouting`]: {
        istio: {
          ...ISTIO.istio,
          destinationRule: { name: 'dr', canarySubsetName: 'canary', stableSubsetName: 'stable' },
        },
      },
    },
    expect: [],
  },
  // fields that need traffic routing
  {
    rule: 'setCanaryScale requires trafficRouting',
    changes: { [`${C}.steps[1]`]: { setCanaryScale: { replicas: 1 } } },
    expect: [[`${C}.steps[1].setCanaryScale`, 'setCanaryScale requires trafficRouting']],
  },
  {
    rule: 'scaleDownDelaySeconds, dynamicStableScale, minPodsPerReplicaSet, abortScaleDownDelaySeconds require trafficRouting',
    changes: {
      [`${C}.scaleDownDelaySeconds`]: 30,
      [`${C}.dynamicStableScale`]: true,
      [`${C}.minPodsPerReplicaSet`]: 2,
      [`${C}.abortScaleDownDelaySeconds`]: 10,
    },
    expect: [
      [`${C}.scaleDownDelaySeconds`, 'scaleDownDelaySeconds can only be used with trafficRouting'],
      [`${C}.dynamicStableScale`, 'dynamicStableScale can only be used with trafficRouting'],
      [`${C}.minPodsPerReplicaSet`, 'minPodsPerReplicaSet can only be used with trafficRouting'],
      [`${C}.abortScaleDownDelaySeconds`, 'abortScaleDownDelaySeconds can only be used with trafficRouting'],
    ],
  },
  {
    rule: 'dynamicStableScale excludes scaleDownDelaySeconds',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: NGINX,
      [`${C}.scaleDownDelaySeconds`]: 30,
      [`${C}.dynamicStableScale`]: true,
    },
    expect: [
      [`${C}.dynamicStableScale`, 'dynamicStableScale cannot be used together with scaleDownDelaySeconds'],
    ],
  },
  {
    rule: 'maxTrafficWeight is for nginx and router plugins only',
    changes: { ...SERVICES, [`${C}.trafficRouting`]: { ...ISTIO, maxTrafficWeight: 1000 } },
    expect: [
      [
        `${C}.trafficRouting.maxTrafficWeight`,
        'supported only by the nginx traffic router and router plugins',
      ],
    ],
  },
  {
    rule: 'a router needs exactly one of its alternative fields (nginx stableIngress / stableIngresses)',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { nginx: { stableIngress: 'a', stableIngresses: ['b'] } },
    },
    expect: [
      [
        `${C}.trafficRouting.nginx`,
        'must set exactly one of stableIngress, stableIngresses; found stableIngress and stableIngresses together',
      ],
    ],
  },
  // header and mirror routes
  {
    rule: 'a header route name must be listed in managedRoutes',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { ...ISTIO, managedRoutes: [{ name: 'canary-header' }] },
      [`${C}.steps[1]`]: {
        setHeaderRoute: {
          name: 'tester',
          match: [{ headerName: 'x-tester', headerValue: { exact: 'yes' } }],
        },
      },
    },
    expect: [
      [
        `${C}.steps[1].setHeaderRoute.name`,
        'route "tester" is not in trafficRouting.managedRoutes (canary-header)',
      ],
    ],
  },
  {
    rule: 'header and mirror routes need managedRoutes at all',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: ISTIO,
      [`${C}.steps[1]`]: { setMirrorRoute: { name: 'mirror', percentage: 50 } },
    },
    expect: [
      [`${C}.trafficRouting`, 'setMirrorRoute needs trafficRouting.managedRoutes listing the route "mirror"'],
    ],
  },
  {
    rule: 'setHeaderRoute needs a router that supports it',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { ...NGINX, managedRoutes: [{ name: 'h' }] },
      [`${C}.steps[1]`]: { setHeaderRoute: { name: 'h' } },
    },
    expect: [
      [
        `${C}.steps[1].setHeaderRoute`,
        'setHeaderRoute requires trafficRouting with istio, alb, apisix or a router plugin',
      ],
    ],
  },
  {
    rule: 'setMirrorRoute needs istio or a plugin',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { ...NGINX, managedRoutes: [{ name: 'm' }] },
      [`${C}.steps[1]`]: { setMirrorRoute: { name: 'm' } },
    },
    expect: [
      [
        `${C}.steps[1].setMirrorRoute`,
        'setMirrorRoute requires trafficRouting with istio or a router plugin',
      ],
    ],
  },
  {
    rule: 'alb header routes match exact values only',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { alb: { ingress: 'demo', servicePort: 80 }, managedRoutes: [{ name: 'h' }] },
      [`${C}.steps[1]`]: {
        setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { regex: '.*' } }] },
      },
    },
    expect: [[`${C}.steps[1].setHeaderRoute.match[0].headerValue`, 'supports only "exact" header values']],
  },
  {
    rule: 'a header value needs exactly one of exact, prefix, regex',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: { ...ISTIO, managedRoutes: [{ name: 'h' }] },
      [`${C}.steps[1]`]: {
        setHeaderRoute: { name: 'h', match: [{ headerName: 'x', headerValue: { exact: 'a', prefix: 'b' } }] },
      },
    },
    expect: [
      [`${C}.steps[1].setHeaderRoute.match[0].headerValue`, 'must set exactly one of exact, prefix, regex'],
    ],
  },
  // steps
  {
    rule: 'a step has exactly one kind',
    changes: { [`${C}.steps[0]`]: { setWeight: 10, pause: {} } },
    expect: [
      [
        `${C}.steps[0]`,
        'must set exactly one of setWeight, pause, setCanaryScale, analysis, experiment, setHeaderRoute, setMirrorRoute, plugin; found setWeight and pause together',
      ],
    ],
  },
  {
    rule: 'pause duration must be seconds or a Go duration',
    changes: { [`${C}.steps[1].pause.duration`]: '10 min' },
    expect: [
      [
        `${C}.steps[1].pause.duration`,
        'invalid pause duration "10 min": use whole seconds (30) or a number with a unit ("10s", "5m", "1h")',
      ],
    ],
  },
  {
    rule: 'pause duration cannot be negative',
    changes: { [`${C}.steps[1].pause.duration`]: '-1' },
    expect: [[`${C}.steps[1].pause.duration`, 'invalid pause duration "-1"']],
  },
  {
    rule: 'pause durations: int, numeric string, units',
    changes: { [`${C}.steps[1].pause.duration`]: '1h' },
    expect: [],
  },
  {
    rule: 'setCanaryScale takes exactly one of replicas, weight, matchTrafficWeight',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: NGINX,
      [`${C}.steps[1]`]: { setCanaryScale: { replicas: 1, matchTrafficWeight: true } },
    },
    expect: [
      [
        `${C}.steps[1].setCanaryScale`,
        'must set exactly one of replicas, weight, matchTrafficWeight; found replicas and matchTrafficWeight together',
      ],
    ],
  },
  {
    rule: 'setCanaryScale weight is a percentage',
    changes: {
      ...SERVICES,
      [`${C}.trafficRouting`]: NGINX,
      [`${C}.steps[1]`]: { setCanaryScale: { weight: 120 } },
    },
    expect: [[`${C}.steps[1].setCanaryScale.weight`, 'must be between 0 and 100, not 120']],
  },
  {
    rule: 'analysis startingStep must be a step index',
    changes: { [`${C}.analysis`]: { startingStep: 3, templates: [] } },
    expect: [
      [
        `${C}.analysis.startingStep`,
        'startingStep must be a step index from 0 to 2 (steps count from 0); found 3',
      ],
    ],
  },
  {
    rule: 'analysis startingStep within the steps is fine',
    changes: { [`${C}.analysis`]: { startingStep: 2 } },
    expect: [],
  },
  {
    rule: 'an experiment template weight requires trafficRouting',
    changes: {
      [`${C}.steps[1]`]: { experiment: { templates: [{ name: 'b', specRef: 'stable', weight: 10 }] } },
    },
    expect: [
      [
        `${C}.steps[1].experiment.templates[0].weight`,
        'an experiment template weight requires trafficRouting',
      ],
    ],
  },
  {
    rule: 'a fieldRef under metadata must be a readable metadata field',
    changes: {
      [`${C}.analysis`]: { args: [{ name: 'x', valueFrom: { fieldRef: { fieldPath: 'metadata.lables' } } }] },
    },
    expect: [
      [
        `${C}.analysis.args[0].valueFrom.fieldRef.fieldPath`,
        '"metadata.lables" is not a metadata field Argo can read',
      ],
    ],
  },
  {
    rule: 'analysis args: value and valueFrom are exclusive, names unique',
    changes: {
      [`${C}.analysis`]: {
        args: [
          { name: 'x', value: '1', valueFrom: { podTemplateHashValue: 'Stable' } },
          { name: 'x', value: '2' },
        ],
      },
    },
    expect: [
      [`${C}.analysis.args[0]`, 'may set only one of value, valueFrom'],
      [`${C}.analysis.args[1].name`, 'duplicate arg "x"'],
    ],
  },
  // selector and template
  {
    rule: 'the selector must match the template labels',
    changes: { 'spec.template.metadata.labels': { app: 'other' } },
    expect: [
      [
        'spec.selector',
        'selector does not match the pod template labels (spec.template.metadata.labels): needs app=demo; the template has app=other',
      ],
    ],
  },
  {
    rule: 'matchExpressions are evaluated too',
    changes: {
      'spec.selector.matchExpressions': [{ key: 'tier', operator: 'NotIn', values: ['canary'] }],
      'spec.template.metadata.labels.tier': 'canary',
    },
    expect: [['spec.selector', 'needs tier notin (canary)']],
  },
  {
    rule: 'In needs values; Exists takes none',
    changes: {
      'spec.selector.matchExpressions': [
        { key: 'app', operator: 'In' },
        { key: 'app', operator: 'Exists', values: ['x'] },
      ],
    },
    expect: [
      ['spec.selector.matchExpressions[0]', 'operator In needs a non-empty values list'],
      ['spec.selector.matchExpressions[1].values', 'operator Exists takes no values'],
      ['spec.selector', 'needs app in ()'],
    ],
  },
  {
    rule: 'an empty selector is rejected',
    changes: { 'spec.selector': { matchLabels: {} } },
    expect: [['spec.selector', 'an empty selector is invalid']],
  },
  {
    rule: 'a selector is required without workloadRef',
    changes: { 'spec.selector': undefined },
    expect: [['spec', 'missing required field "selector"']],
  },
  {
    rule: 'a template (or workloadRef) is required',
    changes: { 'spec.template': undefined },
    expect: [['spec', 'missing required field "template" (the pods to run); alternatively set workloadRef']],
  },
  {
    rule: 'workloadRef replaces template and selector',
    changes: {
      'spec.template': undefined,
      'spec.selector': undefined,
      'spec.workloadRef': { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' },
    },
    expect: [],
  },
  {
    rule: 'template and workloadRef are exclusive',
    changes: { 'spec.workloadRef': { apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo' } },
    expect: [['spec.template', 'template and workloadRef cannot both be set']],
  },
  {
    rule: 'containers need a name and an image, and at least one exists',
    changes: { 'spec.template.spec.containers': [{ name: 'a' }] },
    expect: [['spec.template.spec.containers[0]', 'missing required field "image"']],
  },
  {
    rule: 'an empty container list is rejected',
    changes: { 'spec.template.spec.containers': [] },
    expect: [['spec.template.spec.containers', 'needs at least one container']],
  },
  // numbers and limits
  {
    rule: 'replicas ≥ 0',
    changes: { 'spec.replicas': -1 },
    expect: [['spec.replicas', 'must be zero or more, not -1']],
  },
  {
    rule: 'revisionHistoryLimit ≥ 0',
    changes: { 'spec.revisionHistoryLimit': -2 },
    expect: [['spec.revisionHistoryLimit', 'must be zero or more, not -2']],
  },
  {
    rule: 'progressDeadlineSeconds must exceed minReadySeconds',
    changes: { 'spec.minReadySeconds': 700 },
    expect: [
      ['spec.minReadySeconds', 'progressDeadlineSeconds (600) must be greater than minReadySeconds (700)'],
    ],
  },
  {
    rule: 'scaleDownDelayRevisionLimit cannot exceed revisionHistoryLimit',
    changes: {
      'spec.revisionHistoryLimit': 2,
      ...SERVICES,
      [`${C}.trafficRouting`]: NGINX,
      [`${C}.scaleDownDelayRevisionLimit`]: 3,
    },
    expect: [
      [
        `${C}.scaleDownDelayRevisionLimit`,
        'scaleDownDelayRevisionLimit (3) cannot be larger than revisionHistoryLimit (2)',
      ],
    ],
  },
  {
    rule: 'restartAt is an RFC 3339 timestamp',
    changes: { 'spec.restartAt': 'tomorrow' },
    expect: [['spec.restartAt', 'must be an RFC 3339 timestamp']],
  },
  // strategy
  {
    rule: 'strategy needs exactly one of canary and blueGreen',
    changes: { 'spec.strategy.blueGreen': { activeService: 'a' } },
    expect: [
      ['spec.strategy', 'must set exactly one of canary, blueGreen; found canary and blueGreen together'],
    ],
  },
  {
    rule: 'strategy is required',
    changes: { 'spec.strategy': undefined },
    expect: [['spec', 'missing required field "strategy"']],
  },
  {
    rule: 'blue-green: activeService and previewService must differ',
    changes: { 'spec.strategy': { blueGreen: { activeService: 'svc', previewService: 'svc' } } },
    expect: [['spec.strategy.blueGreen.previewService', 'activeService and previewService are both "svc"']],
  },
  {
    rule: 'ping-pong services must differ, with alb needing rootService',
    changes: {
      [`${C}.trafficRouting`]: { alb: { ingress: 'demo', servicePort: 80 } },
      [`${C}.pingPong`]: { pingService: 'p', pongService: 'p' },
    },
    expect: [
      [`${C}.pingPong.pongService`, 'pingService and pongService are both "p"'],
      [`${C}.trafficRouting.alb`, 'alb.rootService is required when pingPong is used'],
    ],
  },
  {
    rule: 'antiAffinity takes exactly one mode, weight 1..100',
    changes: {
      [`${C}.antiAffinity`]: {
        preferredDuringSchedulingIgnoredDuringExecution: { weight: 0 },
        requiredDuringSchedulingIgnoredDuringExecution: {},
      },
    },
    expect: [
      [
        `${C}.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight`,
        'must be between 1 and 100, not 0',
      ],
      [
        `${C}.antiAffinity`,
        'must set exactly one of preferredDuringSchedulingIgnoredDuringExecution, requiredDuringSchedulingIgnoredDuringExecution',
      ],
    ],
  },
  {
    rule: 'unknown fields anywhere in the spec are reported with a suggestion',
    changes: { [`${C}.canaryServce`]: 'x' },
    expect: [[`${C}.canaryServce`, 'unknown field "canaryServce" (did you mean canaryService?)']],
  },
  {
    rule: 'status is accepted and ignored',
    changes: { status: { phase: 'Healthy', whatever: [1] } },
    expect: [],
  },
];

describe('Rollout rules (validation.go, offline)', () => {
  for (const row of rows) {
    test(row.rule, () => {
      const ds = lintObjects(patch(baseRollout(), row.changes)).filter(
        (d) => !d.message.includes('not supported yet'),
      );
      const byPath = (a: [string, string], b: [string, string]): number =>
        a[0].localeCompare(b[0]) || a[1].localeCompare(b[1]);
      const got = ds.map((d): [string, string] => [d.path, d.message]).sort(byPath);
      const want = [...row.expect].sort(byPath);
      assert.equal(got.length, want.length, show(ds));
      want.forEach(([path, fragment], i) => {
        assert.equal(got[i]?.[0], path, show(ds));
        assert.ok(got[i]?.[1].includes(fragment), `"${got[i]?.[1] ?? ''}" should include "${fragment}"`);
      });
    });
  }
});
