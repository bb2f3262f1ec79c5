import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../src/controller/ports.ts';
import type { WeightDestination } from '../../../src/controller/traffic-router.ts';
import type { DestinationRuleConfig } from '../../../src/adapters/routers/istio-config.ts';
import { subsetHashPatch } from '../../../src/adapters/routers/istio-subsets.ts';
import { applyJsonPatch } from '../../support/fake-router-objects.ts';

type Obj = Record<string, unknown>;

const ANNOTATION = 'argo-rollouts.argoproj.io/managed-by-rollouts';
const CONFIG: DestinationRuleConfig = {
  name: 'web',
  canarySubsetName: 'canary',
  stableSubsetName: 'stable',
  additionalSubsetNames: ['legacy'],
};

const dr = (subsets: Obj[] | undefined, annotations?: Record<string, string>): KubeObject => ({
  apiVersion: 'networking.istio.io/v1alpha3',
  kind: 'DestinationRule',
  metadata: { name: 'web', namespace: 'shop', ...(annotations ? { annotations } : {}) },
  spec: { host: 'web', ...(subsets ? { subsets } : {}) },
});
const hashed = (name: string, hash: string, more: Record<string, string> = {}): Obj => ({
  name,
  labels: { ...more, 'rollouts-pod-template-hash': hash },
});
const exp = (serviceName: string, podTemplateHash: string): WeightDestination => ({
  serviceName,
  podTemplateHash,
  weight: 10,
});

interface Case {
  name: string;
  before: KubeObject;
  canary: string;
  stable: string;
  additional?: WeightDestination[];
  subsets: Obj[];
}

const MARKED = { [ANNOTATION]: 'web' };

const CASES: Case[] = [
  {
    name: 'both subsets pinned, their other labels and fields kept, the DestinationRule marked',
    before: dr([
      { name: 'stable', labels: { version: 'v3' } },
      { name: 'canary', trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
    ]),
    canary: 'abc123',
    stable: 'def456',
    subsets: [
      hashed('stable', 'def456', { version: 'v3' }),
      { ...hashed('canary', 'abc123'), trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } } },
    ],
  },
  {
    name: 'a new canary hash replaces the old one',
    before: dr([hashed('stable', 'v1'), hashed('canary', 'v1')], MARKED),
    canary: 'v2',
    stable: 'v1',
    subsets: [hashed('stable', 'v1'), hashed('canary', 'v2')],
  },
  {
    name: 'an empty hash takes the label off',
    before: dr([hashed('stable', 'v1'), hashed('canary', 'v2', { app: 'web' })], MARKED),
    canary: '',
    stable: 'v1',
    subsets: [hashed('stable', 'v1'), { name: 'canary', labels: { app: 'web' } }],
  },
  {
    name: 'an experiment gets a subset named after its Service, then the one that ended goes',
    before: dr([hashed('stable', 'v1'), hashed('canary', 'v2'), hashed('exp-old', 'x')], MARKED),
    canary: 'v2',
    stable: 'v1',
    additional: [exp('exp-a', 'e1')],
    subsets: [hashed('stable', 'v1'), hashed('canary', 'v2'), hashed('exp-a', 'e1')],
  },
  {
    name: 'a subset in additionalSubsetNames is kept; any other stranger is removed (as in Argo)',
    before: dr([
      { name: 'legacy', labels: { v: '0' } },
      { name: 'stranger' },
      hashed('stable', 'v1'),
      { name: 'canary' },
    ]),
    canary: 'v2',
    stable: 'v1',
    subsets: [{ name: 'legacy', labels: { v: '0' } }, hashed('stable', 'v1'), hashed('canary', 'v2')],
  },
  {
    name: 'a DestinationRule without subsets gets the experiment subsets only',
    before: dr(undefined),
    canary: 'v2',
    stable: 'v1',
    additional: [exp('exp-a', 'e1')],
    subsets: [hashed('exp-a', 'e1')],
  },
];

for (const c of CASES) {
  test(`subsetHashPatch: ${c.name}`, () => {
    const hashes = { canary: c.canary, stable: c.stable, additional: c.additional ?? [] };
    const after = applyJsonPatch(c.before, subsetHashPatch(c.before, CONFIG, 'web', hashes));
    assert.deepEqual((after.spec as Obj).subsets, c.subsets);
    assert.equal((after.metadata.annotations as Record<string, string>)[ANNOTATION], 'web');
    assert.equal((after.spec as Obj).host, 'web');
    assert.deepEqual(subsetHashPatch(after, CONFIG, 'web', hashes), [], 'a second call changes nothing');
  });
}

test('subsetHashPatch writes the annotation and the labels only where they differ', () => {
  const before = dr([hashed('stable', 'v1'), { name: 'canary', labels: { app: 'web' } }], { team: 'a' });
  assert.deepEqual(subsetHashPatch(before, CONFIG, 'web', { canary: 'v2', stable: 'v1', additional: [] }), [
    { op: 'add', path: '/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts', value: 'web' },
    { op: 'add', path: '/spec/subsets/1/labels/rollouts-pod-template-hash', value: 'v2' },
  ]);
});
