/**
 * `models`: the local model browser, as `kitt models list --json` shows it, over the model
 * directory the settings name; one model by its catalog path (URL-encoded as one segment).
 * Nothing outside the model directory is read. Names come as they are on disk: pages escape them.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { EffectiveSettings } from "../settings/effective-settings.js";
import { catalogModelFor, modelCatalogFor } from "../settings/model-catalog-for.js";
import { ServiceUrlValue } from "../settings/setting-values.js";
import { errorResponses, jsonContent, text } from "./schemas.js";

const CatalogModelSchema = z
  .object({
    path: z.string().openapi({ description: "relative to the model directory; an Ollama tag for source ollama" }),
    source: z.enum(["file", "ollama"]),
    format: z.enum(["gguf", "safetensors", "pytorch", "gptq", "awq", "exl2", "mlx", "ollama-tag"]).optional(),
    sizeBytes: z.number().optional(),
    facts: z.object({
      architecture: z.string().optional(),
      modelType: z.string().optional(),
      name: z.string().optional(),
      parameters: z.number().optional(),
      parameterSize: z.string().optional(),
      quantization: z.string().optional(),
      dtype: z.string().optional(),
      contextLength: z.number().optional(),
    }),
    problem: z.string().optional().openapi({ description: "why it cannot be used (then it has no format)" }),
    engines: z.array(z.string()).openapi({ description: "engines that load this format" }),
  })
  .openapi("CatalogModel");

const listModels = createRoute({
  method: "get",
  path: "/models",
  summary: "the models in the model directory (and an Ollama's tags) with the engines that load each (as kitt models list --json)",
  request: { query: z.object({ ollama: ServiceUrlValue.optional().openapi({ description: "an Ollama URL whose tags to list (default: the ollama_url setting)" }) }) },
  responses: {
    200: jsonContent(z.object({ dir: z.string(), models: z.array(CatalogModelSchema), notes: z.array(z.string()) }), "the catalog"),
    404: jsonContent(z.object({ error: z.string() }), "the model directory does not exist"),
    ...errorResponses,
  },
});

const getModel = createRoute({
  method: "get",
  path: "/models/{path}",
  summary: "one model of the model directory by its catalog path, URL-encoded as one segment (tiny%2Fmodel.gguf)",
  request: { params: z.object({ path: text(4096).openapi({ param: { name: "path", in: "path" }, description: "the catalog's path, relative to the model directory" }) }) },
  responses: {
    200: jsonContent(z.object({ dir: z.string(), model: CatalogModelSchema }), "the model"),
    404: jsonContent(z.object({ error: z.string() }), "no such model"),
    ...errorResponses,
  },
});

export function modelRoutes(api: OpenAPIHono, settings: () => Promise<EffectiveSettings>): void {
  api.openapi(listModels, async (c) => c.json(await modelCatalogFor(await settings(), c.req.valid("query").ollama), 200));
  api.openapi(getModel, async (c) => c.json(await catalogModelFor(await settings(), c.req.valid("param").path), 200));
}
