#!/usr/bin/env node
import { createRequire as __rpCreateRequire } from 'node:module'; const require = __rpCreateRequire(import.meta.url);
import {
  Commands,
  ConfigurationError,
  Inputs,
  boundLines,
  canaryOf,
  connect,
  currentSetWeight,
  describeStep,
  errorMessage,
  execute,
  formatDiagnostic,
  parseInputs,
  stateFor,
  stepsOf,
  systemClock,
  toEngineRollout
} from "./chunks/chunk-J7LTKG7S.js";

// src/cli.ts
import { parseArgs } from "node:util";

// src/report/bluegreen-tree.ts
function blueGreenRoles(status, rs) {
  const roles = [];
  const updating = status.currentPodHash !== void 0 && status.currentPodHash !== status.stableRS;
  if (rs.hash === status.stableRS) roles.push("stable");
  if (rs.hash === status.blueGreen?.activeSelector) roles.push("active");
  if (updating && rs.hash === status.currentPodHash && rs.hash !== status.blueGreen?.activeSelector)
    roles.push(status.abort ? "aborted" : "preview");
  return roles;
}
function scaleDownDelayInfo(rs, now) {
  if (rs.scaleDownDeadline === void 0 || rs.specReplicas === 0) return void 0;
  const left = Math.ceil((Date.parse(rs.scaleDownDeadline) - now.getTime()) / 1e3);
  if (Number.isNaN(left)) return void 0;
  if (left <= 0) return "delay:passed";
  return `delay:${left >= 60 ? `${Math.floor(left / 60)}m${left % 60}s` : `${left}s`}`;
}
function blueGreenStrategyLines(rollout, status, sets, sub) {
  const bg = rollout.blueGreen;
  const target = (hash) => {
    if (hash === void 0) return "(none)";
    const rs = sets.find((x) => x.hash === hash);
    return rs === void 0 ? hash : `revision ${rs.revision} (${hash})`;
  };
  const analysis = [
    ...bg.prePromotionAnalysis === void 0 ? [] : ["pre-promotion"],
    ...bg.postPromotionAnalysis === void 0 ? [] : ["post-promotion"]
  ];
  return [
    `${sub("ActiveService")}${bg.activeService} \u2192 ${target(status.blueGreen?.activeSelector)}`,
    ...bg.previewService === void 0 ? [] : [`${sub("PreviewService")}${bg.previewService} \u2192 ${target(status.blueGreen?.previewSelector)}`],
    ...analysis.length > 0 ? [`${sub("Analysis")}${analysis.join(", ")}`] : []
  ];
}

// src/report/tree.ts
var ICON = { Healthy: "\u2714", Progressing: "\u25CC", Paused: "\u0965", Degraded: "\u2716" };
function width(text) {
  return Array.from(text).length;
}
function age(from, now) {
  const s = Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / 1e3));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
function renderTree(input) {
  const { rollout, status, now } = input;
  const sets = [...input.replicaSets].sort((a, b) => b.revision - a.revision);
  const role = (rs) => {
    if (rollout.strategy === "blueGreen") return blueGreenRoles(status, rs).join(",");
    const roles = [];
    if (rs.hash === status.stableRS) roles.push("stable");
    if (rs.hash === status.currentPodHash && rs.hash !== status.stableRS) roles.push("canary");
    return roles.join(",");
  };
  const images = sets.filter((rs) => rs.specReplicas > 0 || rs.hash === status.stableRS || rs.hash === status.currentPodHash).flatMap((rs) => rs.images.map((i) => `${i}${role(rs) ? ` (${role(rs)})` : ""}`));
  const available = sets.reduce((n, rs) => n + rs.availableReplicas, 0);
  const current = sets.reduce((n, rs) => n + rs.pods.length, 0);
  const updated = sets.find((rs) => rs.hash === status.currentPodHash)?.pods.length ?? 0;
  const ready = sets.reduce((n, rs) => n + rs.pods.filter((p) => p.ready).length, 0);
  const pad = (k) => `${k}:`.padEnd(17);
  const sub = (k) => `  ${`${k}:`.padEnd(15)}`.padEnd(`  ${k}: `.length);
  const lines = [
    `${pad("Name")}${rollout.name}`,
    `${pad("Namespace")}${rollout.namespace}`,
    `${pad("Status")}${ICON[status.phase] ?? "?"} ${status.phase}`,
    ...status.message ? [`${pad("Message")}${status.message}`] : [],
    ...strategyLines(rollout, status, sets, pad, sub),
    `${pad("Images")}${images[0] ?? ""}`,
    ...images.slice(1).map((i) => `${" ".repeat(17)}${i}`),
    "Replicas:",
    `${sub("Desired")}${rollout.replicas}`,
    `${sub("Current")}${current}`,
    `${sub("Updated")}${updated}`,
    `${sub("Ready")}${ready}`,
    `${sub("Available")}${available}`,
    ""
  ];
  const rows = [["NAME", "KIND", "STATUS", "AGE", "INFO"]];
  rows.push([`\u27F3 ${rollout.name}`, "Rollout", `${ICON[status.phase] ?? "?"} ${status.phase}`, "", ""]);
  sets.forEach((rs, i) => {
    const lastRevision = i === sets.length - 1;
    const branch = lastRevision ? "\u2514\u2500\u2500" : "\u251C\u2500\u2500";
    const stem = lastRevision ? "   " : "\u2502  ";
    rows.push([`${branch}# revision:${rs.revision}`, "", "", "", ""]);
    const rsState = rs.specReplicas === 0 ? "\u2022 ScaledDown" : rs.availableReplicas >= rs.specReplicas ? "\u2714 Healthy" : "\u25CC Progressing";
    const info = [role(rs), scaleDownDelayInfo(rs, now) ?? ""].filter((x) => x !== "").join(",");
    rows.push([`${stem}\u2514\u2500\u2500\u29C9 ${rs.name}`, "ReplicaSet", rsState, age(rs.createdAt, now), info]);
    rs.pods.forEach((p, j) => {
      const last = j === rs.pods.length - 1;
      const podState = p.ready ? "\u2714 Running" : p.reason !== void 0 ? `\u2716 ${p.reason}` : `\u25CC ${p.phase}`;
      rows.push([
        `${stem}   ${last ? "\u2514\u2500\u2500" : "\u251C\u2500\u2500"}\u25A1 ${p.name}`,
        "Pod",
        podState,
        age(p.createdAt, now),
        `ready:${p.ready ? 1 : 0}/1${p.restarts > 0 ? `,restarts:${p.restarts}` : ""}`
      ]);
    });
  });
  const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => width(r[c]))));
  for (const r of rows) {
    lines.push(
      r.map((cell, c) => c < 4 ? cell + " ".repeat(Math.max(0, (widths[c] ?? 0) - width(cell))) : cell).join("  ").trimEnd()
    );
  }
  return lines.join("\n");
}
function strategyLines(rollout, status, sets, pad, sub) {
  if (rollout.strategy === "blueGreen")
    return [`${pad("Strategy")}BlueGreen`, ...blueGreenStrategyLines(rollout, status, sets, sub)];
  const steps = stepsOf(rollout);
  const index = status.currentStepIndex ?? 0;
  return [
    `${pad("Strategy")}Canary`,
    `${sub("Step")}${Math.min(index, steps.length)}/${steps.length}${index < steps.length ? ` (${describeStep(steps[index])})` : ""}`,
    ...weightLines(rollout, status, sets, sub)
  ];
}
function weightLines(rollout, status, sets, sub) {
  const canary = canaryOf(rollout);
  const routing = canary?.trafficRouting;
  if (canary !== void 0 && routing !== void 0) {
    const set = currentSetWeight({
      steps: canary.steps,
      currentStepIndex: status.currentStepIndex,
      aborted: status.abort,
      maxTrafficWeight: routing.maxTrafficWeight
    });
    const routes = status.managedRoutes ?? [];
    return [
      `${sub("SetWeight")}${status.stableRS === status.currentPodHash ? routing.maxTrafficWeight : set}`,
      `${sub("ActualWeight")}${status.trafficWeights?.canary.weight ?? 0}`,
      ...routes.length > 0 ? [`${sub("Routes")}${routes.join(", ")}`] : []
    ];
  }
  const available = sets.reduce((n, rs) => n + rs.availableReplicas, 0);
  const canaryAvailable = sets.find((rs) => rs.hash === status.currentPodHash && rs.hash !== status.stableRS)?.availableReplicas ?? (status.stableRS === status.currentPodHash ? available : 0);
  return [
    `${sub("SetWeight")}${status.canaryWeight}`,
    `${sub("ActualWeight")}${available === 0 ? 0 : Math.round(100 * canaryAvailable / available)}`
  ];
}

// src/commands/get.ts
async function get(config, ctx, options) {
  const { cluster, namespace } = config.rollout === void 0 ? connect(config, ctx) : await stateFor(config, ctx);
  for (; ; ) {
    const names = config.rollout === void 0 ? await cluster.managedRollouts(namespace) : [config.rollout];
    if (names.length === 0)
      throw new ConfigurationError(`no rollout in ${namespace} is managed by rollout-pilot`);
    const trees = await Promise.all(names.map((name) => tree(cluster, namespace, name)));
    options.write(trees.map((t) => t.screen).join("\n\n"));
    const phase = trees.length === 1 ? trees[0]?.phase ?? "" : trees.map((t) => `${t.name}=${t.phase}`).join(" ");
    const degraded = trees.some((t) => t.phase === "Degraded");
    if (!options.watch || options.signal?.aborted) return { exitCode: degraded ? 1 : 0, outputs: { phase } };
    await systemClock.sleep(1e3, options.signal);
    if (options.signal?.aborted) return { exitCode: 0, outputs: { phase } };
  }
}
async function tree(cluster, namespace, name) {
  const state = await cluster.readState(namespace, name);
  if (state === void 0) throw new ConfigurationError(`rollout ${name} is gone from ${namespace}`);
  const screen = renderTree({
    rollout: toEngineRollout(state.rollout),
    status: state.status,
    replicaSets: await cluster.details(state.rollout),
    now: systemClock.now()
  });
  return { name, phase: state.status.phase, screen };
}

// src/cli.ts
var USAGE = `usage: rollout-pilot <command> [options]

commands: ${Commands.join(", ")}
          get [rollout] [NAME] [--watch] the rollout as a live tree (no NAME: every one in the namespace)

options (the same as the action's inputs):
  --manifests PATH       file, directory or glob (repeatable)
  --rollout NAME         the Rollout
  --namespace NS
  --image C=IMAGE        container image override (repeatable)
  --kubeconfig PATH
  --max-runtime DUR      e.g. 30m
  --watch-pauses BOOL    keep measuring at a pause without a duration (default true)
  --prometheus-address URL
  --help`;
var ConsoleLogger = class {
  info(message) {
    process.stdout.write(`${boundLines(message)}
`);
  }
  warn(message, at) {
    process.stderr.write(`warning: ${boundLines(at ? formatDiagnostic(at) : message)}
`);
  }
  error(message, at) {
    process.stderr.write(`error: ${boundLines(at ? formatDiagnostic(at) : message)}
`);
  }
  async group(title, body) {
    process.stdout.write(`\u2500\u2500 ${title}
`);
    return body();
  }
};
async function main(argv) {
  const options = Object.fromEntries(
    Object.values(Inputs).filter((n) => n !== "command").map((n) => [
      n,
      {
        type: "string",
        multiple: n === "manifests" || n === "image",
        ...n === "namespace" ? { short: "n" } : {}
      }
    ])
  );
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...options,
      help: { type: "boolean" },
      watch: { type: "boolean", short: "w" },
      "to-revision": { type: "string" }
    },
    allowPositionals: true
  });
  if (values.help === true || positionals.length === 0) {
    process.stdout.write(`${USAGE}
`);
    return values.help === true ? 0 : 1;
  }
  const log = new ConsoleLogger();
  try {
    const get2 = (name) => {
      if (name === "command") return positionals[0] ?? "";
      const v = values[name];
      return Array.isArray(v) ? v.join("\n") : typeof v === "string" ? v : "";
    };
    const isGet = positionals[0] === "get";
    const getName = positionals.filter((p, i) => i > 0 && !(i === 1 && p === "rollout"))[0];
    const config = parseInputs(
      (name) => isGet && name === "command" ? "status" : isGet && name === "rollout" && getName ? getName : get2(name)
    );
    const toRevision = values["to-revision"];
    if (typeof toRevision === "string") config.toRevision = Number(toRevision);
    const ctx = { log, cwd: process.cwd(), env: process.env };
    if (isGet) {
      const watch = values.watch === true;
      const stop = new AbortController();
      process.once("SIGINT", () => {
        stop.abort();
      });
      const screen = (text) => {
        process.stdout.write(
          `${watch && process.stdout.isTTY ? "\x1B[H\x1B[2J" : ""}${text}
${watch ? "\n" : ""}`
        );
      };
      return (await get(config, ctx, { watch, write: screen, signal: stop.signal })).exitCode;
    }
    const result = await execute(config, ctx);
    if (result.summary !== void 0) process.stdout.write(`${result.summary}
`);
    if (result.exitCode !== 0 && result.outputs.message) log.error(result.outputs.message);
    return result.exitCode;
  } catch (e) {
    log.error(errorMessage(e));
    return 1;
  }
}
process.exitCode = await main(process.argv.slice(2));
export {
  main
};
