import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeManifest, firstInvalidUtf8 } from '../../../src/manifests/encoding.ts';
import { jobPodDiagnostics } from '../../../src/manifests/job-policy.ts';
import { keyProblem, labelValueProblem } from '../../../src/manifests/limits.ts';
import { SAFE_DEFAULTS, type SafetyOptions } from '../../../src/manifests/policy.ts';
import { validateManifests } from '../../../src/manifests/validate.ts';

function lint(text: string, safety: Partial<SafetyOptions> = {}, namespace = 'shop'): string[] {
  const { diagnostics } = validateManifests([{ display: 't.yaml', text }], {
    policy: { namespace, safety: { ...SAFE_DEFAULTS, ...safety } },
  });
  return diagnostics.map((d) => `${d.line} ${d.message}`);
}

const obj = (apiVersion: string, kind: string, extra = ''): string =>
  `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\n${extra}`;

test('kinds: the allowlist passes, everything else is refused at kind unless allow-kinds names it', () => {
  const table: [string, string, Partial<SafetyOptions>, RegExp | undefined][] = [
    ['v1', 'Service', {}, undefined],
    ['v1', 'ConfigMap', {}, undefined],
    ['networking.k8s.io/v1', 'Ingress', {}, undefined],
    ['networking.istio.io/v1beta1', 'VirtualService', {}, undefined],
    ['gateway.networking.k8s.io/v1', 'HTTPRoute', {}, undefined],
    ['policy/v1', 'PodDisruptionBudget', {}, undefined],
    ['autoscaling/v2', 'HorizontalPodAutoscaler', {}, undefined],
    ['v1', 'Secret', {}, /^2 refused: kind Secret/],
    ['v1', 'Pod', {}, /^2 refused: kind Pod/],
    ['apps/v1', 'Deployment', {}, /only as the Rollout's workloadRef/],
    ['rbac.authorization.k8s.io/v1', 'RoleBinding', {}, /refused: kind RoleBinding/],
    ['v1', 'Secret', { kinds: ['Secret'] }, undefined],
    ['v1', 'Secret', { kinds: ['/Secret'] }, undefined],
    ['v1', 'Secret', { kinds: ['v1/Secret'] }, undefined],
    ['v1', 'Secret', { kinds: ['apps/Secret'] }, /refused/],
    // Opened by allow-kinds but cluster-scoped: a second door.
    [
      'rbac.authorization.k8s.io/v1',
      'ClusterRole',
      { kinds: ['ClusterRole'] },
      /cluster-scoped.*allow-cluster-scoped/,
    ],
    [
      'rbac.authorization.k8s.io/v1',
      'ClusterRole',
      { kinds: ['ClusterRole'], clusterScoped: true },
      undefined,
    ],
    ['v1', 'Namespace', { clusterScoped: true }, /refused: kind Namespace/],
  ];
  for (const [apiVersion, kind, safety, want] of table) {
    const got = lint(obj(apiVersion, kind), safety);
    if (want === undefined) assert.deepEqual(got, [], `${kind} ${JSON.stringify(safety)}`);
    else
      assert.ok(
        got.some((g) => want.test(g)),
        `${kind} ${JSON.stringify(safety)}: ${got.join('; ')}`,
      );
  }
});

test('a Deployment passes only as the workloadRef of a Rollout', () => {
  const rollout = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: Rollout',
    'metadata: {name: web}',
    'spec:',
    '  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: x}',
    '  strategy: {canary: {steps: [{setWeight: 50}]}}',
  ].join('\n');
  const deployment = obj(
    'apps/v1',
    'Deployment',
    'spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}}\n',
  );
  assert.deepEqual(lint(`${rollout}\n---\n${deployment}`), []);
});

test("namespaces: the rollout's and the allowed ones pass; others are refused at metadata.namespace", () => {
  const table: [string, Partial<SafetyOptions>, boolean][] = [
    ['shop', {}, true],
    ['kube-system', {}, false],
    ['istio-gateway', { namespaces: ['istio-gateway'] }, true],
    ['istio-gateway', { namespaces: ['other'] }, false],
  ];
  for (const [ns, safety, ok] of table) {
    const got = lint(
      obj('v1', 'ConfigMap', `  namespace: ${ns}\n`).replace(
        '  name: x\n  namespace',
        '  name: x\n  namespace',
      ),
      safety,
    );
    if (ok) assert.deepEqual(got, [], ns);
    else assert.match(got.join('\n'), /^5 refused: ConfigMap x is in namespace ".*allow-namespaces/m, ns);
  }
});

test('externalIPs are refused at their line unless allowed', () => {
  const svc = obj('v1', 'Service', 'spec:\n  ports: [{port: 80}]\n  externalIPs: [1.2.3.4]\n');
  assert.match(lint(svc).join('\n'), /^7 refused: a Service with spec.externalIPs/m);
  assert.deepEqual(lint(svc, { externalIps: true }), []);
});

test('job pod specs: each way to reach the node is refused; the baseline capabilities are not', () => {
  const table: [Record<string, unknown>, RegExp | undefined][] = [
    [{ containers: [{ name: 'a', image: 'b' }] }, undefined],
    [
      {
        containers: [
          {
            name: 'a',
            image: 'b',
            securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'] } },
          },
        ],
      },
      undefined,
    ],
    [{ serviceAccountName: 'default', containers: [] }, undefined],
    [{ hostPID: true }, /^hostPID/],
    [{ hostIPC: true }, /^hostIPC/],
    [{ hostNetwork: true }, /^hostNetwork/],
    [{ volumes: [{ name: 'r', hostPath: { path: '/' } }] }, /^volumes\[0\]\.hostPath .*hostPath \//],
    [
      { containers: [{ securityContext: { privileged: true } }] },
      /^containers\[0\]\.securityContext\.privileged/,
    ],
    [{ initContainers: [{ securityContext: { privileged: true } }] }, /^initContainers\[0\]/],
    [
      { containers: [{ securityContext: { capabilities: { add: ['CAP_SYS_ADMIN'] } } }] },
      /capabilities\.add\[0\].*CAP_SYS_ADMIN/,
    ],
    [{ containers: [{ securityContext: { allowPrivilegeEscalation: true } }] }, /allowPrivilegeEscalation/],
    [{ serviceAccountName: 'deployer' }, /^serviceAccountName .*"deployer"/],
    [
      { securityContext: { seccompProfile: { type: 'Unconfined' } } },
      /^securityContext\.seccompProfile\.type/,
    ],
    [{ containers: [{ ports: [{ hostPort: 8080 }] }] }, /hostPort/],
  ];
  for (const [spec, want] of table) {
    const got = jobPodDiagnostics(spec).map((i) => `${i.path} ${i.message}`);
    if (want === undefined) assert.deepEqual(got, [], JSON.stringify(spec));
    else
      assert.ok(
        got.some((g) => want.test(g)),
        `${JSON.stringify(spec)}: ${got.join('; ')}`,
      );
  }
});

test('a privileged job metric is refused at its line in lint, and allowed by allow-privileged-jobs', () => {
  const template = [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: AnalysisTemplate',
    'metadata: {name: t}',
    'spec:',
    '  metrics:',
    '    - name: smoke',
    '      provider:',
    '        job:',
    '          spec:',
    '            template:',
    '              spec:',
    '                hostNetwork: true',
    '                containers: [{name: a, image: b}]',
  ].join('\n');
  assert.match(lint(template).join('\n'), /^12 refused: job metric "smoke": hostNetwork/m);
  assert.deepEqual(lint(template, { privilegedJobs: true }), []);
});

test("label keys and values follow the API server's rules", () => {
  const keys: [string, boolean][] = [
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['a'.repeat(63), true],
    ['a'.repeat(64), false],
    ['-a', false],
    ['Bad_Prefix/x', false],
    ['ok/', false],
  ];
  for (const [k, ok] of keys) assert.equal(keyProblem(k) === undefined, ok, k);
  const values: [string, boolean][] = [
    ['', true],
    ['v1.2_3-x', true],
    ['v'.repeat(63), true],
    ['v'.repeat(64), false],
    ['-v', false],
    ['a b', false],
  ];
  for (const [v, ok] of values) assert.equal(labelValueProblem(v) === undefined, ok, v);
});

test('limits: int32, Rollout names that become label values, Service names, ports', () => {
  const rollout = (name: string, extra = ''): string =>
    `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: ${name}\nspec:\n  selector: {matchLabels: {a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: i}]}}\n${extra}  strategy: {canary: {steps: [{setWeight: 5}]}}\n`;
  assert.deepEqual(lint(rollout('r'.repeat(63))), []);
  assert.match(lint(rollout('r'.repeat(64))).join('\n'), /^4 Rollout name .* is 64 characters; at most 63/m);
  assert.match(lint(rollout('r', '  replicas: 2147483648\n')).join('\n'), /^8 .*32 bits/m);
  assert.deepEqual(lint(rollout('r', '  replicas: 2147483647\n')), []);
  assert.match(
    lint(obj('v1', 'Service', 'spec: {ports: [{port: 65536}]}\n')).join('\n'),
    /between 1 and 65535/,
  );
  assert.match(lint(obj('v1', 'Service').replace('name: x', 'name: 9x')).join('\n'), /DNS-1035/);
});

test('encoding: UTF-8 passes, other bytes are refused at their line', () => {
  const enc = new TextEncoder();
  assert.equal(firstInvalidUtf8(enc.encode('héllo ✓ 𝄞')), -1);
  const table: [number[], number][] = [
    [[0x61, 0xe9, 0x62], 1],
    [[0xc0, 0xaf], 0],
    [[0xed, 0xa0, 0x80], 0],
    [[0xf4, 0x90, 0x80, 0x80], 0],
    [[0x61, 0xe2, 0x82], 1],
  ];
  for (const [bytes, at] of table) assert.equal(firstInvalidUtf8(new Uint8Array(bytes)), at, bytes.join(','));
  const latin1 = decodeManifest('f.yaml', new Uint8Array([...enc.encode('a: 1\nb: caf'), 0xe9]));
  assert.deepEqual([latin1.problem?.line, latin1.problem?.column], [2, 7]);
  assert.match(
    decodeManifest('f.yaml', new Uint8Array([0xff, 0xfe, 0x61, 0])).problem?.message ?? '',
    /UTF-16/,
  );
  const bom = decodeManifest('f.yaml', new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('a: 1')]));
  assert.deepEqual([bom.text, bom.problem], ['a: 1', undefined]);
});

test('YAML merge keys are accepted and fields keep the line where they are written', () => {
  const text = [
    'apiVersion: v1',
    'kind: Service',
    'metadata:',
    '  name: web',
    '  labels: &base',
    '    app: web',
    '  annotations:',
    '    <<: *base',
    '    tier: front',
    'spec:',
    '  ports: [{port: 0}]',
  ].join('\n');
  const { docs, diagnostics } = validateManifests([{ display: 't.yaml', text }]);
  assert.deepEqual((docs[0]?.object.metadata as { annotations?: unknown }).annotations, {
    app: 'web',
    tier: 'front',
  });
  assert.deepEqual(
    diagnostics.map((d) => d.line),
    [11],
  );
  assert.equal(docs[0]?.positions.get('metadata.annotations.tier')?.line, 9);
});

test('very deep YAML is a clear error, not a stack overflow', () => {
  const flow = `a: ${'['.repeat(20000)}${']'.repeat(20000)}\n`;
  const block = ['a:', ...Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 1)}k:`)].join('\n');
  for (const text of [flow, block]) {
    const { diagnostics } = validateManifests([{ display: 'deep.yaml', text }]);
    assert.equal(diagnostics.length, 1);
    assert.match(diagnostics[0]?.message ?? '', /nested more than 100 levels/);
    assert.equal(diagnostics[0]?.file, 'deep.yaml');
  }
});

test('metric URLs to link-local metadata addresses are refused at their line unless allowed', () => {
  const template = (provider: string): string =>
    `apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata:\n  name: t\nspec:\n  args: [{name: host}]\n  metrics:\n    - name: m\n      provider:\n${provider}`;
  const table: [string, string, RegExp | undefined][] = [
    [
      'web url',
      '        web:\n          url: http://169.254.169.254/latest/meta-data/\n',
      /^11 refused: metric "m": web.url reaches 169.254.169.254, a link-local metadata address.*allow-metadata-addresses: true/,
    ],
    [
      'decimal host',
      '        web:\n          url: http://2852039166/\n',
      /^11 refused: .*169\.254\.169\.254/,
    ],
    [
      'IPv6',
      '        web:\n          url: "http://[fd00:ec2::254]/latest"\n',
      /^11 refused: .*\[fd00:ec2::254\]/,
    ],
    [
      'prometheus address',
      '        prometheus:\n          address: http://169.254.10.1:9090\n          query: up\n',
      /^11 refused: metric "m": prometheus.address/,
    ],
    [
      'oauth2 token URL',
      '        web:\n          url: https://metrics.example.com\n          authentication:\n            oauth2:\n              tokenUrl: http://169.254.169.254/token\n',
      /^14 refused: metric "m": web.authentication.oauth2.tokenUrl/,
    ],
    ['an arg is checked when measured', '        web:\n          url: "http://{{args.host}}/x"\n', undefined],
    ['an ordinary host', '        web:\n          url: https://metrics.example.com/q\n', undefined],
  ];
  for (const [name, provider, expected] of table) {
    const got = lint(template(provider)).join('\n');
    if (expected === undefined) assert.equal(got, '', name);
    else {
      assert.match(got, expected, name);
      assert.deepEqual(lint(template(provider), { metadataAddresses: true }), [], `${name}, allowed`);
    }
  }
});
