import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { V1Role } from '@kubernetes/client-node';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../../..');
const role = parse(readFileSync(path.join(root, 'docs/rbac.yaml'), 'utf8')) as V1Role;

/** The verbs docs/rbac.yaml grants on a resource of an API group. */
function verbs(group: string, resource: string): Set<string> {
  const rules = (role.rules ?? []).filter(
    (r) => r.apiGroups?.includes(group) === true && r.resources?.includes(resource) === true,
  );
  return new Set(rules.flatMap((r) => r.verbs));
}

// The objects the traffic routers read and write, which the manifests usually hold too: `run`
// server-side-applies them, and applying an object that does not exist yet needs `create` (the
// API server refused the first apply of a VirtualService with only get and patch).
const ROUTER_OBJECTS: readonly [group: string, resource: string][] = [
  ['networking.k8s.io', 'ingresses'],
  ['networking.istio.io', 'virtualservices'],
  ['networking.istio.io', 'destinationrules'],
  ['gateway.networking.k8s.io', 'httproutes'],
  ['gateway.networking.k8s.io', 'grpcroutes'],
  ['gateway.networking.k8s.io', 'tlsroutes'],
  ['gateway.networking.k8s.io', 'tcproutes'],
];

for (const [group, resource] of ROUTER_OBJECTS) {
  test(`docs/rbac.yaml lets a run apply and patch ${resource}.${group}: get, create, patch`, () => {
    const granted = verbs(group, resource);
    for (const verb of ['get', 'create', 'patch'])
      assert.ok(granted.has(verb), `${verb} on ${resource}.${group}`);
  });
}

test('docs/rbac.yaml grants nothing cluster-wide: a namespaced Role', () => {
  assert.equal(role.kind, 'Role');
  for (const rule of role.rules ?? []) assert.ok(!(rule.resources ?? []).includes('*'));
});

test("docs/rbac.yaml lets an Experiment make and remove its templates' Services: list, create, delete", () => {
  const granted = verbs('', 'services');
  for (const verb of ['get', 'list', 'create', 'delete']) assert.ok(granted.has(verb), `${verb} on services`);
});
