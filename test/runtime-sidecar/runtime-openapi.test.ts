/**
 * The runtime's OpenAPI 3.1 document at `/openapi.json`: valid OpenAPI 3.1, every route the app
 * serves (its own and the mounted route groups') documented with its method, request bodies
 * that refuse what the routes refuse, and open without the token while `/v1/*` still needs it,
 * the bearer security documented on `/v1/*` only when there is a token; its address in the
 * line `kitt runtime` (the built CLI) prints when it starts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createRuntimeApp, type RuntimeApp } from "../../src/runtime-sidecar/app.js";
import { OPENAPI_PATH } from "../../src/runtime-sidecar/openapi.js";
import { runtimeRouteGroups } from "../../src/runtime-sidecar/route-groups.js";
import { runtimeSettings } from "../../src/runtime-sidecar/runtime-settings.js";
import { startKitt, type KittRun } from "../support/cli.js";
import { freePort } from "../support/llama.js";

const TOKEN = "runtime-token-0123456789";

interface Operation {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description: string; content?: Record<string, unknown> }>;
  parameters?: Array<{ name: string; in: string }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown>; schemas?: Record<string, unknown> };
}
interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean;
  items?: JsonSchema;
  minLength?: number;
  maxLength?: number;
  maxItems?: number;
  description?: string;
}

let dir: string;
const abort = new AbortController();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kitt-runtime-openapi-"));
});
afterAll(async () => {
  abort.abort();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The runtime app with its real route groups; `/metrics` and `/health` answer without an engine. */
async function runtime(token?: string): Promise<RuntimeApp> {
  const settings = await runtimeSettings(
    { engine: "vllm", host: "127.0.0.1", pod: "p", model: "m", engineTimeout: 1, modelsDir: join(dir, "models"), loraCacheDir: join(dir, "lora") },
    token === undefined ? {} : { KITT_RUNTIME_TOKEN: token },
  );
  return createRuntimeApp({
    metrics: async () => ({ status: 200, body: "kitt_runtime_engine_up 1\n" }),
    health: async () => ({ ready: true }),
    token: settings.token,
    routeGroups: runtimeRouteGroups(settings, abort.signal, {}),
  });
}

async function documentOf(app: RuntimeApp): Promise<OpenApiDocument> {
  const answer = await app.request(OPENAPI_PATH);
  expect(answer.status).toBe(200);
  return (await answer.json()) as OpenApiDocument;
}

/** Every method and path the app serves, `:id` as the document's `{id}`; middleware (`ALL`) and the document itself left out. */
function servedRoutes(app: RuntimeApp): string[] {
  const routes = app.routes.filter((route) => route.method !== "ALL" && route.path !== OPENAPI_PATH).map((route) => `${route.method} ${route.path.replace(/:([A-Za-z_]+)/g, "{$1}")}`);
  return [...new Set(routes)].sort();
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

function bodySchema(doc: OpenApiDocument, path: string): JsonSchema {
  const schema = doc.paths[path]?.post?.requestBody?.content["application/json"]?.schema;
  expect(schema, path).toBeDefined();
  return schema!;
}

describe("the runtime's OpenAPI document", () => {
  it("validates as OpenAPI 3.1, with and without a token", async () => {
    for (const token of [undefined, TOKEN]) {
      const doc = await documentOf(await runtime(token));
      expect(doc.openapi).toBe("3.1.0");
      expect(doc.info.title).toBe("kitt runtime");
      const validation = await new Validator().validate(doc as unknown as Parameters<Validator["validate"]>[0]);
      expect(validation.valid, JSON.stringify(validation.errors)).toBe(true);
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
      for (const ref of refs) expect(doc.components?.schemas?.[ref], ref).toBeDefined();
    }
  });

  it("documents every route the runtime serves, its own and its route groups', with its method", async () => {
    const app = await runtime();
    const served = servedRoutes(app);
    expect(served).toEqual(
      expect.arrayContaining(["GET /metrics", "GET /health", "POST /v1/lora/load", "POST /v1/lora/unload", "GET /v1/lora", "POST /v1/models/download", "GET /v1/models/download/{id}", "GET /v1/models/download/{id}/events"]),
    );
    const doc = await documentOf(app);
    expect(documentedRoutes(doc)).toEqual(served);
    for (const [path, item] of Object.entries(doc.paths)) {
      const pathParams = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const operation of Object.values(item)) {
        expect((operation.parameters ?? []).filter((parameter) => parameter.in === "path").map((parameter) => parameter.name)).toEqual(pathParams);
      }
    }
  });

  it("describes the answers: text exposition, health, 202 downloads, SSE events, {error, code} failures", async () => {
    const doc = await documentOf(await runtime());
    const metrics = doc.paths["/metrics"]!.get!.responses;
    expect(Object.keys(metrics).sort()).toEqual(["200", "503"]);
    for (const answer of Object.values(metrics)) expect(Object.keys(answer.content ?? {})[0]).toMatch(/^text\/plain/);
    expect(Object.keys(doc.paths["/health"]!.get!.responses).sort()).toEqual(["200", "503"]);
    expect(doc.paths["/v1/models/download"]!.post!.responses).toHaveProperty("202");
    expect(Object.keys(doc.paths["/v1/models/download/{id}/events"]!.get!.responses["200"]!.content ?? {})).toEqual(["text/event-stream"]);
    expect(doc.components?.schemas?.RuntimeError).toMatchObject({ required: ["error", "code"] });
    expect(doc.paths["/v1/lora/load"]!.post!.responses["400"]!.content).toEqual({ "application/json": { schema: { $ref: "#/components/schemas/RuntimeError" } } });
  });

  it("documents the bodies the routes read: their fields, which are required, their limits, and no others", async () => {
    const app = await runtime();
    const doc = await documentOf(app);
    const post = (path: string, body: unknown) => app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const load = bodySchema(doc, "/v1/lora/load");
    expect(load).toMatchObject({ type: "object", required: ["lora_name", "artifact_url"], additionalProperties: false });
    expect(load.properties?.lora_name).toMatchObject({ type: "string", minLength: 1, maxLength: 128 });
    expect(bodySchema(doc, "/v1/lora/unload")).toMatchObject({ type: "object", required: ["lora_name"], additionalProperties: false });
    const download = bodySchema(doc, "/v1/models/download");
    expect(download).toMatchObject({ type: "object", required: ["uri", "dest"], additionalProperties: false });
    expect(Object.keys(download.properties ?? {}).sort()).toEqual(["dest", "exclude", "include", "revision", "uri"]);
    expect(download.properties?.include).toMatchObject({ type: "array", maxItems: 100, items: { type: "string", minLength: 1 } });
    // And the routes refuse, with 400 USAGE, what those schemas leave out.
    const refused: Array<[string, unknown]> = [
      ["/v1/lora/load", { artifact_url: "file:///adapters/sql" }],
      ["/v1/lora/load", { lora_name: "", artifact_url: "file:///adapters/sql" }],
      ["/v1/lora/load", { lora_name: "sql", artifact_url: "file:///adapters/sql", extra: true }],
      ["/v1/lora/unload", {}],
      ["/v1/lora/unload", { lora_name: "x".repeat(129) }],
      ["/v1/models/download", { dest: "model" }],
      ["/v1/models/download", { uri: "hf://org/model", dest: "model", include: ["*.json", ""] }],
      ["/v1/models/download", { uri: "hf://org/model", dest: "model", mirror: "elsewhere" }],
    ];
    for (const [path, body] of refused) {
      const answer = await post(path, body);
      expect(answer.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(await answer.json()).toMatchObject({ code: "USAGE" });
    }
  });

  it("answers without the token, while /v1 still needs it; the bearer security is on /v1 only, and only with a token", async () => {
    const guarded = await runtime(TOKEN);
    const doc = await documentOf(guarded);
    expect((await guarded.request("/v1/lora")).status).toBe(401);
    expect(doc.components?.securitySchemes).toEqual({ bearer: { type: "http", scheme: "bearer" } });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const operation of Object.values(item)) {
        if (path.startsWith("/v1/")) {
          expect(operation.security, path).toEqual([{ bearer: [] }]);
          expect(operation.responses, path).toHaveProperty("401");
        } else {
          expect(operation.security ?? [], path).toEqual([]);
          expect(operation.responses, path).not.toHaveProperty("401");
        }
      }
    }

    const open = await documentOf(await runtime());
    expect(open.components?.securitySchemes ?? {}).toEqual({});
    for (const item of Object.values(open.paths)) {
      for (const operation of Object.values(item)) {
        expect(operation.security ?? []).toEqual([]);
        expect(operation.responses).not.toHaveProperty("401");
      }
    }
  });
});

describe("kitt runtime, the process", () => {
  const started: KittRun[] = [];
  afterEach(async () => {
    for (const run of started.splice(0)) {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill("SIGKILL");
      await run.done;
    }
  });

  it("prints the document's address when it starts, and serves it there without the token", async () => {
    const port = await freePort();
    const run = startKitt(["runtime", "--engine", "vllm", "--pod", "p", "--model", "m", "--port", String(port), "--engine-base-url", "http://127.0.0.1:1"], {
      KITT_RUNTIME_TOKEN: TOKEN,
      RUNTIME_PORT: undefined,
      RUNTIME_URL: undefined,
      RUNTIME_METRICS_PATH: undefined,
    });
    started.push(run);
    await run.waitFor(/kitt runtime: serving .*\n/, 30_000);
    expect(run.stdout()).toContain(`(metrics /metrics; /v1 needs the token); OpenAPI http://127.0.0.1:${port}/openapi.json\n`);
    const answer = await fetch(`http://127.0.0.1:${port}/openapi.json`, { signal: AbortSignal.timeout(10_000) });
    expect(answer.status).toBe(200);
    const doc = (await answer.json()) as OpenApiDocument;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.paths["/v1/lora"]?.get?.security).toEqual([{ bearer: [] }]);
    expect((await fetch(`http://127.0.0.1:${port}/v1/lora`, { signal: AbortSignal.timeout(10_000) })).status).toBe(401);
  }, 60_000);
});
