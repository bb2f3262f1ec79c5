// What src/ takes from @kubernetes/client-node, from the modules that define it. The package's
// index also loads what rollout-pilot never uses (exec, attach, cp, port-forward, metrics, top,
// log and their dependencies: ws, tar), and its generated API clients, their ObjectSerializer and
// model classes (2 MB), and its Watch (with undici): src/adapters/k8s/ has a client of its own
// (http.ts, typed-api.ts, object-api.ts, watch.ts) over node:https and plain JSON. The build points the package's name here instead, so those stay
// out of dist/. A name src/ starts to use must be added here (the build fails until).
import '@kubernetes/client-node/dist/polyfill.js';
export { KubeConfig } from '@kubernetes/client-node/dist/config.js';
export { ApiException } from '@kubernetes/client-node/dist/gen/apis/exception.js';
