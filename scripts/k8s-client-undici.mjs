// What the package's modules import from undici, in the bundle: KubeConfig's dispatchers (Agent,
// ProxyAgent) serve only its generated clients and Watch, and the generated transport's fetch only
// those clients; src/ uses neither (src/adapters/k8s/http.ts and watch.ts run on node:https). The
// build resolves the package's `undici` here, so undici (1 MB, and Node's own undici that it pulls
// in at start) is not loaded. Reaching one of these is a bug of the build: it says so.
const unused = (name) => {
  throw new Error(
    `${name}: the bundle leaves undici out (scripts/k8s-client-undici.mjs); use src/adapters/k8s/http.ts`,
  );
};
export class Agent {
  constructor() {
    unused('undici Agent');
  }
}
export class ProxyAgent {
  constructor() {
    unused('undici ProxyAgent');
  }
}
export function fetch() {
  return Promise.reject(unused('undici fetch'));
}
