import { enableCompileCache } from 'node:module';

/**
 * Lets Node keep V8's compiled code of the bundle on disk (`node-compile-cache` in the OS temp
 * folder) and reuse it at the next start on the same machine: compiling the code a command loads is
 * the largest part of a start (docs/benchmarks.md). The first start on a machine fills the cache; a
 * cache of another Node version or another bundle is not used. NODE_DISABLE_COMPILE_CACHE=1 turns it
 * off; a folder that cannot be written only means no cache.
 */
export function keepCompiledCode(): void {
  enableCompileCache();
}
