/**
 * Emulator settings. Programs pass them directly; the standalone commands read them from
 * `KITT_EMULATOR_*` variables because their arguments must look exactly like the real engine's.
 */

function numberFrom(env, key) {
  const raw = env[key];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a non-negative number, got '${raw}'`);
  return value;
}

const DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  /** Total startup time; each engine splits it into refused / 503 phases the way it really starts. */
  startupMs: 0,
  /** Time to the first token (prefill); defaults to `tokenDelayMs`. */
  firstTokenDelayMs: undefined,
  tokenDelayMs: 1,
  /** Answers end with end-of-sequence after this many tokens unless `ignore_eos`; unset = never. */
  eosAfter: undefined,
  /** Requests generating at once; more wait in the queue (`num_requests_waiting`). */
  maxRunning: Infinity,
  /** Ollama only: time to load a model on its first request. */
  loadMs: 0,
  /** Exits with status 1 this long after becoming ready, as a crashed engine would. */
  exitAfterMs: undefined,
  maxModelLen: 4096,
  /** Ollama only: models the server already has. */
  models: [],
  /** TabbyAPI only: the key clients must send unless auth is disabled. */
  apiKey: undefined,
};

export function settingsFromEnv(env) {
  const read = {
    startupMs: numberFrom(env, "KITT_EMULATOR_STARTUP_MS"),
    firstTokenDelayMs: numberFrom(env, "KITT_EMULATOR_FIRST_TOKEN_DELAY_MS"),
    tokenDelayMs: numberFrom(env, "KITT_EMULATOR_TOKEN_DELAY_MS"),
    eosAfter: numberFrom(env, "KITT_EMULATOR_EOS_AFTER"),
    maxRunning: numberFrom(env, "KITT_EMULATOR_MAX_RUNNING"),
    loadMs: numberFrom(env, "KITT_EMULATOR_LOAD_MS"),
    exitAfterMs: numberFrom(env, "KITT_EMULATOR_EXIT_AFTER_MS"),
    models: env.KITT_EMULATOR_MODELS ? env.KITT_EMULATOR_MODELS.split(",").map((m) => m.trim()).filter(Boolean) : undefined,
    apiKey: env.KITT_EMULATOR_API_KEY || undefined,
  };
  return Object.fromEntries(Object.entries(read).filter(([, value]) => value !== undefined));
}

export function resolveSettings(overrides) {
  const settings = { ...DEFAULTS, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
  settings.firstTokenDelayMs ??= settings.tokenDelayMs;
  return settings;
}
