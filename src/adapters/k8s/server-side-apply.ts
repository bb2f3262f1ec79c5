import type { KubeObject } from '../../controller/ports.ts';
import type { KubeApi } from './api-call.ts';
import { PATCH } from './http.ts';
import { ARGO_MANAGED_BY_ANNOTATION, FIELD_MANAGER } from './names.ts';

/** Server-side apply of plain objects (Services, ConfigMaps ...), one by one, or as a dry run. */
export async function applyObjects(
  api: KubeApi,
  objects: readonly KubeObject[],
  options: { dryRun: boolean; namespace: string },
): Promise<void> {
  for (const obj of objects) {
    const body = {
      ...obj,
      metadata: { ...obj.metadata, namespace: obj.metadata.namespace ?? options.namespace },
    };
    const annotations = obj.metadata.annotations as Record<string, string> | undefined;
    if (obj.kind === 'Service' && annotations?.[ARGO_MANAGED_BY_ANNOTATION] !== undefined) {
      // Applied, it would let Argo Rollouts' controller strip the Service's hash selector.
      const kept = Object.entries(annotations).filter(([k]) => k !== ARGO_MANAGED_BY_ANNOTATION);
      Object.assign(body.metadata, { annotations: Object.fromEntries(kept) });
    }
    const call = {
      verb: options.dryRun ? 'apply (dry run)' : 'apply',
      kind: body.kind,
      namespace: body.metadata.namespace,
      name: body.metadata.name,
    };
    await api.call({ call, write: !options.dryRun }, () =>
      api.objects.patch(
        body,
        undefined,
        options.dryRun ? 'All' : undefined,
        FIELD_MANAGER,
        true,
        PATCH.apply,
      ),
    );
  }
}
