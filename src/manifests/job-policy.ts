/**
 * What a `job` metric's pod may not do by default: the Pod Security Standards' baseline level
 * (host namespaces, host paths and ports, privileged containers, added capabilities beyond the
 * baseline set, unmasked /proc, unconfined seccomp), plus allowPrivilegeEscalation and running as
 * another ServiceAccount than the namespace's `default`: the action's Role may create Jobs, and a Job
 * must not borrow a more powerful identity. A `{{args.x}}` placeholder where a capability or a
 * ServiceAccount goes is refused too: its value is not known before the measurement. Pure.
 */
import { asList, asObj, asStr, type Obj } from './values.ts';

export interface PodIssue {
  /** Path below the pod spec ('' for the pod spec itself). */
  path: string;
  message: string;
}

/** Capabilities the Pod Security Standards' baseline level lets a container add. */
export const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

function securityContextIssues(sc: Obj | undefined, base: string, container: boolean): PodIssue[] {
  if (sc === undefined) return [];
  const out: PodIssue[] = [];
  const at = (p: string): string => (base === '' ? p : `${base}.${p}`);
  if (container && sc.privileged === true) {
    out.push({
      path: at('privileged'),
      message: 'the container is privileged (it can do anything the node can)',
    });
  }
  if (container && sc.allowPrivilegeEscalation === true) {
    out.push({ path: at('allowPrivilegeEscalation'), message: 'allowPrivilegeEscalation is true' });
  }
  if (container && sc.procMount === 'Unmasked') {
    out.push({ path: at('procMount'), message: "procMount Unmasked exposes the host's /proc" });
  }
  if (asStr(asObj(sc.seccompProfile)?.type) === 'Unconfined') {
    out.push({
      path: at('seccompProfile.type'),
      message: 'seccompProfile Unconfined turns off the syscall filter',
    });
  }
  if (asObj(sc.windowsOptions)?.hostProcess === true) {
    out.push({
      path: at('windowsOptions.hostProcess'),
      message: 'a Windows hostProcess container runs on the host',
    });
  }
  if (container) {
    asList(asObj(sc.capabilities)?.add).forEach((cap, i) => {
      const name = String(cap).toUpperCase().replace(/^CAP_/, '');
      if (!BASELINE_CAPABILITIES.has(name)) {
        out.push({
          path: at(`capabilities.add[${i}]`),
          message: `adds capability ${String(cap)} (beyond the Pod Security Standards' baseline set)`,
        });
      }
    });
  }
  return out;
}

function containerIssues(spec: Obj): PodIssue[] {
  const out: PodIssue[] = [];
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    asList(spec[list]).forEach((c, i) => {
      const container = asObj(c);
      if (container === undefined) return;
      const base = `${list}[${i}]`;
      out.push(...securityContextIssues(asObj(container.securityContext), `${base}.securityContext`, true));
      asList(container.ports).forEach((p, j) => {
        if (asObj(p)?.hostPort !== undefined && asObj(p)?.hostPort !== 0) {
          out.push({ path: `${base}.ports[${j}].hostPort`, message: 'a hostPort listens on the node' });
        }
      });
    });
  }
  return out;
}

/** Every way the pod spec of a `job` metric reaches beyond its own container. */
export function jobPodDiagnostics(spec: Obj): PodIssue[] {
  const out: PodIssue[] = [];
  for (const key of ['hostPID', 'hostIPC', 'hostNetwork'] as const) {
    if (spec[key] === true) {
      out.push({ path: key, message: `${key} shares the node's ${key.slice(4)} namespace` });
    }
  }
  asList(spec.volumes).forEach((v, i) => {
    if (asObj(v)?.hostPath !== undefined) {
      const p = asStr(asObj(asObj(v)?.hostPath)?.path) ?? '';
      out.push({ path: `volumes[${i}].hostPath`, message: `mounts the node's filesystem (hostPath ${p})` });
    }
  });
  out.push(...securityContextIssues(asObj(spec.securityContext), 'securityContext', false));
  out.push(...containerIssues(spec));
  for (const key of ['serviceAccountName', 'serviceAccount'] as const) {
    const sa = spec[key];
    if (sa !== undefined && sa !== null && sa !== 'default') {
      out.push({
        path: key,
        message: `runs as ServiceAccount ${JSON.stringify(sa)} rather than the namespace's default one`,
      });
    }
  }
  return out;
}
