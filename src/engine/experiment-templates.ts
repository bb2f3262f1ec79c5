/**
 * One Experiment template per tick, after Argo's reconcileTemplate (experiments/experiment.go):
 * its ReplicaSet created, scaled or held through the scale-down delay, its Service made or removed,
 * and its status machine (Progressing, Running, Successful, Failed, Error; a completed status never
 * changes). Everything is decided from the status the tick started with, as Argo's reconcile is. Pure.
 */
import { desiredReplicas, passedDuration, templateCompleted } from './experiment-phase.ts';
import type {
  EngineExperimentTemplate,
  ExperimentAction,
  ExperimentInput,
  ExperimentReplicaSet,
  TemplateStatus,
  TemplateStatusCode,
} from './experiment-types.ts';

export interface TemplateOutcome {
  status: TemplateStatus;
  actions: ExperimentAction[];
}

/** Argo's name for a template's ReplicaSet: no hash in it. */
export function experimentReplicaSetName(experiment: string, template: string): string {
  return `${experiment}-${template}`;
}

/** Argo's timestamps are whole seconds once stored. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

interface TemplateTick {
  input: ExperimentInput;
  template: EngineExperimentTemplate;
  terminating: boolean;
  nowIso: string;
}

function serviceActions(
  tick: TemplateTick,
  rs: ExperimentReplicaSet,
  desired: number,
  status: TemplateStatus,
): ExperimentAction[] {
  const { template, input } = tick;
  const exists = input.services[template.name] === true;
  if (template.service === undefined)
    return exists ? [{ kind: 'deleteExperimentService', template: template.name }] : [];
  if (desired !== 0) {
    if (exists || !template.service.hasPorts) return [];
    const name = template.service.name ?? rs.name;
    status.serviceName = name;
    status.podTemplateHash = rs.hash;
    return [{ kind: 'createExperimentService', template: template.name, name }];
  }
  if (rs.availableReplicas !== 0 || !exists) return [];
  status.serviceName = undefined;
  status.podTemplateHash = undefined;
  return [{ kind: 'deleteExperimentService', template: template.name }];
}

/**
 * The replica count to ask of an existing ReplicaSet: when it should go to 0, it first gets a
 * scale-down deadline (now + scaleDownDelaySeconds; a delay of 0 removes any) and keeps the
 * template's replicas until that deadline passes.
 */
function scaleActions(tick: TemplateTick, rs: ExperimentReplicaSet, desired: number): ExperimentAction[] {
  const { input, template } = tick;
  const delay = input.experiment.scaleDownDelaySeconds;
  const actions: ExperimentAction[] = [];
  let deadline = rs.scaleDownDeadline;
  if (desired === 0 && delay === 0 && deadline !== undefined) {
    actions.push({
      kind: 'setExperimentScaleDownDeadline',
      template: template.name,
      name: rs.name,
      deadline: undefined,
    });
    deadline = undefined;
  } else if (desired === 0 && delay > 0 && deadline === undefined) {
    deadline = isoSeconds(input.now + delay * 1000);
    actions.push({
      kind: 'setExperimentScaleDownDeadline',
      template: template.name,
      name: rs.name,
      deadline,
    });
  }
  if (rs.specReplicas === desired) return actions;
  const holding = desired === 0 && deadline !== undefined && Date.parse(deadline) > input.now;
  const target = holding ? template.replicas : desired;
  if (target !== rs.specReplicas) {
    actions.push({
      kind: 'scaleExperimentReplicaSet',
      template: template.name,
      name: rs.name,
      replicas: target,
    });
  }
  return actions;
}

function counts(
  rs: ExperimentReplicaSet | undefined,
): Pick<TemplateStatus, 'replicas' | 'updatedReplicas' | 'readyReplicas' | 'availableReplicas'> {
  return {
    replicas: rs?.replicas ?? 0,
    updatedReplicas: rs?.replicas ?? 0,
    readyReplicas: rs?.readyReplicas ?? 0,
    availableReplicas: rs?.availableReplicas ?? 0,
  };
}

function countsChanged(a: TemplateStatus | undefined, b: TemplateStatus): boolean {
  return (
    (a?.replicas ?? 0) !== b.replicas ||
    (a?.updatedReplicas ?? 0) !== b.updatedReplicas ||
    (a?.readyReplicas ?? 0) !== b.readyReplicas ||
    (a?.availableReplicas ?? 0) !== b.availableReplicas
  );
}

/** The status machine for a template not yet completed. */
function nextCode(
  tick: TemplateTick,
  status: TemplateStatus,
  desired: number,
): { code: TemplateStatusCode; message?: string } {
  const { input, template, terminating } = tick;
  const deadlineSeconds = input.experiment.progressDeadlineSeconds;
  if (desired === status.availableReplicas) {
    const passed = passedDuration(input.experiment, input.status, input.now).passed;
    return { code: passed || terminating ? 'Successful' : 'Running' };
  }
  const from = status.lastTransitionTime === undefined ? input.now : Date.parse(status.lastTransitionTime);
  if (input.now > from + deadlineSeconds * 1000) {
    return {
      code: 'Failed',
      message: `Template '${template.name}' exceeded its progressDeadlineSeconds (${deadlineSeconds})`,
    };
  }
  return { code: terminating ? 'Successful' : 'Progressing' };
}

/** One template's tick: what to do with its ReplicaSet and Service, and its new status. */
export function reconcileTemplate(tick: TemplateTick): TemplateOutcome {
  const { input, template, nowIso } = tick;
  const previous = input.status.templateStatuses.find((t) => t.name === template.name);
  const desired = desiredReplicas(input.experiment, input.status, template);
  const rs = input.replicaSets[template.name];
  const status: TemplateStatus = {
    ...(previous ?? { name: template.name, status: 'Progressing' }),
    ...counts(rs),
  };
  const actions: ExperimentAction[] = [];
  let touched = false;
  if (rs === undefined) {
    if (desired > 0) {
      const name = experimentReplicaSetName(input.experiment.name, template.name);
      actions.push({ kind: 'createExperimentReplicaSet', template: template.name, name, replicas: desired });
      touched = true;
    }
  } else {
    actions.push(...serviceActions(tick, rs, desired, status));
    const scaling = scaleActions(tick, rs, desired);
    actions.push(...scaling);
    touched = rs.specReplicas !== desired;
  }
  if (touched || countsChanged(previous, status)) status.lastTransitionTime = nowIso;
  // A failed create, scale or Service call marks the template Error even once it completed, as in Argo.
  const failure = input.failures[template.name];
  if (failure !== undefined) return { status: { ...status, status: 'Error', message: failure }, actions };
  if (previous !== undefined && templateCompleted(previous.status)) return { status, actions };
  const next = nextCode(tick, status, desired);
  return {
    status: {
      ...status,
      status: next.code,
      ...(next.message === undefined ? {} : { message: next.message }),
    },
    actions,
  };
}
