// What src/ takes from @kubernetes/client-node, from the modules that define it. The package's
// index also loads what rollout-pilot never uses (exec, attach, cp, port-forward, metrics, top,
// log and their dependencies: ws, tar); the build points the package's name here instead, so
// those stay out of dist/. A name src/ starts to use must be added here (the build fails until).
import '@kubernetes/client-node/dist/polyfill.js';
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { KubernetesObjectApi } from '@kubernetes/client-node/dist/object.js';
export { Watch } from '@kubernetes/client-node/dist/watch.js';
export { PatchStrategy } from '@kubernetes/client-node/dist/patch.js';
export { setHeaderOptions } from '@kubernetes/client-node/dist/middleware.js';
export { V1MicroTime } from '@kubernetes/client-node/dist/types.js';
export {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
} from '@kubernetes/client-node/dist/gen/index.js';
