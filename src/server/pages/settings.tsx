/**
 * `/settings`: the settings in use, each with where it came from, and a form that saves changes
 * through the settings API's `SettingsChangeSchema` and `saveSettings`. A field left as shown
 * changes nothing (a value from the environment is not copied into the database); an emptied
 * field forgets the saved value. The Devon key is write-only: shown as set or not, an empty field
 * keeps it, "forget" removes the saved one.
 */
import { Hono } from "hono";
import { SettingsChangeSchema } from "../api/settings.js";
import { saveSettings, type EffectiveSettings, type Setting, type SettingsChange } from "../settings/effective-settings.js";
import { formBody, issueLines, type FormBody } from "./form-body.js";
import { Layout } from "./layout.js";
import { chrome, type PageContext, type PageEnv, type PageOptions } from "./page-env.js";
import { FormErrors } from "./form-errors.js";

type TextKey = "model_dir" | "results_dir" | "devon_url" | "ollama_url";

const TEXT_SETTINGS: ReadonlyArray<[TextKey, keyof EffectiveSettings, string, string]> = [
  ["model_dir", "modelDir", "model directory", "KITT_MODEL_DIR, then ~/.kitt/models"],
  ["results_dir", "resultsDir", "results directory", "KITT_RESULTS_DIR, then ~/.kitt/results"],
  ["devon_url", "devonUrl", "Devon URL", "DEVON_URL"],
  ["ollama_url", "ollamaUrl", "Ollama URL (model browser)", "none"],
];

const SOURCE_TEXT = { saved: "saved here", env: "from the environment", default: "default", unset: "not set" } as const;

function Source({ setting }: { setting: Setting<unknown> }) {
  return (
    <span class="muted" data-source={setting.source}>
      {SOURCE_TEXT[setting.source]}
      {setting.problem === undefined ? "" : ` — ${setting.problem}`}
    </span>
  );
}

function SettingsForm({ settings, posted, errors }: { settings: EffectiveSettings; posted?: FormBody; errors: string[] }) {
  const key = settings.devonApiKey;
  return (
    <form class="stacked panel" method="post" action="/settings">
      <FormErrors errors={errors} />
      {TEXT_SETTINGS.map(([name, field, label, fallback]) => {
        const setting = settings[field] as Setting<string | undefined>;
        return (
          <label>
            {label}
            <input name={name} value={posted ? (posted.text(name) ?? "") : (setting.value ?? "")} placeholder={fallback} />
            <Source setting={setting} />
          </label>
        );
      })}
      <label>
        Devon API key (write-only)
        <input name="devon_api_key" type="password" autocomplete="new-password" value="" placeholder={key.value === undefined ? "not set" : "set — leave empty to keep it"} />
        <span class="muted" data-source={key.source} data-secret-set={String(key.value !== undefined)}>
          {key.value === undefined ? "not set" : `set (${SOURCE_TEXT[key.source]})`}
          {key.problem === undefined ? "" : ` — ${key.problem}`}
        </span>
      </label>
      <label class="inline">
        <input type="checkbox" name="clear_devon_api_key" value="1" /> forget the saved Devon key (DEVON_API_KEY applies again, if set)
      </label>
      <label class="inline">
        <input type="checkbox" name="devon_tab" value="1" checked={posted ? posted.has("devon_tab") : settings.devonTab.value} /> show the Devon tab when a Devon URL is set{" "}
        <Source setting={settings.devonTab} />
      </label>
      <div class="actions">
        <button type="submit">Save</button>
      </div>
    </form>
  );
}

/** Only what the form changed: a field left as shown stays where it came from; an emptied one forgets the saved value. */
function changeFrom(form: FormBody, settings: EffectiveSettings): Record<string, unknown> {
  const change: Record<string, unknown> = {};
  for (const [name, field] of TEXT_SETTINGS) {
    const setting = settings[field] as Setting<string | undefined>;
    const given = form.text(name);
    if (given === undefined) {
      if (setting.source === "saved") change[name] = null;
    } else if (given !== setting.value) {
      change[name] = given;
    }
  }
  if (form.has("clear_devon_api_key")) change.devon_api_key = null;
  else if (form.text("devon_api_key") !== undefined) change.devon_api_key = form.text("devon_api_key");
  const tab = form.has("devon_tab");
  if (tab !== settings.devonTab.value) change.devon_tab = tab;
  return change;
}

export function settingsPage(options: PageOptions): Hono<PageEnv> {
  const app = new Hono<PageEnv>();

  async function render(c: PageContext, posted: FormBody | undefined, errors: string[]) {
    const settings = await options.settings();
    return c.html(
      <Layout title="Settings" active="settings" {...chrome(c)}>
        <h1>Settings</h1>
        <p class="meta">A value saved here wins over the environment variable; empty a field to go back to the environment or the default.</p>
        {c.req.query("saved") !== undefined && errors.length === 0 ? (
          <p class="notice" role="status">
            Settings saved.
          </p>
        ) : null}
        <SettingsForm settings={settings} posted={posted} errors={errors} />
      </Layout>,
      errors.length === 0 ? 200 : 400,
    );
  }

  app.get("/settings", (c) => render(c, undefined, []));
  app.post("/settings", async (c) => {
    const form = await formBody(c);
    const parsed = SettingsChangeSchema.safeParse(changeFrom(form, await options.settings()));
    if (!parsed.success) return render(c, form, issueLines(parsed.error.issues));
    await saveSettings(options.store, parsed.data satisfies SettingsChange);
    return c.redirect("/settings?saved=1", 303);
  });
  return app;
}
