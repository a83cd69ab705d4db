/**
 * How long kitt waits for its database: `KITT_DB_CONNECT_TIMEOUT` seconds to connect (or for a
 * free pooled connection), default 10, and `KITT_DB_QUERY_TIMEOUT` seconds for one statement,
 * default 30 (SQLite: for another writer's lock).
 */
import { KittError } from "../errors.js";

export interface DatabaseTimeouts {
  connectMs: number;
  queryMs: number;
}

export const CONNECT_TIMEOUT_VARIABLE = "KITT_DB_CONNECT_TIMEOUT";
export const QUERY_TIMEOUT_VARIABLE = "KITT_DB_QUERY_TIMEOUT";

export function databaseTimeouts(env: NodeJS.ProcessEnv = process.env): DatabaseTimeouts {
  return { connectMs: seconds(env, CONNECT_TIMEOUT_VARIABLE, 10) * 1000, queryMs: seconds(env, QUERY_TIMEOUT_VARIABLE, 30) * 1000 };
}

/** "10 s", "0.5 s": a timeout as messages give it. */
export function formatSeconds(ms: number): string {
  return `${ms / 1000} s`;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new KittError("USAGE", `${name}=${text}: give a number of seconds above 0`);
  return value;
}
