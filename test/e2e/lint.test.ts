import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runAction } from '../support/action.ts';

test('lint on broken YAML names the file and line and exits 1', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-lint-'));
  await writeFile(
    path.join(dir, 'rollout.yaml'),
    ['apiVersion: v1', 'kind: Service', 'metadata:', '  name: web', '  labels: {app: [web}', ''].join('\n'),
  );
  const run = await runAction({ command: 'lint', manifests: 'rollout.yaml' }, { cwd: dir });
  assert.equal(run.exitCode, 1);
  // The runner turns this into an annotation on rollout.yaml line 5.
  assert.match(run.stdout, /::error file=rollout\.yaml,line=5,col=\d+::rollout\.yaml:5:\d+: invalid YAML/);
  assert.match(run.outputs.message ?? '', /1 problem|2 problems/);
});

test('lint on a valid file exits 0 and says so', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-lint-'));
  await writeFile(
    path.join(dir, 'svc.yaml'),
    'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n',
  );
  const run = await runAction({ command: 'lint', manifests: 'svc.yaml' }, { cwd: dir });
  assert.equal(run.exitCode, 0, run.stdout + run.stderr);
  assert.match(run.outputs.message ?? '', /no problems/);
});

test('lint with a pattern that matches nothing fails clearly', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'rp-lint-'));
  const run = await runAction({ command: 'lint', manifests: 'deploy/*.yaml' }, { cwd: dir });
  assert.equal(run.exitCode, 1);
  assert.match(run.outputs.message ?? '', /"deploy\/\*\.yaml" matches no YAML file/);
});
