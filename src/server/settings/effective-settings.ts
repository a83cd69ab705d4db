/**
 * The settings `kitt web` works with, each resolved from where it came: a value saved from the
 * UI or API wins, then the environment variable, then kitt's default. The Devon key is a
 * secret: it is resolved here for the proxy, and `publicSettings` only ever says whether it is set.
 */
import { resolve } from "node:path";
import { z } from "@hono/zod-openapi";
import { modelsDir, resultsDir } from "../../config/paths.js";
import type { JsonValue } from "../../json.js";
import type { ResultsStore } from "../../store/results-store.js";
import { readWebSettings, saveWebSettings } from "../../store/web-settings.js";
import { DirectoryValue, SecretValue, ServiceUrlValue } from "./setting-values.js";

export type SettingSource = "saved" | "env" | "default" | "unset";

export interface Setting<T> {
  value: T;
  source: SettingSource;
  /** Why a value from the environment or the database was not used. */
  problem?: string;
}

export interface EffectiveSettings {
  modelDir: Setting<string>;
  resultsDir: Setting<string>;
  devonUrl: Setting<string | undefined>;
  devonApiKey: Setting<string | undefined>;
  /** Whether the dashboard shows the Devon tab (when a Devon URL is set). */
  devonTab: Setting<boolean>;
  /** An Ollama whose tags the model browser lists. */
  ollamaUrl: Setting<string | undefined>;
}

/** The keys saved in the `web_settings` table, as the API names them. */
export const SETTING_KEYS = ["model_dir", "results_dir", "devon_url", "devon_api_key", "devon_tab", "ollama_url"] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** A change to the saved settings: a value to save, or `null` to forget the saved one. */
export type SettingsChange = Partial<Record<SettingKey, string | boolean | null>>;

const OnOff = z.boolean();

export async function effectiveSettings(store: ResultsStore, env: NodeJS.ProcessEnv = process.env): Promise<EffectiveSettings> {
  const saved = await readWebSettings(store);
  const pick = <T>(key: SettingKey, schema: z.ZodType<T>, envName: string | undefined, fallback: () => Setting<T>): Setting<T> => {
    const problems: string[] = [];
    if (saved.has(key)) {
      const parsed = schema.safeParse(saved.get(key));
      if (parsed.success) return { value: parsed.data, source: "saved" };
      problems.push(`the saved value is not valid (${parsed.error.issues[0]?.message ?? "invalid"})`);
    }
    const fromEnv = envName === undefined ? undefined : env[envName];
    if (envName !== undefined && fromEnv !== undefined && fromEnv !== "") {
      const parsed = schema.safeParse(fromEnv);
      if (parsed.success) return withProblems({ value: parsed.data, source: "env" }, problems);
      problems.push(`${envName} is not valid (${parsed.error.issues[0]?.message ?? "invalid"})`);
    }
    return withProblems(fallback(), problems);
  };
  const unset = (): Setting<undefined> => ({ value: undefined, source: "unset" });
  return {
    modelDir: pick("model_dir", DirectoryValue, undefined, () => ({ value: resolve(modelsDir(env)), source: env.KITT_MODEL_DIR ? "env" : "default" })),
    resultsDir: pick("results_dir", DirectoryValue, undefined, () => ({ value: resolve(resultsDir(env)), source: env.KITT_RESULTS_DIR ? "env" : "default" })),
    devonUrl: pick<string | undefined>("devon_url", ServiceUrlValue, "DEVON_URL", unset),
    devonApiKey: pick<string | undefined>("devon_api_key", SecretValue, "DEVON_API_KEY", unset),
    devonTab: pick("devon_tab", OnOff, undefined, () => ({ value: true, source: "default" })),
    ollamaUrl: pick<string | undefined>("ollama_url", ServiceUrlValue, undefined, unset),
  };
}

/** Saves a validated change (see `SettingsChangeSchema`); `null` forgets a saved value so the environment applies again. */
export async function saveSettings(store: ResultsStore, change: SettingsChange): Promise<void> {
  const entries = Object.entries(change).filter((entry) => entry[1] !== undefined);
  await saveWebSettings(store, new Map(entries as Array<[SettingKey, JsonValue]>));
}

/** The settings as the API and the Settings page show them: the Devon key only as set or not. */
export function publicSettings(settings: EffectiveSettings) {
  const shown = <T>(setting: Setting<T>) => ({ value: setting.value, source: setting.source, ...problemOf(setting) });
  const shownOrNull = <T>(setting: Setting<T | undefined>) => ({ value: setting.value ?? null, source: setting.source, ...problemOf(setting) });
  return {
    model_dir: shown(settings.modelDir),
    results_dir: shown(settings.resultsDir),
    devon_url: shownOrNull(settings.devonUrl),
    devon_api_key: { set: settings.devonApiKey.value !== undefined, source: settings.devonApiKey.source, ...problemOf(settings.devonApiKey) },
    devon_tab: shown(settings.devonTab),
    ollama_url: shownOrNull(settings.ollamaUrl),
  };
}

function withProblems<T>(setting: Setting<T>, problems: string[]): Setting<T> {
  return problems.length === 0 ? setting : { ...setting, problem: problems.join("; ") };
}

function problemOf(setting: Setting<unknown>): { problem?: string } {
  return setting.problem === undefined ? {} : { problem: setting.problem };
}
