#!/usr/bin/env node
import { createRequire as __rpCreateRequire } from 'node:module'; const require = __rpCreateRequire(import.meta.url);
import{keepCompiledCode}from"./chunks/chunk-SOMNJC23.js";import{boundLines}from"./chunks/chunk-5QZ6CQ56.js";import{Commands,Inputs,parseInputs}from"./chunks/chunk-FLC3MEM2.js";import{errorMessage,formatDiagnostic}from"./chunks/chunk-KM3JF2B5.js";import"./chunks/chunk-X4XYTVPB.js";import{parseArgs}from"node:util";var USAGE=`usage: rollout-pilot <command> [options]

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
  --help`;var ConsoleLogger=class{info(message){process.stdout.write(`${boundLines(message)}
`)}warn(message,at){process.stderr.write(`warning: ${boundLines(at?formatDiagnostic(at):message)}
`)}error(message,at){process.stderr.write(`error: ${boundLines(at?formatDiagnostic(at):message)}
`)}async group(title,body){process.stdout.write(`\u2500\u2500 ${title}
`);return body()}};async function main(argv){const options=Object.fromEntries(Object.values(Inputs).filter(n=>n!=="command").map(n=>[n,{type:"string",multiple:n==="manifests"||n==="image",...n==="namespace"?{short:"n"}:{}}]));const{values,positionals}=parseArgs({args:argv,options:{...options,help:{type:"boolean"},watch:{type:"boolean",short:"w"},"to-revision":{type:"string"}},allowPositionals:true});if(values.help===true||positionals.length===0){process.stdout.write(`${USAGE}
`);return values.help===true?0:1}const log=new ConsoleLogger;try{const get=name=>{if(name==="command")return positionals[0]??"";const v=values[name];return Array.isArray(v)?v.join("\n"):typeof v==="string"?v:""};const isGet=positionals[0]==="get";const getName=positionals.filter((p,i)=>i>0&&!(i===1&&p==="rollout"))[0];const config=parseInputs(name=>isGet&&name==="command"?"status":isGet&&name==="rollout"&&getName?getName:get(name));const toRevision=values["to-revision"];if(typeof toRevision==="string")config.toRevision=Number(toRevision);const ctx={log,cwd:process.cwd(),env:process.env};if(isGet){const watch=values.watch===true;const stop=new AbortController;process.once("SIGINT",()=>{stop.abort()});const screen=text=>{process.stdout.write(`${watch&&process.stdout.isTTY?"\x1B[H\x1B[2J":""}${text}
${watch?"\n":""}`)};const{get:getRollout}=await import("./chunks/get-FKXTYGR2.js");return(await getRollout(config,ctx,{watch,write:screen,signal:stop.signal})).exitCode}const{execute}=await import("./chunks/commands-BGC7RLRI.js");const result=await execute(config,ctx);if(result.summary!==void 0)process.stdout.write(`${result.summary}
`);if(result.exitCode!==0&&result.outputs.message)log.error(result.outputs.message);return result.exitCode}catch(e){log.error(errorMessage(e));return 1}}keepCompiledCode();process.exitCode=await main(process.argv.slice(2));export{main};
