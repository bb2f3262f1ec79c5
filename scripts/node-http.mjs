// `node:http` for the bundle, taken with process.getBuiltinModule instead of an ESM import: Node's
// ESM facade of a built-in reads every export, and node:http's `WebSocket` getter then loads
// Node's own undici (about 90 ms of CPU at every start). The names the bundled code imports.
const http = process.getBuiltinModule('node:http');
export default http;
export const {
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  STATUS_CODES,
  METHODS,
  Server,
  ServerResponse,
  createServer,
  get,
  request,
  validateHeaderName,
  validateHeaderValue,
} = http;
