/**
 * The hostile-manifest corpus: each case is one file and the line (marked `#@` in the text, or given)
 * where `lint` and `run` must refuse it, with what the message must say. Generated in code so the
 * lines are exact. `run: true` cases also go through `run` against the local cluster.
 */
import { stringify } from 'yaml';

export interface HostileCase {
  id: string;
  /** The file's content; a string is written as UTF-8. */
  content: string | Uint8Array;
  /** 1-based line of the refusal; by default the line holding `#@`. */
  line?: number;
  message: RegExp;
  run?: boolean;
}

const rolloutYaml = (
  name: string,
  extra: { spec?: string[]; steps?: string[]; meta?: string[] } = {},
): string[] => [
  'apiVersion: argoproj.io/v1alpha1',
  'kind: Rollout',
  'metadata:',
  `  name: ${name}`,
  ...(extra.meta ?? []),
  'spec:',
  '  replicas: 1',
  '  selector: {matchLabels: {app: h}}',
  '  template:',
  '    metadata: {labels: {app: h}}',
  '    spec: {containers: [{name: app, image: example/app:1}]}',
  ...(extra.spec ?? []),
  '  strategy:',
  '    canary:',
  '      steps:',
  ...(extra.steps ?? ['      - setWeight: 50']),
];

function plain(
  apiVersion: string,
  kind: string,
  name: string,
  body: string[] = [],
  meta: string[] = [],
): string[] {
  return ['apiVersion: ' + apiVersion, `kind: ${kind} #@`, 'metadata:', `  name: ${name}`, ...meta, ...body];
}

const FORBIDDEN_KINDS: [string, string, string[]][] = [
  [
    'rbac.authorization.k8s.io/v1',
    'ClusterRole',
    ['rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]'],
  ],
  [
    'rbac.authorization.k8s.io/v1',
    'ClusterRoleBinding',
    [
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
      'subjects: [{kind: Group, name: "system:authenticated", apiGroup: rbac.authorization.k8s.io}]',
    ],
  ],
  ['rbac.authorization.k8s.io/v1', 'Role', ['rules: [{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]']],
  [
    'rbac.authorization.k8s.io/v1',
    'RoleBinding',
    [
      'roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}',
      'subjects: [{kind: ServiceAccount, name: default}]',
    ],
  ],
  ['v1', 'Secret', ['stringData: {token: hunter2}']],
  [
    'v1',
    'Pod',
    ['spec: {hostPID: true, containers: [{name: x, image: busybox, securityContext: {privileged: true}}]}'],
  ],
  ['v1', 'Namespace', []],
  ['v1', 'ServiceAccount', []],
  [
    'v1',
    'PersistentVolume',
    ['spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /}}'],
  ],
  ['v1', 'ResourceQuota', ['spec: {hard: {pods: "0"}}']],
  ['v1', 'Endpoints', ['subsets: []']],
  [
    'apps/v1',
    'DaemonSet',
    [
      'spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: x, image: busybox}]}}}',
    ],
  ],
  [
    'apps/v1',
    'StatefulSet',
    [
      'spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: x, image: busybox}]}}}',
    ],
  ],
  [
    'apps/v1',
    'Deployment',
    [
      'spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: x, image: busybox}]}}}',
    ],
  ],
  [
    'apps/v1',
    'ReplicaSet',
    [
      'spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {containers: [{name: x, image: busybox}]}}}',
    ],
  ],
  [
    'batch/v1',
    'Job',
    ['spec: {template: {spec: {restartPolicy: Never, containers: [{name: x, image: busybox}]}}}'],
  ],
  [
    'batch/v1',
    'CronJob',
    [
      'spec: {schedule: "* * * * *", jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: x, image: busybox}]}}}}}',
    ],
  ],
  [
    'apiextensions.k8s.io/v1',
    'CustomResourceDefinition',
    ['spec: {group: x.io, names: {kind: X, plural: xs}, scope: Namespaced, versions: []}'],
  ],
  ['admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', ['webhooks: []']],
  ['admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', ['webhooks: []']],
  ['networking.k8s.io/v1', 'NetworkPolicy', ['spec: {podSelector: {}}']],
  ['storage.k8s.io/v1', 'StorageClass', ['provisioner: x']],
  ['scheduling.k8s.io/v1', 'PriorityClass', ['value: 1000000000']],
  ['v1', 'LimitRange', ['spec: {limits: []}']],
];

function kindCases(): HostileCase[] {
  return FORBIDDEN_KINDS.map(([apiVersion, kind, body], i) => ({
    id: `kind-${kind.toLowerCase()}`,
    content: plain(apiVersion, kind, `hostile-${i}`, body).join('\n') + '\n',
    message: new RegExp(`refused: kind ${kind} .*allow-kinds`),
    run: true,
  }));
}

const ALLOWED_ELSEWHERE: [string, string, string[]][] = [
  ['v1', 'Service', ['spec: {selector: {app: h}, ports: [{port: 80}]}']],
  ['v1', 'ConfigMap', ['data: {a: b}']],
  ['networking.k8s.io/v1', 'Ingress', ['spec: {rules: []}']],
  ['policy/v1', 'PodDisruptionBudget', ['spec: {minAvailable: 1, selector: {matchLabels: {app: h}}}']],
  [
    'autoscaling/v2',
    'HorizontalPodAutoscaler',
    [
      'spec: {minReplicas: 1, maxReplicas: 2, scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: web}}',
    ],
  ],
];

function namespaceCases(): HostileCase[] {
  const out: HostileCase[] = [];
  ALLOWED_ELSEWHERE.forEach(([apiVersion, kind, body], i) => {
    for (const ns of ['kube-system', 'other-team']) {
      out.push({
        id: `namespace-${kind.toLowerCase()}-${ns}`,
        content:
          [
            `apiVersion: ${apiVersion}`,
            `kind: ${kind}`,
            'metadata:',
            `  name: elsewhere-${i}`,
            `  namespace: ${ns} #@`,
            ...body,
          ].join('\n') + '\n',
        message: new RegExp(`refused: ${kind} elsewhere-${i} is in namespace "${ns}".*allow-namespaces`),
        run: true,
      });
    }
  });
  return out;
}

function serviceCases(): HostileCase[] {
  const svc = (name: string, spec: string[]): string =>
    ['apiVersion: v1', 'kind: Service', 'metadata:', `  name: ${name}`, 'spec:', ...spec].join('\n') + '\n';
  return [
    {
      id: 'service-external-ips',
      content: svc('ext', ['  selector: {app: h}', '  ports: [{port: 80}]', '  externalIPs: [8.8.8.8] #@']),
      message: /refused: a Service with spec\.externalIPs.*allow-external-ips/,
      run: true,
    },
    {
      id: 'service-external-ips-block',
      content: svc('ext2', ['  externalIPs: #@', '    - 10.0.0.1', '  ports: [{port: 80}]']),
      message: /spec\.externalIPs/,
      run: true,
    },
    {
      id: 'service-port-70000',
      content: svc('p1', ['  ports:', '    - port: 70000 #@']),
      message: /between 1 and 65535/,
      run: true,
    },
    {
      id: 'service-port-0',
      content: svc('p2', ['  ports:', '    - port: 0 #@']),
      message: /between 1 and 65535/,
      run: true,
    },
    {
      id: 'service-target-port',
      content: svc('p3', ['  ports:', '    - {port: 80, targetPort: 99999} #@']),
      message: /between 1 and 65535, not 99999/,
      run: true,
    },
    {
      id: 'service-name-upper',
      content:
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          '  name: Web #@',
          'spec: {ports: [{port: 80}]}',
        ].join('\n') + '\n',
      message: /DNS-1123 name|DNS-1035/,
      run: true,
    },
    {
      id: 'service-name-digit',
      content:
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          '  name: 1web #@',
          'spec: {ports: [{port: 80}]}',
        ].join('\n') + '\n',
      message: /DNS-1035 label/,
      run: true,
    },
    {
      id: 'service-name-64',
      content:
        [
          'apiVersion: v1',
          'kind: Service',
          'metadata:',
          `  name: ${'s'.repeat(64)} #@`,
          'spec: {ports: [{port: 80}]}',
        ].join('\n') + '\n',
      message: /DNS-1035 label.*64 characters/,
      run: true,
    },
  ];
}

const JOB_TEMPLATE = (podSpec: string[]): string =>
  [
    'apiVersion: argoproj.io/v1alpha1',
    'kind: AnalysisTemplate',
    'metadata:',
    '  name: job-check',
    'spec:',
    '  metrics:',
    '    - name: smoke',
    '      provider:',
    '        job:',
    '          spec:',
    '            template:',
    '              spec:',
    '                restartPolicy: Never',
    ...podSpec.map((l) => `                ${l}`),
  ].join('\n') + '\n';

function jobCases(): HostileCase[] {
  const c = (sc: string): string[] => [
    'containers:',
    '  - name: x',
    '    image: busybox',
    '    securityContext:',
    `      ${sc}`,
  ];
  const table: [string, string[], RegExp][] = [
    ['privileged', c('privileged: true #@'), /privileged/],
    ['host-pid', ['hostPID: true #@', 'containers: [{name: x, image: busybox}]'], /hostPID/],
    ['host-ipc', ['hostIPC: true #@', 'containers: [{name: x, image: busybox}]'], /hostIPC/],
    ['host-network', ['hostNetwork: true #@', 'containers: [{name: x, image: busybox}]'], /hostNetwork/],
    [
      'host-path',
      ['containers: [{name: x, image: busybox}]', 'volumes:', '  - name: root', '    hostPath: {path: /} #@'],
      /hostPath \//,
    ],
    ['cap-sys-admin', c('capabilities: {add: [SYS_ADMIN]} #@'), /SYS_ADMIN/],
    ['cap-net-admin', c('capabilities: {add: [NET_ADMIN]} #@'), /NET_ADMIN/],
    ['cap-all', c('capabilities: {add: [ALL]} #@'), /capability ALL/],
    ['cap-placeholder', c('capabilities: {add: ["{{args.cap}}"]} #@'), /capability \{\{args\.cap\}\}/],
    ['privilege-escalation', c('allowPrivilegeEscalation: true #@'), /allowPrivilegeEscalation/],
    ['proc-mount', c('procMount: Unmasked #@'), /procMount/],
    ['seccomp-unconfined', c('seccompProfile: {type: Unconfined} #@'), /seccomp/],
    [
      'service-account',
      ['serviceAccountName: rollout-pilot #@', 'containers: [{name: x, image: busybox}]'],
      /ServiceAccount "rollout-pilot"/,
    ],
    [
      'init-privileged',
      [
        'initContainers:',
        '  - name: i',
        '    image: busybox',
        '    securityContext: {privileged: true} #@',
        'containers: [{name: x, image: busybox}]',
      ],
      /privileged/,
    ],
    [
      'host-port',
      [
        'containers:',
        '  - name: x',
        '    image: busybox',
        '    ports: [{containerPort: 80, hostPort: 80}] #@',
      ],
      /hostPort/,
    ],
  ];
  return table.map(([id, spec, message]) => ({
    id: `job-${id}`,
    content: JOB_TEMPLATE(spec),
    message: new RegExp(`refused: job metric "smoke": .*${message.source}.*allow-privileged-jobs`),
    run: true,
  }));
}

function limitCases(): HostileCase[] {
  const r = (id: string, lines: string[], message: RegExp): HostileCase => ({
    id,
    content: lines.join('\n') + '\n',
    message,
    run: true,
  });
  const long = 'r'.repeat(64);
  return [
    r('rollout-name-64', rolloutYaml(`${long} #@`), /at most 63.*rollout-pilot\.dev\/rollout/),
    r('rollout-name-100', rolloutYaml(`${'n'.repeat(100)} #@`), /100 characters; at most 63/),
    r('rollout-name-upper', rolloutYaml('Web #@'), /DNS-1123/),
    r('replicas-int32', rolloutYaml('big', { spec: ['  revisionHistoryLimit: 2147483648 #@'] }), /32 bits/),
    r(
      'progress-deadline-int32',
      rolloutYaml('big2', { spec: ['  progressDeadlineSeconds: 99999999999 #@'] }),
      /32 bits/,
    ),
    r(
      'label-value-64',
      rolloutYaml('lbl', { meta: ['  labels:', `    team: ${'v'.repeat(64)} #@`] }),
      /label team: the value is 64 characters/,
    ),
    r(
      'label-key-bad',
      rolloutYaml('lbl2', { meta: ['  labels:', '    "bad key!": x #@'] }),
      /label key "bad key!"/,
    ),
    r(
      'annotation-key-bad',
      rolloutYaml('ann', { meta: ['  annotations:', '    "-x": y #@'] }),
      /annotation key "-x"/,
    ),
    r(
      'annotations-too-big',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: big',
        '  annotations: #@',
        `    a: ${'x'.repeat(270_000)}`,
      ],
      /annotations total \d+ bytes/,
    ),
    r(
      'namespace-invalid',
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: c', '  namespace: Not_Valid #@'],
      /DNS-1123 label/,
    ),
    r(
      'hpa-max-int32',
      [
        'apiVersion: autoscaling/v2',
        'kind: HorizontalPodAutoscaler',
        'metadata:',
        '  name: h',
        'spec:',
        '  maxReplicas: 4294967296 #@',
        '  scaleTargetRef: {kind: Rollout, name: web}',
      ],
      /between 1 and 2147483647/,
    ),
    r(
      'pod-label-value',
      rolloutYaml('podlbl', { spec: ['  minReadySeconds: 0'] }).map((l) =>
        l === '    metadata: {labels: {app: h}}'
          ? `    metadata: {labels: {app: h, v: "${'x'.repeat(70)}"}} #@`
          : l,
      ),
      /label v: the value is 70/,
    ),
  ];
}

function rolloutCases(): HostileCase[] {
  const r = (id: string, lines: string[], message: RegExp): HostileCase => ({
    id,
    content: lines.join('\n') + '\n',
    message,
    run: true,
  });
  return [
    r('weight-140', rolloutYaml('w140', { steps: ['      - setWeight: 140 #@'] }), /140/),
    r('weight-negative', rolloutYaml('wneg', { steps: ['      - setWeight: -5 #@'] }), /-5/),
    r('unknown-field-spec', rolloutYaml('uf', { spec: ['  replicass: 3 #@'] }), /unknown field "replicass"/),
    r('unknown-step', rolloutYaml('us', { steps: ['      - setWeigth: 10 #@'] }), /setWeigth/),
    r(
      'replicas-string',
      rolloutYaml('rs').map((l) => (l === '  replicas: 1' ? '  replicas: "3" #@' : l)),
      /remove the quotes/,
    ),
    r(
      'missing-template',
      rolloutYaml('mt', {
        steps: ['      - analysis:', '          templates:', '            - templateName: nope #@'],
      }),
      /nope/,
    ),
    r('duplicate-key', rolloutYaml('dk', { spec: ['  replicas: 2 #@'] }), /unique|duplicate|Map keys/i),
  ];
}

/**
 * A Rollout `name` behind a traffic router: `canary` are lines of its spec.strategy.canary (indented
 * as written there), `docs` the router objects beside it. Every name is the case's own, as `lint`
 * reads all cases together.
 */
function routed(
  name: string,
  canary: string[],
  options: { docs?: string[][]; steps?: string[]; services?: boolean } = {},
): string {
  const services =
    options.services === false ? [] : [`stableService: ${name}-stable`, `canaryService: ${name}-canary`];
  const rollout = [
    ...rolloutYaml(name, { steps: options.steps ?? ['      - setWeight: 50'] }),
    ...[...services, ...canary].map((l) => `      ${l}`),
  ];
  return [rollout, ...(options.docs ?? [])].map((d) => d.join('\n')).join('\n---\n') + '\n';
}

const ingressDoc = (name: string, backend: string): string[] => [
  'apiVersion: networking.k8s.io/v1',
  'kind: Ingress',
  `metadata: {name: ${name}}`,
  'spec:',
  '  rules:',
  `    - http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: ${backend}, port: {number: 80}}}}]}`,
];

const virtualServiceDoc = (name: string, http: string[]): string[] => [
  'apiVersion: networking.istio.io/v1beta1',
  'kind: VirtualService',
  `metadata: {name: ${name}}`,
  'spec:',
  `  hosts: [${name}]`,
  '  http:',
  ...http.map((l) => `    ${l}`),
];

const to = (...hosts: string[]): string => `[${hosts.map((h) => `{destination: {host: ${h}}}`).join(', ')}]`;

function routerCases(): HostileCase[] {
  const r = (id: string, content: string, message: RegExp): HostileCase => ({
    id,
    content,
    message,
    run: true,
  });
  const header = (route: string, value = '{exact: "yes"}', mark = ' #@'): string[] => [
    '      - setHeaderRoute:',
    `          name: ${route}`,
    `          match: [{headerName: x-tester, headerValue: ${value}}]${mark}`,
    '      - setWeight: 50',
  ];
  return [
    r(
      'router-alb',
      routed('rt-alb', ['trafficRouting:', '  alb: {ingress: rt-alb, servicePort: 80} #@']),
      /the alb traffic router is not supported yet \(planned: more traffic routers\)/,
    ),
    r(
      'router-smi',
      routed('rt-smi', ['trafficRouting:', '  smi: {rootService: rt-smi} #@']),
      /the smi traffic router is not supported yet/,
    ),
    r(
      'router-other-plugin',
      routed('rt-plugin', ['trafficRouting:', '  plugins:', '    argoproj-labs/contour: {httpProxy: x} #@']),
      /traffic router plugins other than argoproj-labs\/gatewayAPI are not supported yet/,
    ),
    r(
      'router-none',
      routed('rt-none', ['trafficRouting: #@', '  managedRoutes: [{name: h}]']),
      /trafficRouting names no traffic router: set nginx, istio or plugins\.argoproj-labs\/gatewayAPI/,
    ),
    r(
      'router-nginx-one-service',
      routed('rt-svc', ['trafficRouting: #@', '  nginx: {stableIngress: rt-svc}'], { services: false }),
      /traffic routing needs both canaryService and stableService; missing canaryService and stableService/,
    ),
    r(
      'router-nginx-both-ingress-fields',
      routed('rt-both', [
        'trafficRouting:',
        '  nginx: #@',
        '    stableIngress: rt-both',
        '    stableIngresses: [rt-both]',
      ]),
      /must set exactly one of stableIngress, stableIngresses; found stableIngress and stableIngresses together/,
    ),
    r(
      'router-nginx-ingress-backend',
      routed('rt-ing', ['trafficRouting:', '  nginx:', '    stableIngress: rt-ing #@'], {
        docs: [ingressDoc('rt-ing', 'rt-ing-canary')],
      }),
      /Ingress rt-ing has no rule whose backend is the stable Service "rt-ing-stable"/,
    ),
    r(
      'router-nginx-max-weight',
      routed('rt-max', ['trafficRouting:', '  maxTrafficWeight: 10', '  nginx: {stableIngress: rt-max}'], {
        steps: ['      - setWeight: 50 #@'],
      }),
      /setWeight must be between 0 and 10 \(trafficRouting\.maxTrafficWeight\), not 50/,
    ),
    r(
      'router-mirror-on-nginx',
      routed(
        'rt-mirror',
        ['trafficRouting:', '  nginx: {stableIngress: rt-mirror}', '  managedRoutes: [{name: m}]'],
        {
          steps: ['      - setMirrorRoute: #@', '          name: m', '          percentage: 10'],
        },
      ),
      /setMirrorRoute requires trafficRouting with istio or a router plugin/,
    ),
    r(
      'router-istio-both-vs-fields',
      routed('rt-vss', [
        'trafficRouting:',
        '  istio: #@',
        '    virtualService: {name: rt-vss}',
        '    virtualServices: [{name: rt-vss}]',
      ]),
      /must set exactly one of virtualService, virtualServices; found virtualService and virtualServices together/,
    ),
    r(
      'router-istio-route-typo',
      routed(
        'rt-typo',
        [
          'trafficRouting:',
          '  istio:',
          '    virtualService:',
          '      name: rt-typo',
          '      routes: [primry] #@',
        ],
        {
          docs: [
            virtualServiceDoc('rt-typo', [
              `- {name: primary, route: ${to('rt-typo-stable', 'rt-typo-canary')}}`,
            ]),
          ],
        },
      ),
      /VirtualService rt-typo has no HTTP route named "primry" \(did you mean "primary"\?\)/,
    ),
    r(
      'router-istio-no-canary-destination',
      routed(
        'rt-dest',
        ['trafficRouting:', '  istio:', '    virtualService: {name: rt-dest, routes: [primary]} #@'],
        {
          docs: [
            virtualServiceDoc('rt-dest', [
              `- {name: primary, route: ${to('rt-dest-stable.default.svc.cluster.local')}}`,
            ]),
          ],
        },
      ),
      /VirtualService rt-dest: HTTP route "primary" has no destination for the canary Service "rt-dest-canary"/,
    ),
    r(
      'router-istio-two-routes-unnamed',
      routed('rt-two', ['trafficRouting:', '  istio:', '    virtualService:', '      name: rt-two #@'], {
        docs: [
          virtualServiceDoc('rt-two', [
            `- {name: a, route: ${to('rt-two-stable', 'rt-two-canary')}}`,
            `- {name: b, route: ${to('rt-two-stable', 'rt-two-canary')}}`,
          ]),
        ],
      }),
      /VirtualService rt-two has 2 HTTP routes: name the ones to shift traffic on in istio\.virtualService\.routes/,
    ),
    r(
      'router-istio-subset-missing',
      routed(
        'rt-dr',
        [
          'trafficRouting:',
          '  istio:',
          '    virtualService: {name: rt-dr}',
          '    destinationRule:',
          '      name: rt-dr',
          '      canarySubsetName: canry #@',
          '      stableSubsetName: stable',
        ],
        {
          services: false,
          docs: [
            virtualServiceDoc('rt-dr', [
              '- route: [{destination: {host: rt-dr, subset: stable}}, {destination: {host: rt-dr, subset: canry}}]',
            ]),
            [
              'apiVersion: networking.istio.io/v1beta1',
              'kind: DestinationRule',
              'metadata: {name: rt-dr}',
              'spec: {host: rt-dr, subsets: [{name: canary}, {name: stable}]}',
            ],
          ],
        },
      ),
      /DestinationRule rt-dr has no subset named "canry" \(subsets: canary, stable\)/,
    ),
    r(
      'router-istio-max-weight',
      routed('rt-imax', [
        'trafficRouting:',
        '  maxTrafficWeight: 1000 #@',
        '  istio: {virtualService: {name: rt-imax}}',
      ]),
      /maxTrafficWeight is supported only by the nginx traffic router and router plugins/,
    ),
    r(
      'router-managed-route-shifted',
      routed('rt-own', [
        'trafficRouting:',
        '  managedRoutes: [{name: primary}]',
        '  istio:',
        '    virtualService:',
        '      name: rt-own',
        '      routes:',
        '        - primary #@',
      ]),
      /route "primary" is also in trafficRouting\.managedRoutes/,
    ),
    r(
      'router-header-route-not-managed',
      routed(
        'rt-hdr',
        [
          'trafficRouting:',
          '  istio: {virtualService: {name: rt-hdr}}',
          '  managedRoutes: [{name: testers}]',
        ],
        {
          steps: ['      - setHeaderRoute:', '          name: tester #@', '      - setWeight: 50'],
        },
      ),
      /route "tester" is not in trafficRouting\.managedRoutes \(testers\)/,
    ),
    r(
      'router-header-route-no-managed-routes',
      routed('rt-nomr', ['trafficRouting: #@', '  istio: {virtualService: {name: rt-nomr}}'], {
        steps: header('tester', '{exact: "yes"}', ''),
      }),
      /setHeaderRoute needs trafficRouting\.managedRoutes listing the route "tester"/,
    ),
    r(
      'router-header-two-values',
      routed(
        'rt-two-values',
        [
          'trafficRouting:',
          '  istio: {virtualService: {name: rt-two-values}}',
          '  managedRoutes: [{name: t}]',
        ],
        {
          steps: header('t', '{exact: "yes", regex: ".*"}'),
        },
      ),
      /must set exactly one of exact, prefix, regex; found exact and regex together/,
    ),
    r(
      'router-header-empty-value',
      routed(
        'rt-empty',
        ['trafficRouting:', '  istio: {virtualService: {name: rt-empty}}', '  managedRoutes: [{name: t}]'],
        {
          steps: header('t', '{exact: ""}'),
        },
      ),
      /exact is empty: the match needs a value/,
    ),
    r(
      'router-gateway-unknown-key',
      routed('rt-gwkey', [
        'trafficRouting:',
        '  plugins:',
        '    argoproj-labs/gatewayAPI:',
        '      httpRoute: rt-gwkey',
        '      namepsace: edge #@',
      ]),
      /unknown field "namepsace" \(did you mean namespace\?\)/,
    ),
    r(
      'router-gateway-backends',
      routed(
        'rt-gw',
        ['trafficRouting:', '  plugins:', '    argoproj-labs/gatewayAPI:', '      httpRoute: rt-gw #@'],
        {
          docs: [
            [
              'apiVersion: gateway.networking.k8s.io/v1',
              'kind: HTTPRoute',
              'metadata: {name: rt-gw}',
              'spec:',
              '  parentRefs: [{name: edge}]',
              '  rules: [{backendRefs: [{name: rt-gw-stable, port: 80}]}]',
            ],
          ],
        },
      ),
      /HTTPRoute rt-gw has no rule with backendRefs to both the stable Service "rt-gw-stable" and the canary Service "rt-gw-canary"/,
    ),
    r(
      'router-gateway-tcp-route',
      routed('rt-tcp', [
        'trafficRouting:',
        '  plugins:',
        '    argoproj-labs/gatewayAPI:',
        '      tcpRoute: rt-tcp #@',
      ]),
      /TCPRoutes \(the gatewayAPI plugin's tcpRoute, tcpRoutes\) are not supported yet/,
    ),
  ];
}

function yamlCases(): HostileCase[] {
  const y = (id: string, lines: string[], message: RegExp, line?: number): HostileCase => ({
    id,
    content: lines.join('\n') + '\n',
    message,
    run: true,
    ...(line === undefined ? {} : { line }),
  });
  return [
    y(
      'unclosed-flow',
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: x', '  labels: {a: [b} #@'],
      /invalid YAML/,
    ),
    y('tab-indent', ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '\tname: x #@'], /invalid YAML/),
    y(
      'undefined-alias',
      ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: *nothing #@'],
      /invalid YAML/,
    ),
    y('scalar-document', ['just a string #@'], /must be a YAML mapping/),
    y('list-document', ['- a #@', '- b'], /must be a YAML mapping/),
    y('no-kind', ['apiVersion: v1 #@', 'metadata: {name: x}'], /kind is required/, 1),
    y(
      'billion-laughs',
      [
        'a: &a [x, x, x, x, x, x, x, x, x]',
        'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
        'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
        'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      ],
      /invalid YAML/,
      1,
    ),
    y(
      'deep-flow',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: x}',
        `data: ${'['.repeat(3000)}${']'.repeat(3000)}`,
      ],
      /nested more than 100 levels|invalid YAML/,
      4,
    ),
    y(
      'deep-block',
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: {name: x}',
        'data:',
        ...Array.from({ length: 400 }, (_, i) => `${' '.repeat(i + 1)}k:`),
      ],
      /nested more than 100 levels/,
      105,
    ),
  ];
}

function encodingCases(): HostileCase[] {
  const enc = new TextEncoder();
  const base = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: enc\ndata:\n  k: caf';
  const withByte = (...bytes: number[]): Uint8Array => new Uint8Array([...enc.encode(base), ...bytes, 0x0a]);
  const utf16 = (le: boolean): Uint8Array => {
    const text = 'apiVersion: v1\nkind: ConfigMap\n';
    const out = [le ? 0xff : 0xfe, le ? 0xfe : 0xff];
    for (const ch of text) {
      const c = ch.charCodeAt(0);
      out.push(...(le ? [c, 0] : [0, c]));
    }
    return new Uint8Array(out);
  };
  return [
    {
      id: 'latin1-byte',
      content: withByte(0xe9),
      line: 6,
      message: /byte 0xe9 is not valid UTF-8/,
      run: true,
    },
    {
      id: 'bad-continuation',
      content: withByte(0xc3, 0x28),
      line: 6,
      message: /byte 0xc3 is not valid UTF-8/,
      run: true,
    },
    { id: 'overlong', content: withByte(0xc0, 0xaf), line: 6, message: /byte 0xc0/, run: true },
    { id: 'surrogate', content: withByte(0xed, 0xa0, 0x80), line: 6, message: /byte 0xed/, run: true },
    {
      id: 'utf16-le',
      content: utf16(true),
      line: 1,
      message: /UTF-16.*little-endian.*save it as UTF-8/,
      run: true,
    },
    { id: 'utf16-be', content: utf16(false), line: 1, message: /UTF-16.*big-endian/, run: true },
    { id: 'utf16-no-bom', content: utf16(true).subarray(2), line: 1, message: /NUL bytes/, run: true },
  ];
}

/** A big file with one mistake near its end: the line is exact and lint stays quick. */
function hugeCase(): HostileCase {
  const docs = Array.from({ length: 5000 }, (_, i) =>
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { k: 'v' } }),
  );
  const text = docs.join('---\n') + '---\napiVersion: v1\nkind: Secret #@\nmetadata: {name: hidden}\n';
  return { id: 'huge-file-secret-at-end', content: text, message: /refused: kind Secret/, run: false };
}

export function hostileCases(): HostileCase[] {
  return [
    ...kindCases(),
    ...namespaceCases(),
    ...serviceCases(),
    ...jobCases(),
    ...limitCases(),
    ...rolloutCases(),
    ...routerCases(),
    ...yamlCases(),
    ...encodingCases(),
    hugeCase(),
  ];
}

/** The 1-based line of a case's refusal. */
export function expectedLine(c: HostileCase): number {
  if (c.line !== undefined) return c.line;
  if (typeof c.content !== 'string') throw new Error(`${c.id}: give the line`);
  const i = c.content.split('\n').findIndex((l) => l.includes('#@'));
  if (i < 0) throw new Error(`${c.id}: no #@ marker`);
  return i + 1;
}
