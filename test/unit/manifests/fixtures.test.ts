import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gateMessage, UNSUPPORTED_FEATURES } from '../../../src/manifests/features.ts';
import { fixtureNames, lintFixture, show } from './helpers.ts';

const gate = (id: string): string => {
  const g = UNSUPPORTED_FEATURES.find((x) => x.id === id);
  if (!g) throw new Error(`no gate ${id}`);
  return gateMessage(g);
};

describe('seed setups (shared/reference/seed-examples.md, copied as-is)', () => {
  /** Each seed must produce exactly the gates of the features it uses that are not driven yet, nothing else. */
  const seeds: { file: string; gates: [line: number, path: string, gateId: string][] }[] = [
    { file: '1-canary-datadog.yaml', gates: [] },
    // Standalone Experiments are driven now: seed 2 lints clean.
    { file: '2-experiment.yaml', gates: [] },
    // NGINX traffic routing is driven now: seed 3 lints clean.
    { file: '3-nginx-header-routing.yaml', gates: [] },
    // Blue-green with post-promotion analysis is driven now: seed 4 lints clean.
    { file: '4-bluegreen-istio.yaml', gates: [] },
  ];
  for (const seed of seeds) {
    test(`${seed.file}: only the feature gates it uses`, () => {
      const ds = lintFixture(`seeds/${seed.file}`);
      assert.deepEqual(
        ds.map((d) => [d.line, d.path, d.message]),
        seed.gates.map(([line, path, id]) => [line, path, gate(id)]),
        show(ds),
      );
    });
  }

  test('every seed file has a row', () => {
    assert.deepEqual(fixtureNames('seeds'), seeds.map((s) => s.file).sort());
  });

  test('all seeds linted together: same gates, no clash between their two "success-rate" templates', () => {
    const ds = lintFixture(...seeds.map((s) => `seeds/${s.file}`));
    assert.equal(
      ds.length,
      seeds.reduce((n, s) => n + s.gates.length, 0),
      show(ds),
    );
    assert.ok(
      ds.every((d) => d.message.includes('not supported yet')),
      show(ds),
    );
  });
});

describe('valid setups that use no gated feature produce no diagnostics', () => {
  for (const file of fixtureNames('valid')) {
    test(file, () => {
      const ds = lintFixture(`valid/${file}`);
      assert.deepEqual(ds, [], show(ds));
    });
  }
});

describe('broken manifests: each problem at its line, with a message that says what is allowed', () => {
  const broken: { file: string; rule: string; expect: [line: number, fragment: string][] }[] = [
    {
      file: '01-duplicate-key.yaml',
      rule: 'broken YAML: a key given twice',
      expect: [[21, 'invalid YAML: Map keys must be unique']],
    },
    {
      file: '02-unknown-field-typo.yaml',
      rule: 'unknown field with a typo',
      expect: [[21, 'unknown field "setWieght" (did you mean setWeight?); allowed here: setWeight, pause,']],
    },
    {
      file: '03-weight-140.yaml',
      rule: 'setWeight out of range',
      expect: [[22, 'setWeight must be between 0 and 100, not 140']],
    },
    {
      file: '04-surge-and-unavailable-zero.yaml',
      rule: 'maxSurge and maxUnavailable both 0',
      expect: [[19, 'maxSurge and maxUnavailable cannot both be 0']],
    },
    {
      file: '05-same-canary-and-stable-service.yaml',
      rule: 'canaryService equals stableService',
      expect: [
        [20, 'canaryService and stableService are both "demo"; they must name two different Services'],
      ],
    },
    {
      file: '06-selector-mismatch.yaml',
      rule: 'selector does not match the template labels',
      expect: [[6, 'needs app=demo; the template has app=dmeo']],
    },
    {
      file: '07-missing-template.yaml',
      rule: 'no template and no workloadRef',
      expect: [[5, 'missing required field "template"']],
    },
    {
      file: '08-missing-required-arg.yaml',
      rule: 'a template arg with no default is not supplied',
      expect: [[42, 'AnalysisTemplate "error-rate" needs arg "service"']],
    },
    {
      file: '09-bad-pause-duration.yaml',
      rule: 'pause durations that Argo cannot read',
      expect: [
        [
          22,
          'invalid pause duration "5 minutes": use whole seconds (30) or a number with a unit ("10s", "5m", "1h")',
        ],
        [24, 'invalid pause duration -30'],
      ],
    },
    {
      file: '10-step-with-two-kinds.yaml',
      rule: 'a step with two kinds, and one with none',
      expect: [
        [20, 'found setWeight and pause together'],
        [22, 'found none (pause is empty: write `pause: {}` for an empty object)'],
      ],
    },
    {
      file: '11-set-canary-scale-without-traffic-routing.yaml',
      rule: 'setCanaryScale and scaleDownDelaySeconds without trafficRouting',
      expect: [
        [19, 'scaleDownDelaySeconds can only be used with trafficRouting'],
        [21, 'setCanaryScale requires trafficRouting'],
        [
          24,
          'must set exactly one of replicas, weight, matchTrafficWeight; found replicas and weight together',
        ],
        [24, 'setCanaryScale requires trafficRouting'],
      ],
    },
    {
      file: '12-wrong-types.yaml',
      rule: 'wrong types and negative limits',
      expect: [
        [6, 'must be a string, not the number 2 (quote it: "2")'],
        [8, 'must be an integer, not the string "3" (remove the quotes)'],
        [9, 'must be zero or more, not -1'],
        [10, 'must be true or false, not the string "no"'],
        [24, 'must be a whole number of pods or a percentage such as "25%", not "25"'],
      ],
    },
    {
      file: '13-both-strategies.yaml',
      rule: 'canary and blueGreen together',
      expect: [[17, 'must set exactly one of canary, blueGreen; found canary and blueGreen together']],
    },
    {
      file: '14-template-and-workload-ref.yaml',
      rule: 'template with workloadRef; enum value',
      expect: [
        [13, 'must be one of never, onsuccess, progressively, not the string "sometimes"'],
        [14, 'template and workloadRef cannot both be set'],
      ],
    },
    {
      file: '15-missing-analysis-template.yaml',
      rule: 'referenced templates that are not among the manifests',
      expect: [
        [35, 'AnalysisTemplate "sucess-rate" is not among the manifests (did you mean "success-rate"?)'],
        [
          36,
          'ClusterAnalysisTemplate "success-rate" is not among the manifests; an AnalysisTemplate "success-rate" exists',
        ],
      ],
    },
    {
      file: '16-undeclared-placeholder.yaml',
      rule: 'undeclared {{args.x}}, duplicate metric, count below failureLimit, two providers',
      expect: [
        [11, 'count (4) must be at least failureLimit (5)'],
        [
          17,
          '{{args.service}} refers to arg "service", which AnalysisTemplate "latency" does not declare in spec.args (declared: service-name)',
        ],
        [18, 'duplicate metric name "p99"'],
        [19, 'must set exactly one of prometheus, datadog,'],
      ],
    },
    {
      file: '17-analysis-starting-step-out-of-range.yaml',
      rule: 'background analysis startingStep beyond the steps',
      expect: [[37, 'startingStep must be a step index from 0 to 1 (steps count from 0); found 2']],
    },
    {
      file: '18-unknown-argo-kind.yaml',
      rule: 'a misspelt Argo kind',
      expect: [[2, 'unknown argoproj.io/v1alpha1 kind "Rolout" (did you mean Rollout?)']],
    },
    {
      file: '19-containers.yaml',
      rule: 'empty selector, container without image, duplicate container names',
      expect: [
        [6, 'an empty selector is invalid'],
        [16, 'missing required field "image"'],
        [16, 'duplicate container name "demo"'],
      ],
    },
    {
      file: '20-provider-field-typos.yaml',
      rule: 'typos inside a metric provider',
      expect: [
        [12, 'unknown field "adress" (did you mean address?)'],
        [17, 'must be one of v1, v2, not the string "v3"'],
      ],
    },
    {
      file: '21-header-route-not-managed.yaml',
      rule: 'a header route missing from managedRoutes',
      expect: [[29, 'route "tester" is not in trafficRouting.managedRoutes (testers)']],
    },
  ];

  for (const row of broken) {
    test(`${row.file}: ${row.rule}`, () => {
      const ds = lintFixture(`broken/${row.file}`);
      assert.equal(ds.length, row.expect.length, show(ds));
      row.expect.forEach(([line, fragment], i) => {
        const d = ds[i];
        assert.ok(d, show(ds));
        assert.equal(d.file, `broken/${row.file}`);
        assert.equal(d.line, line, show(ds));
        assert.ok(d.message.includes(fragment), `"${d.message}" should include "${fragment}"`);
      });
    });
  }

  test('every broken fixture has a row', () => {
    assert.deepEqual(fixtureNames('broken'), broken.map((b) => b.file).sort());
  });
});
