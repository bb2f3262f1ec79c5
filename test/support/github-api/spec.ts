/**
 * GitHub's official OpenAPI description (from `@octokit/openapi`), loaded once per process, with
 * routing (method + path template → operation) and ajv validators compiled lazily per operation.
 *
 * The description is OpenAPI 3.0: schemas use `nullable` and live under `#/components/schemas`.
 * Each component that an operation reaches is converted to plain JSON Schema on first use and
 * registered with ajv under its own id, so only the reachable part of the 13 MB document is ever
 * compiled.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonObject;
}

interface OperationObject {
  operationId: string;
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
  'x-github'?: { category?: string; subcategory?: string };
  externalDocs?: { url?: string };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Json>>;
  components: {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
    [key: string]: Record<string, JsonObject>;
  };
}

export interface Operation {
  operationId: string;
  /** Upper-case HTTP method. */
  method: string;
  /** Path template as the description spells it, e.g. `/repos/{owner}/{repo}/check-runs/{check_run_id}`. */
  path: string;
  category: string;
  subcategory: string;
  hasRequestBody: boolean;
  requestBodyRequired: boolean;
  /** GitHub's documentation page for the operation (what `documentation_url` in errors points at). */
  docsUrl: string;
}

export interface RouteMatch {
  operation: Operation;
  /** Decoded path parameters, still strings. */
  params: Record<string, string>;
}

export interface ValidationProblem {
  /** JSON pointer into the validated value ('' for the value itself). */
  path: string;
  /** The name of the offending field when ajv knows it (the missing property, or the last path segment). */
  field: string;
  keyword: string;
  message: string;
}

export interface ParamsResult {
  ok: boolean;
  /** Where the problem is: a bad path parameter means the route does not exist (GitHub says 404). */
  location?: 'path' | 'query';
  problems: ValidationProblem[];
  path: Record<string, unknown>;
  query: Record<string, unknown>;
}

interface Route {
  operation: Operation;
  regex: RegExp;
  names: string[];
  literalLength: number;
}

interface CompiledOperation {
  pathParams?: ValidateFunction;
  queryParams?: ValidateFunction;
  body?: ValidateFunction | null;
  responses: Map<string, ValidateFunction | null>;
}

const SCHEMA_BASE = 'https://openapi.github.invalid/components/schemas/';
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
/** Path parameters that GitHub lets carry slashes (`heads/feature/x`) when the client does not escape them. */
const SLASHED_PARAMS = new Set(['ref', 'branch']);

export interface SpecTimings {
  /** Reading and parsing `api.github.com.json`. */
  loadMs: number;
  /** Building the route table. */
  indexMs: number;
}

export class OpenApiSpec {
  readonly timings: SpecTimings;
  readonly #doc: OpenApiDocument;
  readonly #routes = new Map<string, Route[]>();
  readonly #byId = new Map<string, { operation: Operation; raw: OperationObject; pathItem: JsonObject }>();
  readonly #compiled = new Map<string, CompiledOperation>();
  readonly #ajv: Ajv;
  readonly #ajvParams: Ajv;
  readonly #registered = new Set<string>();
  readonly #converted = new Map<string, JsonObject>();

  constructor(doc: OpenApiDocument, loadMs: number) {
    const t0 = performance.now();
    this.#doc = doc;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const raw = item[method];
        if (!isObject(raw)) continue;
        const op = raw as unknown as OperationObject;
        const body = op.requestBody ? this.#resolve(op.requestBody) : undefined;
        const operation: Operation = {
          operationId: op.operationId,
          method: method.toUpperCase(),
          path,
          category: op['x-github']?.category ?? '',
          subcategory: op['x-github']?.subcategory ?? '',
          hasRequestBody: body !== undefined,
          requestBodyRequired: body?.['required'] === true,
          docsUrl: op.externalDocs?.url ?? 'https://docs.github.com/rest',
        };
        this.#byId.set(op.operationId, { operation, raw: op, pathItem: item });
        const routes = this.#routes.get(operation.method) ?? [];
        routes.push(compileRoute(operation));
        this.#routes.set(operation.method, routes);
      }
    }
    // Most specific first: more literal characters win over parameters.
    for (const routes of this.#routes.values()) routes.sort((a, b) => b.literalLength - a.literalLength);
    this.#ajv = createAjv(false);
    this.#ajvParams = createAjv(true);
    this.timings = { loadMs, indexMs: performance.now() - t0 };
  }

  /** Every operation the description knows, by operationId. */
  operation(operationId: string): Operation | undefined {
    return this.#byId.get(operationId)?.operation;
  }

  get operationCount(): number {
    return this.#byId.size;
  }

  /** The operation for `method` + raw (still percent-encoded) `pathname`, or undefined (GitHub: 404). */
  match(method: string, pathname: string): RouteMatch | undefined {
    const routes = this.#routes.get(method.toUpperCase());
    if (!routes) return undefined;
    const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
    for (const route of routes) {
      const m = route.regex.exec(trimmed);
      if (!m) continue;
      const params: Record<string, string> = {};
      let ok = true;
      route.names.forEach((name, i) => {
        const value = m[i + 1] ?? '';
        try {
          params[name] = decodeURIComponent(value);
        } catch {
          ok = false;
        }
      });
      if (ok) return { operation: route.operation, params };
    }
    return undefined;
  }

  /**
   * Validates and coerces path and query parameters against the operation's parameter schemas.
   * Unknown query parameters are ignored, as GitHub ignores them.
   */
  validateParams(
    operationId: string,
    pathParams: Record<string, string>,
    query: URLSearchParams,
  ): ParamsResult {
    const compiled = this.#compile(operationId);
    const path: Record<string, unknown> = { ...pathParams };
    const queryValues: Record<string, unknown> = {};
    for (const key of new Set(query.keys())) {
      const all = query.getAll(key);
      queryValues[key] = all.length === 1 ? all[0] : all;
    }
    if (compiled.pathParams && !compiled.pathParams(path)) {
      return {
        ok: false,
        location: 'path',
        problems: problems(compiled.pathParams.errors),
        path,
        query: queryValues,
      };
    }
    if (compiled.queryParams && !compiled.queryParams(queryValues)) {
      return {
        ok: false,
        location: 'query',
        problems: problems(compiled.queryParams.errors),
        path,
        query: queryValues,
      };
    }
    return { ok: true, problems: [], path, query: queryValues };
  }

  /** Problems with a JSON request body, or an empty list. */
  validateBody(operationId: string, body: unknown): ValidationProblem[] {
    const compiled = this.#compile(operationId);
    if (compiled.body === undefined) compiled.body = this.#compileBody(operationId);
    if (compiled.body === null) return [];
    return compiled.body(body) ? [] : problems(compiled.body.errors);
  }

  /**
   * Problems with a response body the fake is about to send, or an empty list. Used to keep the
   * fake honest: its bodies must match what GitHub documents.
   */
  validateResponse(operationId: string, status: number, body: unknown): ValidationProblem[] {
    const compiled = this.#compile(operationId);
    const key = String(status);
    let validate = compiled.responses.get(key);
    if (validate === undefined) {
      validate = this.#compileResponse(operationId, key);
      compiled.responses.set(key, validate);
    }
    if (validate === null) return [];
    return validate(body) ? [] : problems(validate.errors);
  }

  /** Whether the description documents `status` as a response of the operation. */
  documentsStatus(operationId: string, status: number): boolean {
    const entry = this.#byId.get(operationId);
    return entry !== undefined && String(status) in entry.raw.responses;
  }

  #compile(operationId: string): CompiledOperation {
    const cached = this.#compiled.get(operationId);
    if (cached) return cached;
    const entry = this.#byId.get(operationId);
    if (!entry) throw new Error(`unknown operation ${operationId}`);
    const parameters: ParameterObject[] = [];
    const seen = new Set<string>();
    const own = (entry.raw.parameters ?? []).map((p) => this.#resolve(p) as unknown as ParameterObject);
    const shared = (Array.isArray(entry.pathItem['parameters']) ? entry.pathItem['parameters'] : [])
      .filter(isObject)
      .map((p) => this.#resolve(p) as unknown as ParameterObject);
    for (const p of [...own, ...shared]) {
      const key = `${p.in}:${p.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      parameters.push(p);
    }
    const compiled: CompiledOperation = { responses: new Map() };
    const pathSchema = this.#paramsSchema(parameters.filter((p) => p.in === 'path'));
    const querySchema = this.#paramsSchema(parameters.filter((p) => p.in === 'query'));
    if (pathSchema) compiled.pathParams = this.#ajvParams.compile(pathSchema);
    if (querySchema) compiled.queryParams = this.#ajvParams.compile(querySchema);
    this.#compiled.set(operationId, compiled);
    return compiled;
  }

  #paramsSchema(parameters: ParameterObject[]): JsonObject | undefined {
    if (parameters.length === 0) return undefined;
    const properties: JsonObject = {};
    const required: string[] = [];
    for (const p of parameters) {
      properties[p.name] = p.schema ? this.#convert(p.schema, this.#ajvParams) : {};
      if (p.required) required.push(p.name);
    }
    return { type: 'object', properties, required };
  }

  #compileBody(operationId: string): ValidateFunction | null {
    const entry = this.#byId.get(operationId);
    if (!entry?.raw.requestBody) return null;
    const body = this.#resolve(entry.raw.requestBody);
    const schema = jsonSchemaOf(body);
    return schema ? this.#ajv.compile(this.#convert(schema, this.#ajv)) : null;
  }

  #compileResponse(operationId: string, status: string): ValidateFunction | null {
    const entry = this.#byId.get(operationId);
    const response = entry?.raw.responses[status];
    if (!response) return null;
    const schema = jsonSchemaOf(this.#resolve(response));
    return schema ? this.#ajv.compile(this.#convert(schema, this.#ajv)) : null;
  }

  /** Follows a local `$ref` (`#/components/...`) if the object is one. */
  #resolve(value: JsonObject): JsonObject {
    let current = value;
    for (let hops = 0; typeof current['$ref'] === 'string'; hops++) {
      if (hops > 20) throw new Error(`$ref loop at ${current['$ref']}`);
      current = this.#pointer(current['$ref']);
    }
    return current;
  }

  #pointer(ref: string): JsonObject {
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported: ${ref}`);
    let node: Json = this.#doc as unknown as Json;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
      if (!isObject(node) || !(key in node)) throw new Error(`unresolvable $ref ${ref}`);
      node = node[key] ?? null;
    }
    if (!isObject(node)) throw new Error(`$ref ${ref} is not an object`);
    return node;
  }

  /** OpenAPI 3.0 schema → JSON Schema (draft-07) for ajv; component refs become registered ids. */
  #convert(schema: Json, ajv: Ajv): JsonObject {
    return convertSchema(schema, (name) => this.#component(name, ajv));
  }

  #component(name: string, ajv: Ajv): string {
    const id = SCHEMA_BASE + encodeURIComponent(name);
    const registryKey = `${ajv === this.#ajv ? 'b' : 'p'}:${name}`;
    if (this.#registered.has(registryKey)) return id;
    this.#registered.add(registryKey);
    let converted = this.#converted.get(name);
    if (!converted) {
      const source = this.#doc.components.schemas[name];
      if (!source) throw new Error(`unknown component schema ${name}`);
      converted = { $id: id, ...convertSchema(source, (n) => this.#component(n, ajv)) };
      this.#converted.set(name, converted);
    } else {
      // Make sure everything it refers to is registered with this ajv instance as well.
      convertSchema(this.#doc.components.schemas[name] ?? {}, (n) => this.#component(n, ajv));
    }
    ajv.addSchema(converted);
    return id;
  }
}

function createAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: false,
    validateFormats: true,
    unicodeRegExp: false,
  });
  addFormatsModule.default(ajv);
  // Formats the description uses that JSON Schema does not define; GitHub treats them as annotations.
  // GitHub sends "" for unset URL fields that the description types `format: uri` (a deployment
  // status's `environment_url`, for one), so "" has to pass.
  ajv.addFormat(
    'uri',
    (value: string) => value === '' || (/^[a-z][a-z0-9+.-]*:/i.test(value) && URL.canParse(value)),
  );
  for (const format of ['int32', 'int64', 'double', 'float', 'binary', 'byte', 'repo.nwo', 'password']) {
    ajv.addFormat(format, true);
  }
  return ajv;
}

const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);
const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'contains',
  'propertyNames',
  'additionalItems',
]);
const SCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
const DROPPED_KEYWORDS = new Set([
  'description',
  'example',
  'examples',
  'externalDocs',
  'xml',
  'discriminator',
  'title',
]);

function convertSchema(schema: Json, component: (name: string) => string): JsonObject {
  if (!isObject(schema)) return {};
  if (typeof schema['$ref'] === 'string') {
    const ref = schema['$ref'];
    const prefix = '#/components/schemas/';
    if (!ref.startsWith(prefix)) throw new Error(`unsupported schema $ref ${ref}`);
    return { $ref: component(ref.slice(prefix.length)) };
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith('x-') || key === 'nullable') continue;
    if (SCHEMA_MAP_KEYWORDS.has(key) && isObject(value)) {
      const mapped: JsonObject = {};
      for (const [name, sub] of Object.entries(value)) mapped[name] = convertSchema(sub, component);
      out[key] = mapped;
    } else if (SCHEMA_KEYWORDS.has(key) && isObject(value)) {
      out[key] = convertSchema(value, component);
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key] = value.map((sub) => convertSchema(sub, component));
    } else {
      out[key] = value;
    }
  }
  if (schema['nullable'] === true) {
    const type = out['type'];
    if (typeof type === 'string') {
      out['type'] = [type, 'null'];
      if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
      return out;
    }
    return { anyOf: [{ type: 'null' }, out] };
  }
  return out;
}

function jsonSchemaOf(holder: JsonObject): JsonObject | undefined {
  const content = holder['content'];
  if (!isObject(content)) return undefined;
  const media = content['application/json'] ?? Object.entries(content).find(([k]) => k.includes('json'))?.[1];
  if (!isObject(media)) return undefined;
  const schema = media['schema'];
  return isObject(schema) ? schema : undefined;
}

function compileRoute(operation: Operation): Route {
  const names: string[] = [];
  let literalLength = 0;
  const pattern = operation.path
    .split('/')
    .map((segment) => {
      const m = /^\{([^}]+)\}$/.exec(segment);
      if (!m?.[1]) {
        literalLength += segment.length + 1;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      names.push(m[1]);
      return SLASHED_PARAMS.has(m[1]) ? '([^/]+(?:/[^/]+)*?)' : '([^/]+)';
    })
    .join('/');
  return { operation, regex: new RegExp(`^${pattern}$`), names, literalLength };
}

function problems(errors: ErrorObject[] | null | undefined): ValidationProblem[] {
  const seen = new Set<string>();
  const out: ValidationProblem[] = [];
  for (const e of errors ?? []) {
    let message = e.message ?? 'is invalid';
    const params = e.params as Record<string, unknown>;
    if (e.keyword === 'enum' && Array.isArray(params['allowedValues'])) {
      message += `: ${params['allowedValues'].map((v) => JSON.stringify(v)).join(', ')}`;
    }
    const missing = typeof params['missingProperty'] === 'string' ? params['missingProperty'] : undefined;
    const segments = e.instancePath.split('/').filter(Boolean);
    const field = missing ?? segments[segments.length - 1] ?? '';
    const text = e.instancePath ? `${e.instancePath} ${message}` : message;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ path: e.instancePath, field, keyword: e.keyword, message: text });
  }
  return out;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

let loading: Promise<OpenApiSpec> | undefined;

/** Where `@octokit/openapi` keeps the REST description for github.com. */
export function openApiDescriptionPath(): string {
  return createRequire(import.meta.url).resolve('@octokit/openapi/generated/api.github.com.json');
}

/**
 * The github.com REST description, parsed once per process. Reads only `api.github.com.json`;
 * importing the package's index would parse every variant (~0.5 GB).
 */
export function loadSpec(): Promise<OpenApiSpec> {
  loading ??= Promise.resolve().then(() => {
    const t0 = performance.now();
    const doc = JSON.parse(readFileSync(openApiDescriptionPath(), 'utf8')) as OpenApiDocument;
    return new OpenApiSpec(doc, performance.now() - t0);
  });
  return loading;
}
