import { keepCompiledCode } from './util/compile-cache.ts';

keepCompiledCode();
// Loaded after the cache is on, so the compiled code of everything the command loads is kept.
const { run } = await import('./main.ts');
await run();
