/**
 * `settings`: what `kitt web` uses and where each value came from (saved, environment,
 * default); PUT saves some of them. The Devon key is write-only: it is shown as set or not.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { ResultsStore } from "../../store/results-store.js";
import { effectiveSettings, publicSettings, saveSettings } from "../settings/effective-settings.js";
import { DirectoryValue, SecretValue, ServiceUrlValue } from "../settings/setting-values.js";
import { errorResponses, jsonContent } from "./schemas.js";

const Source = z.enum(["saved", "env", "default", "unset"]);
const shown = <T extends z.ZodType>(value: T) => z.object({ value, source: Source, problem: z.string().optional() });

export const SettingsSchema = z
  .object({
    model_dir: shown(z.string()),
    results_dir: shown(z.string()),
    devon_url: shown(z.string().nullable()),
    devon_api_key: z.object({ set: z.boolean(), source: Source, problem: z.string().optional() }).openapi({ description: "write-only: never returned" }),
    devon_tab: shown(z.boolean()),
    ollama_url: shown(z.string().nullable()),
  })
  .openapi("Settings");

/** A PUT body, also for a Settings page handler to validate its form with. */
export const SettingsChangeSchema = z
  .strictObject({
    model_dir: DirectoryValue.nullable().optional().openapi({ description: "absolute path; default KITT_MODEL_DIR, then ~/.kitt/models" }),
    results_dir: DirectoryValue.nullable().optional().openapi({ description: "absolute path; default ~/.kitt/results" }),
    devon_url: ServiceUrlValue.nullable().optional().openapi({ description: "Devon's base URL; default DEVON_URL" }),
    devon_api_key: SecretValue.nullable().optional().openapi({ description: "Devon's API key; default DEVON_API_KEY" }),
    devon_tab: z.boolean().nullable().optional().openapi({ description: "show the Devon tab (default true)" }),
    ollama_url: ServiceUrlValue.nullable().optional().openapi({ description: "an Ollama whose tags the model browser lists" }),
  })
  .openapi("SettingsChange", { description: "only the settings to change; null forgets the saved value, so the environment or default applies again" });

const getSettings = createRoute({
  method: "get",
  path: "/settings",
  summary: "the settings in use and where each came from (saved, env, default)",
  responses: { 200: jsonContent(SettingsSchema, "the settings"), ...errorResponses },
});

const putSettings = createRoute({
  method: "put",
  path: "/settings",
  summary: "save some settings; a saved value wins over the environment",
  request: { body: { required: true, content: { "application/json": { schema: SettingsChangeSchema } } } },
  responses: { 200: jsonContent(SettingsSchema, "the settings after the change"), ...errorResponses },
});

export function settingsRoutes(api: OpenAPIHono, store: ResultsStore, env: NodeJS.ProcessEnv): void {
  api.openapi(getSettings, async (c) => c.json(publicSettings(await effectiveSettings(store, env)), 200));
  api.openapi(putSettings, async (c) => {
    await saveSettings(store, c.req.valid("json"));
    return c.json(publicSettings(await effectiveSettings(store, env)), 200);
  });
}
