import { createRequire as __rpCreateRequire } from 'node:module'; const require = __rpCreateRequire(import.meta.url);
import{enableCompileCache}from"node:module";function keepCompiledCode(){enableCompileCache()}export{keepCompiledCode};
