/**
 * Opens kysely over better-sqlite3 or pg. SQLite gets WAL (readers never wait for the writer),
 * a busy timeout (a second writer waits instead of failing) and foreign keys (cascading deletes).
 * A file that is not a SQLite database is reported, never overwritten.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { KittError } from "../errors.js";
import type { StoreTables } from "./schema.js";
import type { StoreLocation } from "./store-url.js";

export type StoreDialect = StoreLocation["dialect"];

const BUSY_TIMEOUT_MS = 30_000;

// bigint columns (epoch ms) fit a JS number; pg would return strings otherwise.
pg.types.setTypeParser(20, Number);

export function connect(location: StoreLocation): Kysely<StoreTables> {
  if (location.dialect === "postgres") {
    const pool = new pg.Pool({ connectionString: location.url, max: 4 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on("error", () => undefined);
    return new Kysely<StoreTables>({ dialect: new PostgresDialect({ pool }) });
  }
  return new Kysely<StoreTables>({ dialect: new SqliteDialect({ database: openSqliteFile(location.path) }) });
}

function openSqliteFile(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true });
  let database: Database.Database | undefined;
  try {
    database = new Database(path);
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    database.pragma("journal_mode = WAL");
    database.pragma("foreign_keys = ON");
    database.pragma("synchronous = NORMAL");
    // Reads the schema: fails here, before any write, when the file is not a database.
    database.prepare("SELECT count(*) FROM sqlite_master").get();
    return database;
  } catch (error) {
    database?.close();
    const code = (error as { code?: string }).code ?? "";
    if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
      throw new KittError("STORAGE_FAILED", `${path} is not a kitt database or is corrupt; kitt left it untouched (move it aside to start a new one)`, {
        cause: error,
      });
    }
    throw new KittError("STORAGE_FAILED", `cannot open the database ${path}: ${(error as Error).message}`, { cause: error });
  }
}
