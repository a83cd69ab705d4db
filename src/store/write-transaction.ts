/**
 * One write transaction on either database. On SQLite it starts with `BEGIN IMMEDIATE`, which
 * takes the write lock up front: a second process then waits (busy_timeout) rather than failing
 * with SQLITE_BUSY when its read snapshot is older than another writer's commit.
 */
import { sql, type Kysely, type Transaction } from "kysely";
import type { StoreDialect } from "./connection.js";
import type { StoreTables } from "./schema.js";

export type StoreWriter = Kysely<StoreTables> | Transaction<StoreTables>;

export async function writeTransaction<T>(db: Kysely<StoreTables>, dialect: StoreDialect, work: (tx: StoreWriter) => Promise<T>): Promise<T> {
  if (dialect === "postgres") return db.transaction().execute(work);
  return db.connection().execute(async (connection) => {
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const result = await work(connection);
      await sql`COMMIT`.execute(connection);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}
