import * as core from '@actions/core';
import { ActionsLogger } from './adapters/actions/logger.ts';
import type { OutputName } from './commands/types.ts';
import { Outputs, parseInputs } from './config/inputs.ts';
import { errorMessage } from './util/errors.ts';

const SECRET_INPUTS = ['datadog-api-key', 'datadog-app-key', 'newrelic-api-key', 'github-token'];

/** The action's edge: inputs in, outputs out, one outer catch. Decisions live below `execute`. */
export async function run(): Promise<void> {
  const log = new ActionsLogger();
  const outputs: Partial<Record<OutputName, string>> = {};
  try {
    for (const name of SECRET_INPUTS) {
      const v = core.getInput(name);
      if (v !== '') core.setSecret(v);
    }
    // A kubeconfig given as content holds credentials; a path does not need hiding.
    const kubeconfig = core.getInput('kubeconfig');
    if (kubeconfig.includes('\n')) core.setSecret(kubeconfig);
    const config = parseInputs((name) => core.getInput(name));
    // Loaded once the inputs are known good: a mistake in them costs no more than Node's start.
    const { execute } = await import('./commands/index.ts');
    const result = await execute(config, {
      log,
      cwd: process.env.GITHUB_WORKSPACE ?? process.cwd(),
      env: process.env,
    });
    Object.assign(outputs, result.outputs);
    if (result.summary !== undefined) {
      core.info(result.summary);
      if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(result.summary, true).write();
    }
    if (result.exitCode !== 0) core.setFailed(outputs.message ?? 'rollout-pilot failed');
  } catch (e) {
    outputs.message = errorMessage(e);
    core.setFailed(outputs.message);
  } finally {
    // Outputs are set on every exit path, so later workflow steps can always branch on them.
    for (const name of Object.values(Outputs)) {
      const v = outputs[name];
      if (v !== undefined) core.setOutput(name, v);
    }
  }
}
