import { KubernetesObjectApi, NetworkingV1Api } from '@kubernetes/client-node';
import { admin, clients, type ClusterName, type RSFacts } from './kube.ts';

/**
 * A scenario's traffic router: the `trafficRouting` block and the objects it routes through. The
 * objects are created by the test on Argo's side and applied from the manifests by rollout-pilot.
 */
export interface RouterSetup {
  kind: 'nginx' | 'istio-host' | 'istio-subset';
  /** Extra fields of `trafficRouting` (managedRoutes, maxTrafficWeight...). */
  extra?: Record<string, unknown>;
  /** Extra annotations of the nginx block. */
  nginx?: Record<string, unknown>;
}

const HOST = 'app.example.com';

/** The `trafficRouting` block of the setup, for the Rollout `name` with its two Services. */
export function trafficRouting(setup: RouterSetup, name: string): Record<string, unknown> {
  switch (setup.kind) {
    case 'nginx':
      return { nginx: { stableIngress: name, ...setup.nginx }, ...setup.extra };
    case 'istio-host':
      return { istio: { virtualService: { name, routes: ['primary'] } }, ...setup.extra };
    case 'istio-subset':
      return {
        istio: {
          virtualService: { name, routes: ['primary'] },
          destinationRule: { name, canarySubsetName: 'canary', stableSubsetName: 'stable' },
        },
        ...setup.extra,
      };
  }
}

/** The router objects of the setup, as a user writes them. */
export function routerObjects(setup: RouterSetup, name: string): unknown[] {
  const stable = `${name}-stable`;
  const canary = `${name}-canary`;
  if (setup.kind === 'nginx') {
    return [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, annotations: { 'kubernetes.io/ingress.class': 'nginx' } },
        spec: {
          rules: [
            {
              host: HOST,
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: stable, port: { number: 80 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ];
  }
  const subset = setup.kind === 'istio-subset';
  const destination = (role: 'stable' | 'canary', weight: number): unknown => ({
    destination: subset ? { host: stable, subset: role } : { host: role === 'stable' ? stable : canary },
    weight,
  });
  const vs = {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'VirtualService',
    metadata: { name },
    spec: {
      hosts: [HOST],
      http: [
        { name: 'primary', route: [destination('stable', 100), destination('canary', 0)] },
        { name: 'other', match: [{ uri: { prefix: '/other' } }], route: [{ destination: { host: stable } }] },
      ],
    },
  };
  if (!subset) return [vs];
  const dr = {
    apiVersion: 'networking.istio.io/v1alpha3',
    kind: 'DestinationRule',
    metadata: { name },
    spec: {
      host: stable,
      subsets: [
        { name: 'canary', labels: { app: name } },
        { name: 'stable', labels: { app: name } },
      ],
    },
  };
  return [vs, dr];
}

/** Creates plain objects generically (the Argo side: a person or Argo CD applied them). */
export async function createObjects(cluster: ClusterName, namespace: string, docs: unknown[]): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(admin(cluster));
  for (const doc of docs as { metadata: Record<string, unknown> }[]) {
    await api.create({ ...doc, metadata: { ...doc.metadata, namespace } });
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** A destination as `host[/subset]=weight`, the subset's hash shown as its revision. */
function destinations(route: unknown): string {
  return list(obj(route).route)
    .map((d) => {
      const dest = obj(obj(d).destination);
      const subset = typeof dest.subset === 'string' ? `/${dest.subset}` : '';
      return `${String(dest.host)}${subset}=${JSON.stringify(obj(d).weight ?? '-')}`;
    })
    .join(',');
}

/** What an HTTP route does beyond its destinations (managed header and mirror routes). */
function routeShape(route: unknown): string {
  const r = obj(route);
  const mirror =
    r.mirror === undefined ? '' : ` mirror=${JSON.stringify(r.mirror)}@${JSON.stringify(r.mirrorPercentage)}`;
  const match = r.match === undefined ? '' : ` match=${JSON.stringify(r.match)}`;
  return `${String(r.name)}[${destinations(route)}]${match}${mirror}`;
}

/**
 * The router objects as both implementations must leave them, in one line: the canary Ingress'
 * annotations, class and backends (nginx); the VirtualService routes and the DestinationRule
 * subsets' ReplicaSets by revision (Istio). Owner references and labels are not compared: the
 * owner is Argo's Rollout object on one side and rollout-pilot's state on the other.
 */
export async function routerView(
  cluster: ClusterName,
  namespace: string,
  setup: RouterSetup,
  name: string,
  sets: RSFacts[],
): Promise<string> {
  if (setup.kind === 'nginx') {
    const net = admin(cluster).makeApiClient(NetworkingV1Api);
    try {
      const ing = await net.readNamespacedIngress({ name: `${name}-${name}-canary`, namespace });
      const annotations = Object.entries(ing.metadata?.annotations ?? {})
        .filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => `${k.replace('nginx.ingress.kubernetes.io/', '')}=${v}`);
      return `ingress ${annotations.join(' ')} spec=${JSON.stringify(ing.spec)}`;
    } catch {
      return 'no canary ingress';
    }
  }
  const { custom } = clients(cluster);
  const group = { group: 'networking.istio.io', version: 'v1alpha3', namespace };
  const vs = obj(await custom.getNamespacedCustomObject({ ...group, plural: 'virtualservices', name }));
  const routes = list(obj(vs.spec).http).map(routeShape).join(' ');
  if (setup.kind !== 'istio-subset') return `vs ${routes}`;
  const dr = obj(await custom.getNamespacedCustomObject({ ...group, plural: 'destinationrules', name }));
  const revisionOf = (hash: unknown): string =>
    hash === undefined ? '-' : `r${sets.find((rs) => rs.hash === hash)?.revision ?? '?'}`;
  const subsets = list(obj(dr.spec).subsets)
    .map((s) => `${String(obj(s).name)}:${revisionOf(obj(obj(s).labels)['rollouts-pod-template-hash'])}`)
    .join(',');
  return `vs ${routes} dr ${subsets}`;
}
