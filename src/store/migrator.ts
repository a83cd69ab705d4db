/**
 * Brings a database up to `latestSchemaVersion`, all pending migrations in one transaction
 * (PostgreSQL holds an advisory lock, SQLite the write lock), so two kitt processes opening a
 * new database at once migrate it once. A database migrated by a newer kitt is refused.
 */
import { sql, type Kysely } from "kysely";
import { KittError } from "../errors.js";
import type { StoreDialect } from "./connection.js";
import { latestSchemaVersion, migrations } from "./migrations.js";
import type { StoreTables } from "./schema.js";
import { writeTransaction, type StoreWriter } from "./write-transaction.js";

/** Any 64-bit number unique to kitt's migrations. */
const MIGRATION_LOCK_ID = 4_242_001;

export interface MigrationOutcome {
  from: number;
  to: number;
  applied: string[];
}

export async function migrate(db: Kysely<StoreTables>, dialect: StoreDialect): Promise<MigrationOutcome> {
  return writeTransaction(db, dialect, async (tx) => {
    if (dialect === "postgres") await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`.execute(tx);
    await tx.schema
      .createTable("schema_migrations")
      .ifNotExists()
      .addColumn("version", "integer", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("applied_at", "bigint", (c) => c.notNull())
      .execute();
    const from = await currentVersion(tx);
    refuseNewer(from);
    const applied: string[] = [];
    for (const migration of migrations) {
      if (migration.version <= from) continue;
      await migration.up(tx as Kysely<unknown>, dialect);
      await tx.insertInto("schema_migrations").values({ version: migration.version, name: migration.name, applied_at: Date.now() }).execute();
      applied.push(`${migration.version}_${migration.name}`);
    }
    return { from, to: latestSchemaVersion, applied };
  });
}

/** The schema version recorded in the database; 0 for a new one. */
export async function currentVersion(db: StoreWriter): Promise<number> {
  const row = await db.selectFrom("schema_migrations").select((eb) => eb.fn.max("version").as("version")).executeTakeFirst();
  return Number(row?.version ?? 0);
}

export function refuseNewer(version: number): void {
  if (version > latestSchemaVersion) {
    throw new KittError("STORAGE_FAILED", `database schema v${version} is newer than this kitt (v${latestSchemaVersion}); upgrade kitt`);
  }
}
