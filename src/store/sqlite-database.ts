/**
 * A SQLite file for kysely: WAL (readers never wait for the writer), a busy timeout (a second
 * writer waits, up to the query timeout, instead of failing) and foreign keys (cascading
 * deletes). A file that is not a SQLite database, or one whose pages are damaged, is reported
 * whenever SQLite notices — on open or at any later statement — never overwritten.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";
import { KittError } from "../errors.js";
import { formatSeconds, QUERY_TIMEOUT_VARIABLE, type DatabaseTimeouts } from "./database-timeouts.js";

export function openSqliteFile(path: string, timeouts: DatabaseTimeouts): SqliteDatabase {
  mkdirSync(dirname(path), { recursive: true });
  let database: Database.Database | undefined;
  try {
    database = new Database(path);
    database.pragma(`busy_timeout = ${Math.round(timeouts.queryMs)}`);
    database.pragma("journal_mode = WAL");
    database.pragma("foreign_keys = ON");
    database.pragma("synchronous = NORMAL");
    // Reads the schema: fails here, before any write, when the file is not a database.
    database.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (error) {
    database?.close();
    throw sqliteFailure(error, path, timeouts) ?? new KittError("STORAGE_FAILED", `cannot open the database ${path}: ${(error as Error).message}`, { cause: error });
  }
  return reportingFailures(database, path, timeouts);
}

/** A damaged file is reported as such, whatever SQLite was doing when it found out. */
export function corruptDatabase(path: string, cause?: unknown): KittError {
  return new KittError("STORAGE_FAILED", `${path} is not a kitt database or is corrupt; kitt left it untouched (move it aside to start a new one)`, { cause });
}

/** The KittError for SQLite's failures that are the file's or the machine's, not kitt's; undefined for the rest. */
function sqliteFailure(error: unknown, path: string, timeouts: DatabaseTimeouts): KittError | undefined {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== "string") return undefined;
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) return corruptDatabase(path, error);
  if (code.startsWith("SQLITE_BUSY")) {
    return new KittError("STORAGE_FAILED", `the database ${path} stayed locked by another writer for ${formatSeconds(timeouts.queryMs)} (${QUERY_TIMEOUT_VARIABLE})`, { cause: error });
  }
  if (/^SQLITE_(IOERR|FULL|READONLY|CANTOPEN|PERM)/.test(code)) {
    return new KittError("STORAGE_FAILED", `cannot use the database ${path}: ${(error as Error).message}`, { cause: error });
  }
  return undefined;
}

/** Prepared statements kept for reuse: kysely prepares every query it runs, and preparing costs more than a small query. */
const STATEMENT_CACHE_SIZE = 200;

function reportingFailures(database: Database.Database, path: string, timeouts: DatabaseTimeouts): SqliteDatabase {
  const guard = <T>(work: () => T): T => {
    try {
      return work();
    } catch (error) {
      throw sqliteFailure(error, path, timeouts) ?? error;
    }
  };
  const statements = new Map<string, Database.Statement>();
  const prepared = (sql: string): Database.Statement => {
    const cached = statements.get(sql);
    // A statement still being iterated cannot run again until its iterator ends.
    if (cached !== undefined && !cached.busy) return cached;
    const statement = guard(() => database.prepare(sql));
    if (cached === undefined) {
      if (statements.size >= STATEMENT_CACHE_SIZE) statements.delete(statements.keys().next().value!);
      statements.set(sql, statement);
    }
    return statement;
  };
  return {
    close: () => {
      statements.clear();
      database.close();
    },
    prepare(sql): SqliteStatement {
      const statement = prepared(sql);
      if (!statement.reader) {
        return {
          reader: false,
          all: (parameters) => guard(() => statement.all(parameters)),
          run: (parameters) => guard(() => statement.run(parameters)),
          iterate: (parameters) => guard(() => statement.iterate(parameters)),
        };
      }
      statement.raw(true);
      return {
        reader: true,
        all: (parameters) => guard(() => asObjects(statement, statement.all(parameters) as unknown[][])),
        run: (parameters) => guard(() => statement.run(parameters)),
        iterate: (parameters) => guard(() => iterateObjects(statement, statement.iterate(parameters) as IterableIterator<unknown[]>)),
      };
    },
  };
}

/**
 * Rows as kysely wants them, made from the arrays of raw mode: better-sqlite3 builds row objects
 * a property at a time through V8's C++ API, which costs about twice as much. The column names
 * are read at each execution, as a schema change may have altered them.
 */
function asObjects(statement: Database.Statement, rows: unknown[][]): Array<Record<string, unknown>> {
  const names = statement.columns().map((column) => column.name);
  return rows.map((row) => rowObject(names, row));
}

function* iterateObjects(statement: Database.Statement, rows: IterableIterator<unknown[]>): IterableIterator<Record<string, unknown>> {
  const names = statement.columns().map((column) => column.name);
  for (const row of rows) yield rowObject(names, row);
}

function rowObject(names: readonly string[], row: readonly unknown[]): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = 0; i < names.length; i++) object[names[i]!] = row[i];
  return object;
}
