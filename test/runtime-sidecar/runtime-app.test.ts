/**
 * The runtime app's mounting of route groups and its token guard: `/v1/*` needs the token when
 * one is set, `/metrics` and `/health` never do (scrapers and probes carry none).
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { createRuntimeApp, type RouteGroup } from "../../src/runtime-sidecar/app.js";
import { runtimeSettings, type RuntimeFlags } from "../../src/runtime-sidecar/runtime-settings.js";

const TOKEN = "runtime-token-0123456789";

/** A group as the adapter and download groups are written: full paths, its own env and schema. */
function adapterGroup(): RouteGroup {
  const loaded: string[] = [];
  return new Hono()
    .post("/v1/lora/load", async (c) => {
      const { lora_name } = await c.req.json<{ lora_name: string }>();
      loaded.push(lora_name);
      return c.json({ loaded: lora_name });
    })
    .get("/v1/lora", (c) => c.json({ adapters: loaded }));
}

function app(token?: string) {
  return createRuntimeApp({
    metrics: async () => ({ status: 200, body: "kitt_runtime_engine_up 1\n" }),
    health: async () => ({ ready: true }),
    token,
    routeGroups: [adapterGroup(), new Hono().get("/v1/models/download/status", (c) => c.json({ downloads: [] }))],
  });
}

const load = (bearer?: string) =>
  new Request("http://runtime/v1/lora/load", {
    method: "POST",
    headers: { "content-type": "application/json", ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }) },
    body: JSON.stringify({ lora_name: "sql" }),
  });

describe("createRuntimeApp", () => {
  it("mounts every route group at its own paths", async () => {
    const runtime = app();
    expect(await (await runtime.request(load())).json()).toEqual({ loaded: "sql" });
    expect(await (await runtime.request("/v1/lora")).json()).toEqual({ adapters: ["sql"] });
    expect(await (await runtime.request("/v1/models/download/status")).json()).toEqual({ downloads: [] });
    const missing = await runtime.request("/v1/nothing");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no route GET /v1/nothing" });
  });

  it("guards every /v1 route with the token, and leaves /metrics and /health open", async () => {
    const runtime = app(TOKEN);
    for (const bearer of [undefined, "wrong", `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const refused = await runtime.request(load(bearer));
      expect(refused.status, String(bearer)).toBe(401);
      expect(refused.headers.get("www-authenticate")).toBe('Bearer realm="kitt runtime"');
      expect(JSON.stringify(await refused.json())).not.toContain(TOKEN);
    }
    expect((await runtime.request("/v1/models/download/status")).status).toBe(401);
    expect((await runtime.request("/v1/nothing")).status).toBe(401);

    expect(await (await runtime.request(load(TOKEN))).json()).toEqual({ loaded: "sql" });
    expect((await runtime.request("/v1/lora", { headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
    expect((await runtime.request("/metrics")).status).toBe(200);
    expect((await runtime.request("/health")).status).toBe(200);
  });

  it("answers a failing route with 500 and one line, and keeps serving", async () => {
    const runtime = createRuntimeApp({
      metrics: async () => ({ status: 200, body: "" }),
      health: async () => ({ ready: true }),
      routeGroups: [new Hono().get("/v1/boom", () => { throw new Error("disk full\nat somewhere"); })],
    });
    const failed = await runtime.request("/v1/boom");
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: "disk full" });
    expect((await runtime.request("/health")).status).toBe(200);
  });
});

describe("runtimeSettings", () => {
  const flags: RuntimeFlags = { engine: "vllm", host: "127.0.0.1", pod: "p", model: "m", engineTimeout: 5 };

  it("has Kthena's defaults", async () => {
    const settings = await runtimeSettings(flags, {});
    expect(settings).toMatchObject({ port: 9000, engineBaseUrl: "http://localhost:8000", engineMetricsPath: "/metrics", engineTimeoutMs: 5_000 });
    expect(settings.token).toBeUndefined();
  });

  it("listens beyond loopback only with a token, from KITT_RUNTIME_TOKEN or a token file", async () => {
    const wide = { ...flags, host: "0.0.0.0" };
    await expect(runtimeSettings(wide, {})).rejects.toMatchObject({ code: "UNSAFE_BIND" });
    await expect(runtimeSettings(wide, {})).rejects.toBeInstanceOf(KittError);
    expect((await runtimeSettings(wide, { KITT_RUNTIME_TOKEN: TOKEN })).token).toBe(TOKEN);
    expect((await runtimeSettings({ ...flags, host: "::1" }, {})).token).toBeUndefined();
  });
});
