// The Job provider's entry point takes the Job's and the metric's names from the MeasureContext (the
// controller passes them for every provider). No cluster: measureJob is replaced by a recorder.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { JobProvider, type JobMeasureResult } from '../../../src/analysis/providers/job.ts';
import type { JobRef } from '../../../src/analysis/providers/job-naming.ts';
import { ProviderError, type MeasureContext } from '../../../src/analysis/providers/types.ts';

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

/** A JobProvider that records what measureJob is asked for instead of creating a Job. */
class RecordingJobProvider extends JobProvider {
  readonly calls: { job: JobRef; block: Record<string, unknown> }[] = [];
  override measureJob(job: JobRef, block: Record<string, unknown>): Promise<JobMeasureResult> {
    this.calls.push({ job, block });
    return Promise.resolve({
      value: 0,
      display: '0',
      query: `job ${job.name}`,
      forcedPhase: 'Successful',
      metadata: {},
    });
  }
}

function ctx(measurement?: MeasureContext['measurement']): MeasureContext {
  return {
    signal: new AbortController().signal,
    now: new Date('2026-01-01T00:00:00Z'),
    secrets: new Set(),
    ...(measurement === undefined ? {} : { measurement }),
  };
}

describe('JobProvider.measure', () => {
  it('runs the Job named in ctx.measurement, with the block as written', async () => {
    const p = new RecordingJobProvider({ kubeConfig: kubeConfig(), namespace: 'ns' });
    const block = { spec: { template: {} } };
    await p.measure(block, ctx({ jobName: 'run.smoke.1', metricName: 'smoke' }));
    assert.deepEqual(p.calls, [{ job: { name: 'run.smoke.1', metric: 'smoke' }, block }]);
  });

  it('refuses a context without the Job name', async () => {
    const p = new RecordingJobProvider({ kubeConfig: kubeConfig(), namespace: 'ns' });
    for (const c of [ctx(), ctx({ jobName: '', metricName: 'smoke' })]) {
      await assert.rejects(
        p.measure({ spec: {} }, c),
        (e: unknown) => e instanceof ProviderError && /needs the Job's name/.test(e.message),
      );
    }
    assert.equal(p.calls.length, 0);
  });
});
