/** Reading a Job's outcome from its conditions and its pods' container statuses (Argo's pod policy). */
import type { ContainerStatus, Job, Pod } from '../../adapters/k8s/wire.ts';

/** Waiting reasons of a container that will not start without a change (Argo's terminal pod errors). */
const TERMINAL_WAITING_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

export function isTrue(job: Job, type: string): { reason?: string; message?: string } | undefined {
  const c = job.status?.conditions?.find((x) => x.type === type && x.status === 'True');
  if (c === undefined) return undefined;
  return {
    ...(c.reason === undefined ? {} : { reason: c.reason }),
    ...(c.message === undefined ? {} : { message: c.message }),
  };
}

export function containerStatuses(pod: Pod): ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

/** Newest pod first. */
export function byNewest(pods: Pod[]): Pod[] {
  const t = (p: Pod): number => {
    const c = p.metadata?.creationTimestamp;
    return c === undefined ? 0 : new Date(c).getTime();
  };
  return [...pods].sort((a, b) => t(b) - t(a));
}

/** The newest container that exited non-zero: its exit code and a description. */
export function failedContainer(pods: Pod[]): { code: number; text: string } | undefined {
  for (const pod of byNewest(pods)) {
    for (const cs of containerStatuses(pod)) {
      const term = cs.state?.terminated ?? cs.lastState?.terminated;
      if (term !== undefined && term.exitCode !== 0) {
        const why = [term.reason, term.message].filter((s) => s !== undefined && s !== '').join(': ');
        return {
          code: term.exitCode,
          text: `container ${cs.name} of pod ${pod.metadata?.name ?? '?'} exited with code ${term.exitCode}${why === '' ? '' : ` (${why})`}`,
        };
      }
    }
  }
  return undefined;
}

/** A container that cannot start (image pull), described. */
export function stuckContainer(pods: Pod[]): string | undefined {
  for (const pod of byNewest(pods)) {
    for (const cs of containerStatuses(pod)) {
      const waiting = cs.state?.waiting;
      if (waiting?.reason !== undefined && TERMINAL_WAITING_REASONS.has(waiting.reason)) {
        const msg = waiting.message === undefined || waiting.message === '' ? '' : `: ${waiting.message}`;
        return `container ${cs.name} of pod ${pod.metadata?.name ?? '?'} cannot start: ${waiting.reason}${msg}`;
      }
    }
  }
  return undefined;
}

export function selectorOf(job: Job): string {
  const match = job.spec?.selector?.matchLabels;
  if (match !== undefined && Object.keys(match).length > 0) {
    return Object.entries(match)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  }
  return `batch.kubernetes.io/controller-uid=${job.metadata?.uid ?? ''}`;
}
