/**
 * `GET/PUT /api/v1/settings` over SQLite and PostgreSQL: where each value comes from (saved,
 * environment, default), partial updates, clearing a saved value, validation, the Devon key
 * shown only as set, and saved values surviving a restart of the server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { effectiveSettings } from "../../src/server/settings/effective-settings.js";
import { openStore, type ResultsStore } from "../../src/store/results-store.js";
import { allBackends } from "../store/backends.js";
import { startTestServer, type TestServer } from "./support.js";

const backends = await allBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

const TOKEN = "kitt-token-for-settings-tests";
const ENV_KEY = "env-devon-key-81d2e";
const SAVED_KEY = "saved-devon-key-0a9c3";

describe.each(backends)("kitt web settings on $name", (backend) => {
  const test = it.skipIf(!backend.available);
  let home: string;
  let db: string;
  let store: ResultsStore;
  let web: TestServer;
  let env: NodeJS.ProcessEnv;

  const start = async () => {
    store = await openStore({ url: db });
    web = await startTestServer({ store, authToken: TOKEN, secureCookies: false, env });
  };
  const stop = async () => {
    await web.server.close();
    await store.close();
  };
  const get = async () => {
    const response = await web.fetch("/api/v1/settings", { token: TOKEN });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, Record<string, unknown>>;
  };
  const put = (body: unknown) => web.fetch("/api/v1/settings", { method: "PUT", token: TOKEN, headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

  beforeAll(async () => {
    if (!backend.available) return;
    home = await mkdtemp(join(tmpdir(), "kitt-web-settings-"));
    db = await backend.freshUrl();
    env = { KITT_HOME: home };
    await start();
  });
  afterAll(async () => {
    if (web) await stop();
    if (home) await rm(home, { recursive: true, force: true });
  });

  test("without saved values or environment: kitt's defaults, nothing about Devon", async () => {
    expect(await get()).toEqual({
      model_dir: { value: join(home, "models"), source: "default" },
      results_dir: { value: join(home, "results"), source: "default" },
      devon_url: { value: null, source: "unset" },
      devon_api_key: { set: false, source: "unset" },
      devon_tab: { value: true, source: "default" },
      ollama_url: { value: null, source: "unset" },
    });
  });

  test("the environment applies; a saved value wins over it; null forgets the saved value; the key is only ever 'set'", async () => {
    await stop();
    env = { KITT_HOME: home, KITT_MODEL_DIR: "/srv/env-models", DEVON_URL: "http://devon.env:8000", DEVON_API_KEY: ENV_KEY };
    await start();
    expect(await get()).toMatchObject({
      model_dir: { value: "/srv/env-models", source: "env" },
      devon_url: { value: "http://devon.env:8000", source: "env" },
      devon_api_key: { set: true, source: "env" },
    });

    const written: string[] = [];
    const capture = (chunk: string | Uint8Array) => (written.push(String(chunk)), true);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    let saved: Response;
    try {
      saved = await put({ model_dir: "/srv/saved-models", devon_url: "https://devon.saved.example/base/", devon_api_key: SAVED_KEY, devon_tab: false });
    } finally {
      vi.restoreAllMocks();
    }
    const text = await saved.text();
    expect(saved.status, text).toBe(200);
    expect(JSON.parse(text)).toEqual({
      model_dir: { value: "/srv/saved-models", source: "saved" },
      results_dir: { value: join(home, "results"), source: "default" },
      devon_url: { value: "https://devon.saved.example/base", source: "saved" },
      devon_api_key: { set: true, source: "saved" },
      devon_tab: { value: false, source: "saved" },
      ollama_url: { value: null, source: "unset" },
    });
    expect(text + JSON.stringify(await get())).not.toContain(SAVED_KEY);
    expect(written.join("")).not.toContain(SAVED_KEY);
    // The page handlers' view: the key itself, for the proxy.
    expect((await effectiveSettings(store, env)).devonApiKey).toEqual({ value: SAVED_KEY, source: "saved" });

    // A partial update leaves the rest alone; null goes back to the environment.
    expect((await put({ devon_api_key: null, model_dir: null })).status).toBe(200);
    expect(await get()).toMatchObject({
      model_dir: { value: "/srv/env-models", source: "env" },
      devon_url: { value: "https://devon.saved.example/base", source: "saved" },
      devon_api_key: { set: true, source: "env" },
      devon_tab: { value: false, source: "saved" },
    });
    expect((await effectiveSettings(store, env)).devonApiKey.value).toBe(ENV_KEY);
    expect((await put({})).status).toBe(200);
    expect((await put({ devon_url: null, devon_tab: null })).status).toBe(200);
  });

  test("bad values are refused with 400 naming the setting, never echoing a key", async () => {
    const before = await get();
    const refused: Array<[unknown, RegExp]> = [
      [{ model_dir: "relative/models" }, /^model_dir: must be an absolute path$/],
      [{ results_dir: "/tmp/a\u0000b" }, /^results_dir: no control characters$/],
      [{ devon_url: "ftp://devon.example" }, /^devon_url: must be an http:\/\/ or https:\/\/ URL/],
      [{ devon_url: "http://user:secret@devon.example" }, /^devon_url: must be an http/],
      [{ devon_url: "http://devon.example/?next=1" }, /^devon_url: must be an http/],
      [{ devon_url: "not a url" }, /^devon_url: must be an http/],
      [{ devon_api_key: "has a space-secret-zz" }, /^devon_api_key: printable ASCII without spaces$/],
      [{ devon_api_key: "" }, /^devon_api_key: /],
      [{ devon_tab: "yes" }, /^devon_tab: /],
      [{ no_such_setting: 1 }, /no_such_setting|Unrecognized key/],
      ["{", /./],
      ["[]", /./],
    ];
    for (const [body, message] of refused) {
      const response = await put(body);
      const text = await response.text();
      expect(response.status, `${JSON.stringify(body)}: ${text}`).toBe(400);
      expect((JSON.parse(text) as { error: string }).error).toMatch(message);
      expect(text).not.toContain("space-secret-zz");
    }
    expect(await get()).toEqual(before);
  });

  test("an unusable value in the database is named and not used", async () => {
    await store.db.insertInto("web_settings").values({ key: "results_dir", value: JSON.stringify("not/absolute"), updated_at: Date.now() }).execute();
    await store.db.insertInto("web_settings").values({ key: "ollama_url", value: "{not json", updated_at: Date.now() }).execute();
    const settings = await get();
    expect(settings.results_dir).toEqual({ value: join(home, "results"), source: "default", problem: "the saved value is not valid (must be an absolute path)" });
    expect(settings.ollama_url).toEqual({ value: null, source: "unset" });
    expect((await put({ results_dir: null, ollama_url: null })).status).toBe(200);
    expect((await get()).results_dir).toEqual({ value: join(home, "results"), source: "default" });
  });

  test("saved settings survive a restart of the server", async () => {
    expect((await put({ results_dir: "/srv/kitt-results", devon_url: "http://devon.lan:8000", devon_api_key: SAVED_KEY, ollama_url: "http://127.0.0.1:11434" })).status).toBe(200);
    const before = await get();
    await stop();
    await start();
    const after = await get();
    expect(after).toEqual(before);
    expect(after).toMatchObject({ results_dir: { value: "/srv/kitt-results", source: "saved" }, devon_url: { value: "http://devon.lan:8000", source: "saved" }, devon_api_key: { set: true, source: "saved" } });
    expect((await effectiveSettings(store, env)).devonApiKey.value).toBe(SAVED_KEY);
  });

  test("settings need the token like every other route", async () => {
    expect((await web.fetch("/api/v1/settings")).status).toBe(401);
    expect((await web.fetch("/api/v1/settings", { method: "PUT", headers: { "content-type": "application/json" }, body: '{"devon_tab":false}' })).status).toBe(401);
  });
});
