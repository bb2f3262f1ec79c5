// Real requests through Traefik to kwok pods that answer (scripts/traffic/up.sh): the measured split
// of Gateway API weights and header matches, and of the NGINX canary annotations Traefik honours.
// Skipped, with the reason, when the traffic setup is not up; on CI (CI=true) that fails instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomObjectsApi, NetworkingV1Api } from '@kubernetes/client-node';
import { adminKubeConfig, testNamespace } from '../support/cluster.ts';
import {
  askMany,
  backendCount,
  binomialBounds,
  deployRevision,
  GATEWAY,
  ingressFor,
  serviceFor,
  setFailureRate,
  trafficSkip,
  untilAnsweredBy,
  type Answer,
  type Revision,
} from '../support/traffic.ts';

const skip = trafficSkip();
// 1000 requests at a true canary share of 10%: the count of canary answers falls outside
// binomialBounds(1000, 0.1, 1e-6) = [57, 149] (5.7%..14.9%) with probability below 1e-6. Traefik's
// weighted round robin is deterministic, so a correct split lands far inside; the binomial is the
// bound a random-choice proxy would also have to meet.
const N = 1000;
const ALPHA = 1e-6;

function countOf(answers: readonly Answer[], revision: Revision): number {
  return answers.filter((a) => a.revision === revision.hash).length;
}

/** Every answer is a 200 from one of the real pods of `stable` or `canary`. */
function assertRealPods(answers: readonly Answer[], stable: Revision, canary: Revision): void {
  const pods = new Map([
    ...stable.pods.map((p) => [p, stable.hash] as const),
    ...canary.pods.map((p) => [p, canary.hash] as const),
  ]);
  for (const a of answers) {
    assert.equal(a.status, 200, `status ${a.status} from ${a.pod || 'no pod'}`);
    assert.equal(pods.get(a.pod), a.revision, `${a.pod} is a real pod of revision ${a.revision}`);
  }
}

function assertShare(answers: readonly Answer[], canary: Revision, p: number): void {
  const { lo, hi } = binomialBounds(answers.length, p, ALPHA);
  const got = countOf(answers, canary);
  assert.ok(
    got >= lo && got <= hi,
    `canary answered ${got} of ${answers.length}; want ${lo}..${hi} (p=${p})`,
  );
}

test(
  'Gateway API through Traefik: a 90/10 HTTPRoute splits real requests 90/10, header matches send all to the canary',
  { skip },
  async (t) => {
    const ns = await testNamespace(t, 'traffic-gw');
    const kc = adminKubeConfig();
    const [stable, canary] = await Promise.all([
      deployRevision(kc, ns, 'stable', 2),
      deployRevision(kc, ns, 'canary', 1),
    ]);
    const host = `web.${ns}.test`;
    const ref = (r: Revision, weight?: number) => ({
      name: r.name,
      port: 80,
      ...(weight === undefined ? {} : { weight }),
    });
    await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      group: 'gateway.networking.k8s.io',
      version: 'v1',
      namespace: ns,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'web' },
        spec: {
          parentRefs: [GATEWAY],
          hostnames: [host],
          rules: [
            {
              matches: [{ headers: [{ type: 'Exact', name: 'x-canary', value: 'always' }] }],
              backendRefs: [ref(canary)],
            },
            {
              matches: [
                { headers: [{ type: 'RegularExpression', name: 'x-user', value: '^tester-[0-9]+$' }] },
              ],
              backendRefs: [ref(canary)],
            },
            { backendRefs: [ref(stable, 90), ref(canary, 10)] },
          ],
        },
      },
    });
    await untilAnsweredBy(host, canary, { 'x-canary': 'always' });
    // The route is live for the canary; the stable's endpoints may reach the proxy a moment later.
    await untilAnsweredBy(host, stable);

    const split = await askMany(host, N);
    assertRealPods(split, stable, canary);
    assertShare(split, canary, 0.1);
    // Both stable pods take their part: the Service's endpoints are the real pods.
    for (const pod of stable.pods)
      assert.ok(
        split.some((a) => a.pod === pod),
        `${pod} answered`,
      );

    const exact = await askMany(host, 50, { 'x-canary': 'always' });
    assertRealPods(exact, stable, canary);
    assert.equal(countOf(exact, canary), 50, 'an Exact header match sends every request to the canary');
    const regex = await askMany(host, 50, { 'x-user': 'tester-42' });
    assert.equal(
      countOf(regex, canary),
      50,
      'a RegularExpression header match sends every request to the canary',
    );
    const nonMatching = await askMany(host, 50, { 'x-user': 'someone' });
    assert.ok(
      countOf(nonMatching, stable) > 0,
      'a header that does not match falls through to the weighted rule',
    );

    // The backend counted what it answered, per pod and code.
    const counted = await backendCount(ns, canary.pods[0] ?? '', 200);
    assert.ok(counted >= countOf(split, canary) + 100, `the backend counted ${counted} canary answers`);

    // Errors come from the version: half the canary's requests fail, the stable's none.
    await setFailureRate(ns, canary.hash, 0.5);
    t.after(() => setFailureRate(ns, canary.hash, 0));
    const failing = await askMany(host, 400, { 'x-canary': 'always' });
    const { lo, hi } = binomialBounds(400, 0.5, ALPHA);
    const errors = failing.filter((a) => a.status === 500).length;
    assert.ok(errors >= lo && errors <= hi, `${errors} of 400 canary requests failed; want ${lo}..${hi}`);
    assert.ok(
      failing.every((a) => a.revision === canary.hash),
      'failed requests still name the canary pod',
    );
    const stableOnly = await askMany(host, 100, { 'x-user': 'someone' });
    assert.equal(stableOnly.filter((a) => a.status === 500 && a.revision === stable.hash).length, 0);
    assert.ok((await backendCount(ns, canary.pods[0] ?? '', 500)) >= errors, 'the backend counted the 500s');
  },
);

/** One scenario: a stable and a canary Ingress for its own host, and what must hold for it. */
interface Scenario {
  readonly annotations: Record<string, string>;
  /** A request that must reach the canary once Traefik has the canary Ingress. */
  readonly probe: Record<string, string>;
  readonly check: (host: string, stable: Revision, canary: Revision) => Promise<void>;
}

async function allTo(
  host: string,
  headers: Record<string, string>,
  to: Revision,
  stable: Revision,
  canary: Revision,
  why: string,
): Promise<void> {
  const answers = await askMany(host, 40, headers);
  assertRealPods(answers, stable, canary);
  assert.equal(countOf(answers, to), 40, `${host}: ${why}`);
}

const SCENARIOS: Record<string, Scenario> = {
  weight: {
    annotations: { 'canary-weight': '10' },
    probe: {},
    check: async (host, stable, canary) => {
      const answers = await askMany(host, N);
      assertRealPods(answers, stable, canary);
      assertShare(answers, canary, 0.1);
    },
  },
  'weight-total': {
    annotations: { 'canary-weight': '100', 'canary-weight-total': '1000' },
    probe: {},
    check: async (host, stable, canary) => {
      const answers = await askMany(host, N);
      assertRealPods(answers, stable, canary);
      assertShare(answers, canary, 0.1);
    },
  },
  header: {
    annotations: { 'canary-by-header': 'x-canary' },
    probe: { 'x-canary': 'always' },
    check: async (host, stable, canary) => {
      await allTo(host, { 'x-canary': 'never' }, stable, stable, canary, 'header "never" goes to stable');
      await allTo(host, {}, stable, stable, canary, 'no header and weight 0 go to stable');
      await allTo(host, { 'x-canary': 'other' }, stable, stable, canary, 'another value is ignored');
    },
  },
  'header-never-over-weight': {
    annotations: { 'canary-by-header': 'x-canary', 'canary-weight': '100' },
    probe: {},
    check: async (host, stable, canary) => {
      await allTo(host, {}, canary, stable, canary, 'weight 100 sends all to the canary');
      await allTo(host, { 'x-canary': 'never' }, stable, stable, canary, 'header "never" beats weight 100');
    },
  },
  'header-value': {
    annotations: { 'canary-by-header': 'x-canary', 'canary-by-header-value': 'blue' },
    probe: { 'x-canary': 'blue' },
    check: async (host, stable, canary) => {
      await allTo(host, { 'x-canary': 'green' }, stable, stable, canary, 'another value goes to stable');
      await allTo(
        host,
        { 'x-canary': 'always' },
        stable,
        stable,
        canary,
        '"always" is just another value here',
      );
    },
  },
  'header-pattern': {
    annotations: { 'canary-by-header': 'x-canary', 'canary-by-header-pattern': '^blu.*$' },
    probe: { 'x-canary': 'bluish' },
    check: async (host, stable, canary) => {
      await allTo(
        host,
        { 'x-canary': 'green' },
        stable,
        stable,
        canary,
        'a value off the pattern goes to stable',
      );
    },
  },
  cookie: {
    annotations: { 'canary-by-cookie': 'canary' },
    probe: { cookie: 'canary=always' },
    check: async (host, stable, canary) => {
      await allTo(host, { cookie: 'canary=never' }, stable, stable, canary, 'cookie "never" goes to stable');
      await allTo(host, {}, stable, stable, canary, 'no cookie goes to stable');
    },
  },
};

test(
  'Ingress NGINX canary annotations through Traefik: weight, weight-total, header, header value and pattern, cookie',
  { skip },
  async (t) => {
    const ns = await testNamespace(t, 'traffic-nginx');
    const kc = adminKubeConfig();
    const net = kc.makeApiClient(NetworkingV1Api);
    const [stable, canary] = await Promise.all([
      deployRevision(kc, ns, 'stable', 2),
      deployRevision(kc, ns, 'canary', 1),
    ]);
    const hostOf = (scenario: string) => `${scenario}.${ns}.test`;
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      const host = hostOf(name);
      // Traefik, like ingress-nginx, keys a canary by the stable Ingress's Service: one pair per Service.
      await serviceFor(kc, ns, `stable-${name}`, 'stable');
      await serviceFor(kc, ns, `canary-${name}`, 'canary');
      await net.createNamespacedIngress({ namespace: ns, body: ingressFor(name, host, `stable-${name}`) });
      await net.createNamespacedIngress({
        namespace: ns,
        body: ingressFor(`${name}-canary`, host, `canary-${name}`, {
          canary: 'true',
          ...scenario.annotations,
        }),
      });
    }
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      await t.test(name, async () => {
        await untilAnsweredBy(hostOf(name), canary, scenario.probe);
        await allTo(
          hostOf(name),
          scenario.probe,
          canary,
          stable,
          canary,
          'the probe reaches the canary',
        ).catch((e: unknown) => {
          // Weighted probes reach the canary only for their share.
          if (Object.keys(scenario.probe).length > 0) throw e;
        });
        await scenario.check(hostOf(name), stable, canary);
      });
    }
  },
);
