// The demo's manifests, unchanged Argo Rollouts objects: a Rollout routed by the NGINX canary
// annotations (which Traefik's Ingress NGINX provider honours), its two Services, the stable Ingress,
// and an AnalysisTemplate over the 5xx share Traefik measured for the canary Service.
// NGINX rather than Gateway API: it is Argo Rollouts' built-in router (Gateway API is a plugin
// there), the setup most Argo users have, and the canary Ingress becomes a Traefik service of its
// own, whose request metrics are the canary's alone: the analysis needs no join on pod labels.

export const ROLLOUT = 'shop';
export const STABLE_SERVICE = 'shop';
export const CANARY_SERVICE = 'shop-canary';
export const STABLE_INGRESS = 'shop';
/** The canary Ingress rollout-pilot makes beside the stable one (`<rollout>-<stableIngress>-canary`). */
export const CANARY_INGRESS = `${ROLLOUT}-${STABLE_INGRESS}-canary`;
const PORT = 8080;

/**
 * The share of the canary's requests that Traefik answered with 5xx over the last 10 s, and only once
 * the canary had at least 10 requests in it: before that, or before the canary gets any traffic, the
 * result is empty and decides nothing. Traefik's Ingress NGINX provider names the backend of a
 * canary Ingress `<ns>-<stable Ingress>-<stable Service>-<port>-canary@kubernetesingressnginx`; it
 * sends to the canary Service, whose selector rollout-pilot pins to the canary revision.
 */
export function canaryErrorShareQuery(namespace: string): string {
  const service = `service="${namespace}-${STABLE_INGRESS}-${STABLE_SERVICE}-80-canary@kubernetesingressnginx"`;
  const total = `sum(rate(traefik_service_requests_total{${service}}[10s]))`;
  const failed = `sum(rate(traefik_service_requests_total{${service},code=~"5.."}[10s]))`;
  const count = `sum(increase(traefik_service_requests_total{${service}}[10s]))`;
  return `((${failed} or vector(0)) / ${total}) and on() (${count} >= 10)`;
}

/** An Ingress of `ingressClass` that sends every path of `host` to port 80 of `service`. */
export function ingressFor(name: string, host: string, service: string, ingressClass: string): object {
  const backend = { service: { name: service, port: { number: 80 } } };
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name },
    spec: {
      ingressClassName: ingressClass,
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
    },
  };
}

export function demoManifests(options: {
  namespace: string;
  host: string;
  ingressClass: string;
  prometheus: string;
}): object[] {
  const labels = { app: ROLLOUT };
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      metadata: { name: ROLLOUT },
      spec: {
        replicas: 5,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ name: 'shop', image: 'example/shop:1', ports: [{ containerPort: PORT }] }],
          },
        },
        strategy: {
          canary: {
            stableService: STABLE_SERVICE,
            canaryService: CANARY_SERVICE,
            trafficRouting: { nginx: { stableIngress: STABLE_INGRESS } },
            analysis: { templates: [{ templateName: 'error-rate' }] },
            steps: [
              { setWeight: 20 },
              { pause: { duration: '8s' } },
              { setWeight: 50 },
              { pause: {} },
              { setWeight: 80 },
              { pause: { duration: '8s' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AnalysisTemplate',
      metadata: { name: 'error-rate' },
      spec: {
        metrics: [
          {
            name: 'canary-5xx-share',
            interval: '2s',
            // Empty (too few canary requests yet) decides nothing; more than 5% 5xx fails at once.
            failureCondition: 'len(result) > 0 && result[0] > 0.05',
            provider: {
              prometheus: { address: options.prometheus, query: canaryErrorShareQuery(options.namespace) },
            },
          },
        ],
      },
    },
    ...[STABLE_SERVICE, CANARY_SERVICE].map((name) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name },
      spec: { selector: labels, ports: [{ port: 80, targetPort: PORT }] },
    })),
    ingressFor(STABLE_INGRESS, options.host, STABLE_SERVICE, options.ingressClass),
  ];
}
