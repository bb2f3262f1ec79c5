import { parseArgs } from 'node:util';
import { Commands, Inputs, parseInputs } from './config/inputs.ts';
import { errorMessage, formatDiagnostic, type Diagnostic } from './util/errors.ts';
import { keepCompiledCode } from './util/compile-cache.ts';
import { boundLines, type Logger } from './util/logger.ts';

const USAGE = `usage: rollout-pilot <command> [options]

commands: ${Commands.join(', ')}
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

class ConsoleLogger implements Logger {
  info(message: string): void {
    process.stdout.write(`${boundLines(message)}\n`);
  }
  warn(message: string, at?: Diagnostic): void {
    process.stderr.write(`warning: ${boundLines(at ? formatDiagnostic(at) : message)}\n`);
  }
  error(message: string, at?: Diagnostic): void {
    process.stderr.write(`error: ${boundLines(at ? formatDiagnostic(at) : message)}\n`);
  }
  async group<T>(title: string, body: () => Promise<T>): Promise<T> {
    process.stdout.write(`── ${title}\n`);
    return body();
  }
}

export async function main(argv: string[]): Promise<number> {
  const options = Object.fromEntries(
    Object.values(Inputs)
      .filter((n) => n !== 'command')
      .map((n) => [
        n,
        {
          type: 'string' as const,
          multiple: n === 'manifests' || n === 'image',
          ...(n === 'namespace' ? { short: 'n' } : {}),
        },
      ]),
  );
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...options,
      help: { type: 'boolean' },
      watch: { type: 'boolean', short: 'w' },
      'to-revision': { type: 'string' },
    },
    allowPositionals: true,
  });
  if (values.help === true || positionals.length === 0) {
    process.stdout.write(`${USAGE}\n`);
    return values.help === true ? 0 : 1;
  }
  const log = new ConsoleLogger();
  try {
    const get = (name: string): string => {
      if (name === 'command') return positionals[0] ?? '';
      const v = (values as Record<string, string | string[] | boolean | undefined>)[name];
      return Array.isArray(v) ? v.join('\n') : typeof v === 'string' ? v : '';
    };
    const isGet = positionals[0] === 'get';
    const getName = positionals.filter((p, i) => i > 0 && !(i === 1 && p === 'rollout'))[0];
    const config = parseInputs((name) =>
      isGet && name === 'command' ? 'status' : isGet && name === 'rollout' && getName ? getName : get(name),
    );
    const toRevision = values['to-revision'];
    if (typeof toRevision === 'string') config.toRevision = Number(toRevision);
    const ctx = { log, cwd: process.cwd(), env: process.env };
    if (isGet) {
      const watch = values.watch === true;
      const stop = new AbortController();
      process.once('SIGINT', () => {
        stop.abort();
      });
      const screen = (text: string): void => {
        process.stdout.write(
          `${watch && process.stdout.isTTY ? '\x1b[H\x1b[2J' : ''}${text}\n${watch ? '\n' : ''}`,
        );
      };
      const { get: getRollout } = await import('./commands/get.ts');
      return (await getRollout(config, ctx, { watch, write: screen, signal: stop.signal })).exitCode;
    }
    // Loaded once the inputs are known good: a mistyped flag costs no more than Node's start.
    const { execute } = await import('./commands/index.ts');
    const result = await execute(config, ctx);
    if (result.summary !== undefined) process.stdout.write(`${result.summary}\n`);
    if (result.exitCode !== 0 && result.outputs.message) log.error(result.outputs.message);
    return result.exitCode;
  } catch (e) {
    log.error(errorMessage(e));
    return 1;
  }
}

keepCompiledCode();
process.exitCode = await main(process.argv.slice(2));
