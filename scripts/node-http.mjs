// `node:http` for the bundle's ESM imports, taken with process.getBuiltinModule: Node's ESM facade
// of a built-in reads every export, and node:http's `WebSocket` getter then loads Node's own undici
// (25 to 40 ms of CPU at every start). The default export is the module itself; the named ones are
// its plain values (not the getters: maxHeaderSize, globalAgent and the WebSocket classes stay on
// the default export). CommonJS `require('http')` in bundled packages is left alone (build.mjs):
// it never made a facade.
const http = process.getBuiltinModule('node:http');
export default http;
export const {
  METHODS,
  STATUS_CODES,
  Agent,
  ClientRequest,
  IncomingMessage,
  OutgoingMessage,
  Server,
  ServerResponse,
  createServer,
  validateHeaderName,
  validateHeaderValue,
  get,
  request,
  setMaxIdleHTTPParsers,
} = http;
