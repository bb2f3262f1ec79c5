/**
 * A blue-green rollout in its own terms: which revision each Service points at, what each revision
 * runs (images, ready pods), the promotion analysis and when the old pods go. Pure.
 */
import { between, cellCode, clock, code, dayOf, text } from './markdown.ts';
import type { BlueGreenReport, BlueGreenRevision, RolloutReport } from './report-model.ts';
import type { Situation } from './situation.ts';

/** The revision whose pod-template hash is `hash`. */
export function revisionOf(bg: BlueGreenReport, hash: string | undefined): BlueGreenRevision | undefined {
  return hash === undefined ? undefined : bg.revisions.find((r) => r.hash === hash);
}

/** The new revision while it is not the stable one: the preview (or the aborted one). */
export function previewRevision(bg: BlueGreenReport): BlueGreenRevision | undefined {
  if (bg.newHash === undefined || bg.newHash === bg.stableHash) return undefined;
  return revisionOf(bg, bg.newHash);
}

/** What a revision is to the rollout: `active`, `preview`, `stable`, or `previous`. */
export function rolesOf(bg: BlueGreenReport, rev: BlueGreenRevision, aborted: boolean): string[] {
  const updating = bg.newHash !== undefined && bg.newHash !== bg.stableHash;
  if (aborted && updating && rev.hash === bg.newHash) return ['aborted preview'];
  const roles: string[] = [];
  if (rev.hash === bg.activeSelector) roles.push('active');
  const previewed =
    bg.previewService === undefined ? updating && rev.hash === bg.newHash : rev.hash === bg.previewSelector;
  if (previewed) roles.push('preview');
  if (rev.hash === bg.stableHash) roles.push('stable');
  return roles.length > 0 ? roles : ['previous'];
}

/** `revision 2 (`abc123`)`, or the bare hash when no ReplicaSet has it. */
export function revisionName(bg: BlueGreenReport, hash: string | undefined): string {
  if (hash === undefined) return 'nothing';
  const rev = revisionOf(bg, hash);
  return rev === undefined ? code(hash) : `revision ${rev.revision} (${code(hash)})`;
}

/** The facts after the phase: where each Service points. */
export function blueGreenFacts(bg: BlueGreenReport): string[] {
  return [
    'blue-green',
    `active Service ${code(bg.activeService)} → ${revisionName(bg, bg.activeSelector)}`,
    ...(bg.previewService === undefined
      ? []
      : [`preview Service ${code(bg.previewService)} → ${revisionName(bg, bg.previewSelector)}`]),
  ];
}

function imagesCell(rev: BlueGreenRevision): string {
  return rev.images.length === 0 ? '—' : rev.images.map((i) => cellCode(i)).join('<br>');
}

/** When a revision's pods go, from the report's time: `in 4m 12s, at 10:05:00 UTC` or `now`. */
export function scaleDownIn(
  rev: Pick<BlueGreenRevision, 'scaleDownAt' | 'desired'>,
  now: string,
): string | undefined {
  if (rev.scaleDownAt === undefined || rev.desired === 0) return undefined;
  const left = Date.parse(rev.scaleDownAt) - Date.parse(now);
  if (Number.isNaN(left)) return undefined;
  if (left <= 0) return 'now';
  return `in ${between(now, rev.scaleDownAt) ?? '?'}, at ${clock(rev.scaleDownAt, dayOf(now))} UTC`;
}

/** One line per revision on a scale-down deadline: the countdown to its pods going away. */
export function scaleDownLines(r: RolloutReport, bg: BlueGreenReport): string[] {
  return bg.revisions.flatMap((rev) => {
    const when = scaleDownIn(rev, r.updatedAt);
    if (when === undefined) return [];
    const aborted = rolesOf(bg, rev, r.aborted).includes('aborted preview');
    const delay = aborted
      ? `abortScaleDownDelaySeconds ${bg.abortScaleDownDelaySeconds}`
      : `scaleDownDelaySeconds ${bg.scaleDownDelaySeconds}`;
    const who = aborted ? `The aborted preview, revision ${rev.revision},` : `Revision ${rev.revision}`;
    return [`${who} scales down ${when === 'now' ? 'now' : when} (${delay}).`];
  });
}

/** The Services and revisions, in place of a canary's step table. */
export function blueGreenSection(r: RolloutReport, bg: BlueGreenReport): string[] {
  const services = [
    [bg.activeService, 'active', bg.activeSelector] as const,
    ...(bg.previewService === undefined ? [] : [[bg.previewService, 'preview', bg.previewSelector] as const]),
  ];
  const rows = bg.revisions.map((rev) => {
    const by = services.filter(([, , hash]) => hash === rev.hash).map(([name]) => cellCode(name));
    const when = scaleDownIn(rev, r.updatedAt);
    return `| ${rev.revision} | ${rolesOf(bg, rev, r.aborted).join(', ')} | ${cellCode(rev.hash)} | ${imagesCell(rev)} | ${rev.ready}/${rev.desired} | ${by.length > 0 ? by.join(', ') : '—'} | ${when ?? '—'} |`;
  });
  return [
    '### Blue-green',
    '',
    ...services.map(
      ([name, kind, hash]) =>
        `- ${kind === 'active' ? 'Active' : 'Preview'} Service ${code(name)} selects ${revisionName(bg, hash)}`,
    ),
    ...promotionLines(bg),
    '',
    '| revision | role | pod-template hash | images | pods ready/desired | Services | scales down |',
    '|---:|---|---|---|---:|---|---|',
    ...rows,
  ];
}

function promotionLines(bg: BlueGreenReport): string[] {
  const list = (names: string[]): string => names.map((n) => code(n)).join(', ');
  const pause = bg.waitsForPromote
    ? bg.autoPromotionSeconds === undefined
      ? 'waits for a promote'
      : `switches by itself ${bg.autoPromotionSeconds}s after the preview is up (autoPromotionSeconds)`
    : 'switches as soon as the preview is up (autoPromotionEnabled)';
  return [
    `- Before the switch: ${bg.prePromotionTemplates === undefined ? 'no pre-promotion analysis' : `pre-promotion analysis ${list(bg.prePromotionTemplates)}`}; then the rollout ${pause}`,
    `- After the switch: ${bg.postPromotionTemplates === undefined ? 'no post-promotion analysis' : `post-promotion analysis ${list(bg.postPromotionTemplates)}`}; the previous revision keeps its pods ${bg.scaleDownDelaySeconds}s (scaleDownDelaySeconds)`,
  ];
}

/** Whether this revision's pre- or post-promotion run is still measuring. */
function running(r: RolloutReport, kind: 'PrePromotion' | 'PostPromotion', hash: string): boolean {
  return r.analysis.some(
    (a) =>
      a.kind === kind && a.podHash === hash && (a.state.phase === 'Running' || a.state.phase === 'Pending'),
  );
}

interface Words {
  markdown: string;
  plain: string;
}

/** The headline while the rollout moves or waits; undefined where the canary's words fit. */
export function blueGreenVerdict(r: RolloutReport, bg: BlueGreenReport, s: Situation): Words | undefined {
  const preview = previewRevision(bg);
  if (preview === undefined) return undefined;
  const img = preview.images.length > 0 ? preview.images.join(', ') : `revision ${preview.revision}`;
  const imgMd = preview.images.length > 0 ? preview.images.map((i) => code(i)).join(', ') : img;
  const active = `the active Service ${bg.activeService}`;
  const activeMd = `the active Service ${code(bg.activeService)}`;
  const w = (emoji: string, md: string, plain: string): Words => ({
    markdown: `${emoji} ${md}`,
    plain,
  });
  if (s.kind === 'paused') {
    switch (s.why) {
      case 'promote':
        return w(
          '⏸️',
          `Paused: preview ${imgMd} is up, waiting for promote to switch ${activeMd}`,
          `Waiting for promote: preview ${img} is up; ${active} stays on the current revision`,
        );
      case 'timed':
        return w(
          '⏸️',
          `Paused: preview ${imgMd} is up; ${activeMd} switches by itself after ${bg.autoPromotionSeconds ?? 0}s`,
          `Paused: preview ${img} is up; ${active} switches by itself after ${bg.autoPromotionSeconds ?? 0}s`,
        );
      case 'inconclusive':
        return w(
          '⏸️',
          `Paused: promotion analysis of ${imgMd} inconclusive, waiting for promote or abort`,
          `Waiting for a decision: promotion analysis of ${img} inconclusive`,
        );
      case 'manual':
        return w(
          '⏸️',
          `Paused by the pause command: preview ${imgMd}, waiting for promote`,
          `Paused by the pause command: preview ${img}, waiting for promote`,
        );
    }
  }
  if (s.kind !== 'progressing') return undefined;
  const doing = progressingWords(r, bg, preview);
  return w(
    '🔄',
    `Progressing: ${doing.replace('{img}', imgMd)}`,
    `Progressing: ${doing.replace('{img}', img)}`,
  );
}

function progressingWords(r: RolloutReport, bg: BlueGreenReport, preview: BlueGreenRevision): string {
  if (bg.activeSelector === preview.hash) {
    return running(r, 'PostPromotion', preview.hash)
      ? `switched ${text(bg.activeService)} to {img}; post-promotion analysis running`
      : `switched ${text(bg.activeService)} to {img}, promoting it to stable`;
  }
  if (running(r, 'PrePromotion', preview.hash)) return 'pre-promotion analysis of the preview {img} running';
  if (preview.ready < preview.desired || preview.desired === 0)
    return `preview {img} coming up (${preview.ready}/${preview.desired} ready)`;
  return `switching ${text(bg.activeService)} to the preview {img}`;
}
