/**
 * Which database to use: `--db URL`, else `KITT_DB_URL`, else the SQLite file
 * `$KITT_HOME/kitt.db`. A URL is `postgres://…`/`postgresql://…`, `sqlite:PATH`, or a plain path;
 * any other `scheme://` address is refused rather than taken for a file name.
 */
import { join, resolve } from "node:path";
import { kittHome } from "../config/paths.js";
import { KittError } from "../errors.js";

export type StoreLocation = { dialect: "sqlite"; path: string } | { dialect: "postgres"; url: string };

export function resolveStoreLocation(url?: string, env: NodeJS.ProcessEnv = process.env): StoreLocation {
  const chosen = url ?? env.KITT_DB_URL;
  if (chosen === undefined || chosen === "") return { dialect: "sqlite", path: join(kittHome(env), "kitt.db") };
  if (/^postgres(ql)?:\/\//.test(chosen)) return { dialect: "postgres", url: chosen };
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(chosen)?.[1];
  if (scheme !== undefined && scheme !== "sqlite") {
    // Only the scheme: the rest may hold a password.
    throw new KittError(
      "USAGE",
      `${url === undefined ? "KITT_DB_URL" : "--db"} ${scheme}://…: kitt stores results in SQLite (a file path or sqlite:PATH) or PostgreSQL (postgres://…)`,
    );
  }
  return { dialect: "sqlite", path: resolve(chosen.replace(/^sqlite:(\/\/)?/, "")) };
}

/** The location without a password, for messages. */
export function describeStoreLocation(location: StoreLocation): string {
  if (location.dialect === "sqlite") return location.path;
  return location.url.replace(/\/\/([^:@/]+):[^@/]*@/, "//$1:***@");
}
