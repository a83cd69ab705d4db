/**
 * Opens kysely over SQLite (`sqlite-database.ts`) or PostgreSQL (`postgres-pool.ts`), every
 * wait bounded by the database timeouts.
 */
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import type { DatabaseTimeouts } from "./database-timeouts.js";
import { postgresPool } from "./postgres-pool.js";
import type { StoreTables } from "./schema.js";
import { openSqliteFile } from "./sqlite-database.js";
import type { StoreLocation } from "./store-url.js";

export type StoreDialect = StoreLocation["dialect"];

export interface ConnectOptions {
  /** The location without a password, for messages. */
  description: string;
  timeouts: DatabaseTimeouts;
  /** Closes every PostgreSQL connection at once when it aborts. */
  signal?: AbortSignal;
}

// bigint columns (epoch ms) fit a JS number; pg would return strings otherwise.
pg.types.setTypeParser(20, Number);

export function connect(location: StoreLocation, options: ConnectOptions): Kysely<StoreTables> {
  if (location.dialect === "postgres") {
    return new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool: postgresPool({ url: location.url, ...options }) }) });
  }
  return new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: openSqliteFile(location.path, options.timeouts) }) });
}
