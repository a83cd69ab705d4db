/** Where built-in suites live: `configs/suites/` at the package root, shipped with the package. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../package-root.js";

export function builtinSuitesDir(): string {
  return join(packageRoot(), "configs", "suites");
}

/** Names of the built-in suites, sorted. */
export function builtinSuiteNames(): string[] {
  return readdirSync(builtinSuitesDir())
    .filter((file) => file.endsWith(".yaml"))
    .map((file) => file.slice(0, -".yaml".length))
    .sort();
}
