/**
 * Schemas of the Argo Rollouts kinds (argoproj.io/v1alpha1, as of Argo Rollouts v1.9): Rollout,
 * AnalysisTemplate / ClusterAnalysisTemplate and Experiment. Field names and required fields follow
 * Argo's Go types (`pkg/apis/rollouts/v1alpha1/{types,analysis_types,experiment_types}.go`): a field
 * without `omitempty` is required in the generated CRD. Pod specs are checked only as far as the
 * containers' names and images; the API server validates the rest. `status` is accepted and ignored.
 */
import { hasPlaceholder, parseGoDuration } from './duration.ts';
import {
  anything,
  arrayOf,
  bool,
  int,
  intOrString,
  mapOf,
  object,
  oneOfValues,
  str,
  stringMap,
  type ObjectSchema,
  type Schema,
} from './schema.ts';
import { judgeProviderSchema } from './judge-rules.ts';

// ---- value checks -----------------------------------------------------------------------------------

/** A Go duration string ("30s", "5m", "1h30m"), or a `{{args.x}}` placeholder resolved later. */
export const goDuration = (): Schema =>
  str((v) =>
    hasPlaceholder(v) || parseGoDuration(v) !== undefined
      ? undefined
      : `must be a duration such as "30s", "5m" or "1h", not ${JSON.stringify(v)}`,
  );

/** int-or-string whose string form is an integer or a `{{args.x}}` placeholder (metric limits). */
const intOrArg = (): Schema =>
  intOrString((v) =>
    typeof v === 'number' || /^-?\d+$/.test(v.trim()) || hasPlaceholder(v)
      ? undefined
      : `must be an integer or a {{args.name}} placeholder, not ${JSON.stringify(v)}`,
  );

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const timestamp = (): Schema =>
  str((v) =>
    RFC3339.test(v)
      ? undefined
      : `must be an RFC 3339 timestamp such as "2026-01-02T15:04:05Z", not ${JSON.stringify(v)}`,
  );

// ---- Kubernetes pieces ------------------------------------------------------------------------------

export const objectMeta = object({
  name: str(),
  generateName: str(),
  namespace: str(),
  labels: stringMap(),
  annotations: stringMap(),
  uid: str(),
  resourceVersion: str(),
  generation: int(),
  creationTimestamp: anything(),
  deletionTimestamp: anything(),
  deletionGracePeriodSeconds: int(),
  finalizers: arrayOf(str()),
  ownerReferences: arrayOf(anything()),
  managedFields: arrayOf(anything()),
  selfLink: str(),
});

export const labelSelector = object({
  matchLabels: stringMap(),
  matchExpressions: arrayOf(
    object(
      {
        key: str(),
        operator: oneOfValues('In', 'NotIn', 'Exists', 'DoesNotExist'),
        values: arrayOf(str()),
      },
      { required: ['key', 'operator'] },
    ),
  ),
});

const container = object({ name: str(), image: str() }, { required: ['name', 'image'], open: true });

/** A PodSpec: containers are checked, everything else is left to the API server. */
const podSpec = object(
  { containers: arrayOf(container), initContainers: arrayOf(container) },
  { required: ['containers'], open: true },
);

export const podTemplate = object({ metadata: objectMeta, spec: podSpec }, { required: ['spec'] });

const jobSpec = object({ template: podTemplate }, { required: ['template'], open: true });

/** Labels and annotations only (PodTemplateMetadata, AnalysisRunMetadata). */
const extraMetadata = object({ labels: stringMap(), annotations: stringMap() });

/** The top level of every Argo object: `spec` is the kind's own, `status` is ignored. */
function topLevel(spec: Schema): ObjectSchema {
  return object(
    { apiVersion: str(), kind: str(), metadata: objectMeta, spec, status: anything() },
    { required: ['spec'] },
  );
}

// ---- analysis references and arguments ------------------------------------------------------------

/** An argument a Rollout passes to its analysis (`AnalysisRunArgument`). */
const rolloutArgument = object(
  {
    name: str(),
    value: str(),
    valueFrom: object(
      {
        podTemplateHashValue: oneOfValues('Stable', 'Latest'),
        fieldRef: object({ fieldPath: str() }, { required: ['fieldPath'] }),
      },
      { exactlyOneOf: [['podTemplateHashValue', 'fieldRef']] },
    ),
  },
  { required: ['name'], atMostOneOf: [['value', 'valueFrom']] },
);

/** An argument declared by a template, or passed by an Experiment (`Argument`). */
const templateArgument = object(
  {
    name: str(),
    value: str(),
    valueFrom: object(
      {
        secretKeyRef: object({ name: str(), key: str() }, { required: ['name', 'key'] }),
        fieldRef: object({ fieldPath: str() }, { required: ['fieldPath'] }),
      },
      { exactlyOneOf: [['secretKeyRef', 'fieldRef']] },
    ),
  },
  { required: ['name'], atMostOneOf: [['value', 'valueFrom']] },
);

const templateRef = object({ templateName: str(), clusterScope: bool() }, { required: ['templateName'] });
const dryRun = object({ metricName: str() }, { required: ['metricName'] });
const measurementRetention = object(
  { metricName: str(), limit: int({ min: 0 }) },
  { required: ['metricName', 'limit'] },
);

const rolloutAnalysisFields = {
  templates: arrayOf(templateRef),
  args: arrayOf(rolloutArgument),
  dryRun: arrayOf(dryRun),
  measurementRetention: arrayOf(measurementRetention),
  analysisRunMetadata: extraMetadata,
};
const rolloutAnalysis = object(rolloutAnalysisFields);
const backgroundAnalysis = object({ ...rolloutAnalysisFields, startingStep: int({ min: 0 }) });

// ---- canary steps -----------------------------------------------------------------------------------

const stringMatch = object(
  { exact: str(), prefix: str(), regex: str() },
  { exactlyOneOf: [['exact', 'prefix', 'regex']] },
);

const experimentStep = object(
  {
    templates: arrayOf(
      object(
        {
          name: str(),
          specRef: oneOfValues('stable', 'canary'),
          replicas: int({ min: 0 }),
          metadata: extraMetadata,
          selector: labelSelector,
          weight: int({ min: 0, max: 100 }),
          service: object({ name: str() }),
        },
        { required: ['name', 'specRef'] },
      ),
    ),
    duration: goDuration(),
    analyses: arrayOf(
      object(
        {
          name: str(),
          templateName: str(),
          clusterScope: bool(),
          args: arrayOf(rolloutArgument),
          requiredForCompletion: bool(),
        },
        { required: ['name', 'templateName'] },
      ),
    ),
    dryRun: arrayOf(dryRun),
    // Argo's RolloutExperimentStep has no measurementRetention (types.go, rollout-crd.yaml).
    analysisRunMetadata: extraMetadata,
    scaleDownDelaySeconds: int({ min: 0 }),
  },
  { required: ['templates'] },
);

/** The kinds of canary step, in Argo's order. */
export const STEP_KINDS = [
  'setWeight',
  'pause',
  'setCanaryScale',
  'analysis',
  'experiment',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

const canaryStep = object(
  {
    setWeight: int(),
    pause: object({ duration: intOrString() }),
    setCanaryScale: object(
      { replicas: int({ min: 0 }), weight: int({ min: 0, max: 100 }), matchTrafficWeight: bool() },
      { exactlyOneOf: [['replicas', 'weight', 'matchTrafficWeight']] },
    ),
    analysis: rolloutAnalysis,
    experiment: experimentStep,
    setHeaderRoute: object({
      name: str(),
      match: arrayOf(
        object({ headerName: str(), headerValue: stringMatch }, { required: ['headerName', 'headerValue'] }),
      ),
    }),
    setMirrorRoute: object(
      {
        name: str(),
        match: arrayOf(object({ method: stringMatch, path: stringMatch, headers: mapOf(stringMatch) })),
        percentage: int({ min: 0, max: 100 }),
      },
      { required: ['name'] },
    ),
    plugin: object({ name: str(), config: anything() }, { required: ['name'] }),
  },
  { exactlyOneOf: [STEP_KINDS] },
);

// ---- traffic routing --------------------------------------------------------------------------------

const istioVirtualService = object(
  {
    name: str(),
    routes: arrayOf(str()),
    tlsRoutes: arrayOf(object({ port: int(), sniHosts: arrayOf(str()) })),
    tcpRoutes: arrayOf(object({ port: int() })),
  },
  { required: ['name'] },
);

export const TRAFFIC_ROUTERS = [
  'istio',
  'nginx',
  'alb',
  'smi',
  'ambassador',
  'appMesh',
  'traefik',
  'apisix',
  'plugins',
] as const;

const trafficRouting = object({
  istio: object(
    {
      virtualService: istioVirtualService,
      virtualServices: arrayOf(istioVirtualService),
      destinationRule: object(
        {
          name: str(),
          canarySubsetName: str(),
          stableSubsetName: str(),
          additionalSubsetNames: arrayOf(str()),
        },
        { required: ['name', 'canarySubsetName', 'stableSubsetName'] },
      ),
    },
    { exactlyOneOf: [['virtualService', 'virtualServices']] },
  ),
  nginx: object(
    {
      annotationPrefix: str(),
      stableIngress: str(),
      stableIngresses: arrayOf(str()),
      additionalIngressAnnotations: stringMap(),
      canaryIngressAnnotations: stringMap(),
    },
    { exactlyOneOf: [['stableIngress', 'stableIngresses']] },
  ),
  alb: object(
    {
      ingress: str(),
      ingresses: arrayOf(str()),
      servicePort: int({ min: 1, max: 65535 }),
      rootService: str(),
      annotationPrefix: str(),
      stickinessConfig: object(
        { enabled: bool(), durationSeconds: int({ min: 0 }) },
        { required: ['enabled', 'durationSeconds'] },
      ),
    },
    { required: ['servicePort'], exactlyOneOf: [['ingress', 'ingresses']] },
  ),
  smi: object({ rootService: str(), trafficSplitName: str() }),
  ambassador: object({ mappings: arrayOf(str()) }, { required: ['mappings'] }),
  appMesh: object({
    virtualService: object({ name: str(), routes: arrayOf(str()) }, { required: ['name'] }),
    virtualNodeGroup: object(
      {
        canaryVirtualNodeRef: object({ name: str() }, { required: ['name'] }),
        stableVirtualNodeRef: object({ name: str() }, { required: ['name'] }),
      },
      { required: ['canaryVirtualNodeRef', 'stableVirtualNodeRef'] },
    ),
  }),
  traefik: object({ weightedTraefikServiceName: str() }, { required: ['weightedTraefikServiceName'] }),
  apisix: object({ route: object({ name: str(), rules: arrayOf(str()) }, { required: ['name'] }) }),
  plugins: mapOf(anything()),
  managedRoutes: arrayOf(object({ name: str() }, { required: ['name'] })),
  maxTrafficWeight: int({ min: 1 }),
});

// ---- strategies -------------------------------------------------------------------------------------

const antiAffinity = object(
  {
    preferredDuringSchedulingIgnoredDuringExecution: object(
      { weight: int({ min: 1, max: 100 }) },
      { required: ['weight'] },
    ),
    requiredDuringSchedulingIgnoredDuringExecution: object({}),
  },
  {
    exactlyOneOf: [
      ['preferredDuringSchedulingIgnoredDuringExecution', 'requiredDuringSchedulingIgnoredDuringExecution'],
    ],
  },
);

const canaryStrategy = object({
  canaryService: str(),
  stableService: str(),
  steps: arrayOf(canaryStep),
  trafficRouting,
  maxUnavailable: intOrString(),
  maxSurge: intOrString(),
  analysis: backgroundAnalysis,
  antiAffinity,
  canaryMetadata: extraMetadata,
  stableMetadata: extraMetadata,
  scaleDownDelaySeconds: int({ min: 0 }),
  scaleDownDelayRevisionLimit: int({ min: 0 }),
  abortScaleDownDelaySeconds: int({ min: 0 }),
  dynamicStableScale: bool(),
  pingPong: object({ pingService: str(), pongService: str() }, { required: ['pingService', 'pongService'] }),
  minPodsPerReplicaSet: int({ min: 1 }),
  replicaProgressThreshold: object(
    { type: oneOfValues('Percent', 'Pod', 'Pods'), value: int({ min: 0 }) },
    { required: ['type', 'value'] },
  ),
});

const blueGreenStrategy = object(
  {
    activeService: str(),
    previewService: str(),
    previewReplicaCount: int({ min: 0 }),
    autoPromotionEnabled: bool(),
    autoPromotionSeconds: int({ min: 0 }),
    maxUnavailable: intOrString(),
    scaleDownDelaySeconds: int({ min: 0 }),
    scaleDownDelayRevisionLimit: int({ min: 0 }),
    prePromotionAnalysis: rolloutAnalysis,
    postPromotionAnalysis: rolloutAnalysis,
    antiAffinity,
    previewMetadata: extraMetadata,
    activeMetadata: extraMetadata,
    abortScaleDownDelaySeconds: int({ min: 0 }),
  },
  { required: ['activeService'] },
);

// ---- Rollout ----------------------------------------------------------------------------------------

export const rolloutSchema = topLevel(
  object(
    {
      replicas: int({ min: 0 }),
      selector: labelSelector,
      template: podTemplate,
      workloadRef: object(
        {
          apiVersion: str(),
          kind: str(),
          name: str(),
          scaleDown: oneOfValues('never', 'onsuccess', 'progressively'),
        },
        { required: ['apiVersion', 'kind', 'name'] },
      ),
      minReadySeconds: int({ min: 0 }),
      rollbackWindow: object({ revisions: int({ min: 0 }) }),
      strategy: object(
        { canary: canaryStrategy, blueGreen: blueGreenStrategy },
        { exactlyOneOf: [['canary', 'blueGreen']] },
      ),
      revisionHistoryLimit: int({ min: 0 }),
      paused: bool(),
      progressDeadlineSeconds: int({ min: 0 }),
      progressDeadlineAbort: bool(),
      restartAt: timestamp(),
      analysis: object({
        successfulRunHistoryLimit: int({ min: 0 }),
        unsuccessfulRunHistoryLimit: int({ min: 0 }),
      }),
    },
    { required: ['strategy'] },
  ),
);

// ---- AnalysisTemplate / ClusterAnalysisTemplate -----------------------------------------------------

const header = object({ key: str(), value: str() }, { required: ['key', 'value'] });
const oauth2 = object({ tokenUrl: str(), clientId: str(), clientSecret: str(), scopes: arrayOf(str()) });
const scopeDetail = object(
  { scope: str(), region: str(), step: int(), start: str(), end: str() },
  { required: ['scope', 'region', 'step', 'start', 'end'] },
);

export const METRIC_PROVIDERS = [
  'prometheus',
  'datadog',
  'newRelic',
  'web',
  'job',
  'kayenta',
  'wavefront',
  'cloudWatch',
  'graphite',
  'influxdb',
  'skywalking',
  'plugin',
  'judge', // rollout-pilot's own (judge-rules.ts)
] as const;

const metricProvider = object(
  {
    prometheus: object({
      address: str(),
      query: str(),
      authentication: object({
        sigv4: object({ region: str(), profile: str(), roleArn: str() }),
        oauth2,
        basicAuth: object({ username: str(), password: str() }),
      }),
      timeout: int({ min: 0 }),
      insecure: bool(),
      headers: arrayOf(header),
      rangeQuery: object({ start: str(), end: str(), step: str() }),
    }),
    datadog: object({
      interval: goDuration(),
      query: str(),
      queries: stringMap(),
      formula: str(),
      apiVersion: oneOfValues('v1', 'v2'),
      aggregator: oneOfValues('avg', 'min', 'max', 'sum', 'last', 'percentile', 'mean', 'l2norm', 'area'),
      secretRef: object({ name: str(), namespaced: bool() }),
      requestTimeout: goDuration(),
    }),
    newRelic: object({ profile: str(), query: str(), timeout: int({ min: 0 }) }, { required: ['query'] }),
    web: object(
      {
        method: oneOfValues('GET', 'POST', 'PUT'),
        url: str(),
        headers: arrayOf(header),
        body: str(),
        jsonBody: anything(),
        timeoutSeconds: int({ min: 0 }),
        jsonPath: str(),
        insecure: bool(),
        authentication: object({ oauth2 }),
      },
      { required: ['url'], atMostOneOf: [['body', 'jsonBody']] },
    ),
    job: object({ metadata: extraMetadata, spec: jobSpec }, { required: ['spec'] }),
    kayenta: object(
      {
        address: str(),
        application: str(),
        canaryConfigName: str(),
        metricsAccountName: str(),
        configurationAccountName: str(),
        storageAccountName: str(),
        threshold: object({ pass: int(), marginal: int() }, { required: ['pass', 'marginal'] }),
        scopes: arrayOf(
          object(
            { name: str(), controlScope: scopeDetail, experimentScope: scopeDetail },
            { required: ['name', 'controlScope', 'experimentScope'] },
          ),
        ),
        lookback: anything(),
      },
      {
        required: [
          'address',
          'application',
          'canaryConfigName',
          'metricsAccountName',
          'configurationAccountName',
          'storageAccountName',
          'threshold',
          'scopes',
        ],
      },
    ),
    wavefront: object({ address: str(), query: str() }),
    cloudWatch: object(
      {
        interval: goDuration(),
        metricDataQueries: arrayOf(
          object({
            id: str(),
            expression: str(),
            label: str(),
            metricStat: object({
              metric: object({
                dimensions: arrayOf(object({ name: str(), value: str() })),
                metricName: str(),
                namespace: str(),
              }),
              period: intOrString(),
              stat: str(),
              unit: str(),
            }),
            period: intOrString(),
            returnData: bool(),
          }),
        ),
      },
      { required: ['metricDataQueries'] },
    ),
    graphite: object({ address: str(), query: str() }),
    influxdb: object({ profile: str(), query: str() }),
    skywalking: object({ address: str(), query: str(), interval: goDuration() }),
    plugin: mapOf(anything()),
    judge: judgeProviderSchema,
  },
  { exactlyOneOf: [METRIC_PROVIDERS] },
);

const metric = object(
  {
    name: str(),
    interval: goDuration(),
    initialDelay: goDuration(),
    count: intOrArg(),
    successCondition: str(),
    failureCondition: str(),
    failureLimit: intOrArg(),
    inconclusiveLimit: intOrArg(),
    consecutiveErrorLimit: intOrArg(),
    consecutiveSuccessLimit: intOrArg(),
    provider: metricProvider,
  },
  { required: ['name', 'provider'] },
);

export const analysisTemplateSchema = topLevel(
  object({
    metrics: arrayOf(metric),
    args: arrayOf(templateArgument),
    dryRun: arrayOf(dryRun),
    measurementRetention: arrayOf(measurementRetention),
    templates: arrayOf(templateRef),
  }),
);

// ---- Experiment -------------------------------------------------------------------------------------

export const experimentSchema = topLevel(
  object(
    {
      templates: arrayOf(
        object(
          {
            name: str(),
            replicas: int({ min: 0 }),
            minReadySeconds: int({ min: 0 }),
            selector: labelSelector,
            template: podTemplate,
            service: object({ name: str() }),
          },
          { required: ['name', 'selector', 'template'] },
        ),
      ),
      duration: goDuration(),
      progressDeadlineSeconds: int({ min: 0 }),
      terminate: bool(),
      analyses: arrayOf(
        object(
          {
            name: str(),
            templateName: str(),
            clusterScope: bool(),
            args: arrayOf(templateArgument),
            requiredForCompletion: bool(),
          },
          { required: ['name', 'templateName'] },
        ),
      ),
      scaleDownDelaySeconds: int({ min: 0 }),
      dryRun: arrayOf(dryRun),
      measurementRetention: arrayOf(measurementRetention),
      analysisRunMetadata: extraMetadata,
    },
    { required: ['templates'] },
  ),
);
