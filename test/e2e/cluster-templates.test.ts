import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiextensionsV1Api, KubernetesObjectApi } from '@kubernetes/client-node';
import { adminKubeConfig, namespaceWithRole } from '../support/cluster.ts';
import { actionIn, canaryManifests, writeManifests } from '../support/rollout.ts';

/** Argo Rollouts' AnalysisTemplate kind, as a structural stand-in (the CRD a team already has). */
async function installAnalysisTemplateCrd(): Promise<void> {
  const api = adminKubeConfig().makeApiClient(ApiextensionsV1Api);
  try {
    await api.createCustomResourceDefinition({
      body: {
        metadata: { name: 'analysistemplates.argoproj.io' },
        spec: {
          group: 'argoproj.io',
          scope: 'Namespaced',
          names: { plural: 'analysistemplates', singular: 'analysistemplate', kind: 'AnalysisTemplate' },
          versions: [
            {
              name: 'v1alpha1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', x_kubernetes_preserve_unknown_fields: true } },
            },
          ],
        },
      },
    });
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
  }
  // Wait until the kind is served.
  for (let i = 0; i < 50; i++) {
    const crd = await api.readCustomResourceDefinition({ name: 'analysistemplates.argoproj.io' });
    if (crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('an AnalysisTemplate that lives in the cluster (Argo CRDs installed) is used when the manifests lack it', async (t) => {
  await installAnalysisTemplateCrd();
  const { namespace, kubeconfig } = await namespaceWithRole(t);
  const objects = KubernetesObjectApi.makeApiClient(adminKubeConfig());
  await objects.create({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: 'smoke-in-cluster', namespace },
    spec: {
      metrics: [
        {
          name: 'smoke',
          provider: {
            job: {
              spec: {
                backoffLimit: 0,
                template: {
                  spec: { restartPolicy: 'Never', containers: [{ name: 'smoke', image: 'example/smoke:1' }] },
                },
              },
            },
          },
        },
      ],
    },
  } as never);
  const steps = [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'smoke-in-cluster' }] } }];
  const repo = await writeManifests(canaryManifests({ steps }));
  assert.equal((await actionIn(repo, namespace, { manifests: 'rollout.yaml' }, { kubeconfig })).exitCode, 0);
  const run = await actionIn(
    repo,
    namespace,
    { manifests: 'rollout.yaml', image: 'web=example/web:2' },
    { kubeconfig },
  );
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.stdout, /using AnalysisTemplate smoke-in-cluster from the cluster/);
  assert.equal(run.outputs.phase, 'Healthy');
  const analysis = JSON.parse(run.outputs.analysis ?? '[]') as { phase: string }[];
  assert.deepEqual(
    analysis.map((a) => a.phase),
    ['Successful'],
  );

  // Named nowhere: the run refuses before touching anything, naming the file and line.
  const broken = await writeManifests(
    canaryManifests({
      image: 'example/web:3',
      steps: [{ setWeight: 20 }, { analysis: { templates: [{ templateName: 'nowhere' }] } }],
    }),
  );
  const refused = await actionIn(broken, namespace, { manifests: 'rollout.yaml' }, { kubeconfig });
  assert.equal(refused.exitCode, 1);
  assert.match(
    refused.stdout,
    /::error .*file=rollout\.yaml,line=\d+.*AnalysisTemplate "nowhere" is not among the manifests.*not in the cluster either/,
  );
});
