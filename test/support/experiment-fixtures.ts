import type { TemplateStatus } from '../../src/engine/experiment-types.ts';

/** A template status at 1 available pod of 1, Running, with its Service and pod-template hash. */
export function runningTemplateStatus(
  name: string,
  hash: string,
  serviceName = `exp-${name}`,
): TemplateStatus {
  return {
    name,
    status: 'Running',
    replicas: 1,
    updatedReplicas: 1,
    readyReplicas: 1,
    availableReplicas: 1,
    serviceName,
    podTemplateHash: hash,
  };
}
