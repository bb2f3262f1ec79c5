/**
 * An Experiment template's Service, as Argo's experiment controller makes it
 * (experiments/experiment.go createTemplateService): one port per container port of the pod
 * template (its protocol, its number as both port and targetPort, its name when it has one), named
 * `service.name` or else after the ReplicaSet. No ports, no Service. Pure.
 */
import { experimentReplicaSetName } from './experiment-templates.ts';

export interface ExperimentServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort: number;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The Service ports for a pod template (`{metadata, spec}`), in container order. */
export function experimentServicePorts(podTemplate: unknown): ExperimentServicePort[] {
  const spec = record(record(podTemplate)?.spec);
  const ports: ExperimentServicePort[] = [];
  for (const container of list(spec?.containers)) {
    for (const raw of list(record(container)?.ports)) {
      const p = record(raw);
      const number = p?.containerPort;
      if (p === undefined || typeof number !== 'number') continue;
      const name = typeof p.name === 'string' && p.name !== '' ? p.name : undefined;
      const protocol = typeof p.protocol === 'string' && p.protocol !== '' ? p.protocol : undefined;
      ports.push({
        ...(name === undefined ? {} : { name }),
        ...(protocol === undefined ? {} : { protocol }),
        port: number,
        targetPort: number,
      });
    }
  }
  return ports;
}

/** The engine's `hasPorts`: whether Argo would make the template's Service at all. */
export function templateHasPorts(podTemplate: unknown): boolean {
  return experimentServicePorts(podTemplate).length > 0;
}

/** The Service's name: `service.name`, or else the ReplicaSet's (`<experiment>-<template>`). */
export function experimentServiceName(
  experiment: string,
  template: { name: string; service?: { name?: string } | undefined },
): string {
  const named = template.service?.name;
  return named === undefined || named === '' ? experimentReplicaSetName(experiment, template.name) : named;
}
