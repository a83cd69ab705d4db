/**
 * A PostgreSQL server for the storage tests: `KITT_TEST_PG_URL`, else the server `.ci/postgres.sh`
 * sets up. Each call to `createDatabase` makes a fresh database (the role has CREATEDB), dropped
 * by `dropAll`. Without a server the tests are skipped locally but fail in CI (CI=true).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";

export const defaultPostgresUrl = "postgres://kitt:kitt@127.0.0.1:5432/kitt_test";

export interface TestPostgres {
  createDatabase(): Promise<string>;
  dropAll(): Promise<void>;
}

/** The server at `baseUrl`, or undefined when it cannot be reached outside CI. */
export async function testPostgres(baseUrl = process.env.KITT_TEST_PG_URL ?? defaultPostgresUrl): Promise<TestPostgres | undefined> {
  const admin = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 3_000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    if (process.env.CI === "true") {
      throw new Error(`PostgreSQL is not reachable at ${baseUrl} (run .ci/postgres.sh): ${(error as Error).message}`);
    }
    return undefined;
  }
  const created: string[] = [];
  return {
    async createDatabase() {
      const name = `kitt_test_${randomBytes(6).toString("hex")}`;
      await admin.query(`CREATE DATABASE ${name}`);
      created.push(name);
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      return url.toString();
    },
    async dropAll() {
      for (const name of created.splice(0)) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
