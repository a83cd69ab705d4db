/** Options of `kitt storage` and the database options of every command that stores or reads runs. */
import { DEFAULT_RUN_LIMIT } from "../../store/run-queries.js";
import { JSON_OPTION } from "./common.js";
import * as parse from "./parsers.js";
import { defineOptions } from "./table.js";

export const DB_OPTION = defineOptions({
  db: { flags: "--db <url>", description: "results database: a SQLite path or postgres://… (default KITT_DB_URL, then ~/.kitt/kitt.db)" },
});

export const STORE_OPTION = defineOptions({
  store: { flags: "--no-store", description: "keep results only in the results folder, not in the database" },
});

/** The filters `kitt storage list`, `kitt results list|query` and `kitt recommend` share. */
export const RUN_FILTER_OPTIONS = defineOptions({
  model: { flags: "--model <name>", description: "only this model" },
  engine: { flags: "--engine <name>", description: "only this engine" },
  suite: { flags: "--suite <name>", description: "only this suite" },
});

export const RUN_LIMIT_OPTION = defineOptions({
  limit: { flags: "--limit <n>", description: "at most this many", parse: parse.positiveInt, default: DEFAULT_RUN_LIMIT },
});

export const STORAGE_LIST_OPTIONS = defineOptions({
  ...DB_OPTION,
  ...RUN_FILTER_OPTIONS,
  status: { flags: "--status <status>", description: "only runs that completed, failed, were interrupted or are running" },
  since: { flags: "--since <date|Nd>", description: "only runs started since a date (2026-01-31) or N days ago (7d)" },
  ...RUN_LIMIT_OPTION,
  ...JSON_OPTION,
});

export const DB_JSON_OPTIONS = defineOptions({ ...DB_OPTION, ...JSON_OPTION });

export const STORAGE_EXPORT_OPTIONS = defineOptions({
  ...DB_OPTION,
  output: { flags: "-o, --output <dir>", description: "folder to write (default: ./kitt-run-<id>)" },
});

export const STORAGE_DELETE_OPTIONS = defineOptions({
  ...DB_OPTION,
  yes: { flags: "-y, --yes", description: "do not ask" },
});
