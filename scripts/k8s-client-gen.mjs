// What the package's KubeConfig (dist/config.js) imports from its generated index, for
// makeApiClient: the build resolves that import here, so the index's 759 model classes and their
// ObjectSerializer (0.45 MB, loaded at start for their static fields) stay out of dist/. src/ calls
// no generated client (src/adapters/k8s/typed-api.ts is its own).
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export { ServerConfiguration } from '@kubernetes/client-node/dist/gen/servers.js';
