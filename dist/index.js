import { createRequire as __rpCreateRequire } from 'node:module'; const require = __rpCreateRequire(import.meta.url);
import{keepCompiledCode}from"./chunks/chunk-SOMNJC23.js";import"./chunks/chunk-X4XYTVPB.js";keepCompiledCode();var{run}=await import("./chunks/main-QQXLMOHK.js");await run();
