/**
 * Where kitt keeps things. `KITT_HOME` (default `~/.kitt`) holds user data: config,
 * results, the database. `KITT_CACHE_DIR` (default `$XDG_CACHE_HOME/kitt` or `~/.cache/kitt`)
 * holds what can be rebuilt: engine builds, generated models, downloads.
 */
import { homedir } from "node:os";
import { join } from "node:path";

export function kittHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.KITT_HOME ?? join(homedir(), ".kitt");
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.KITT_CACHE_DIR) return env.KITT_CACHE_DIR;
  return join(env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "kitt");
}

/** Where `kitt run` puts results folders by default: `KITT_RESULTS_DIR`, else `~/.kitt/results`. */
export function resultsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KITT_RESULTS_DIR || join(kittHome(env), "results");
}

export function enginesConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(kittHome(env), "engines.yaml");
}

/** Custom tests (`kitt test new`): `$KITT_HOME/tests/*.yaml`. */
export function testsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(kittHome(env), "tests");
}

/** Where the model catalog looks for models: `KITT_MODEL_DIR`, else `$KITT_HOME/models`. */
export function modelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.KITT_MODEL_DIR || join(kittHome(env), "models");
}
