/** The two databases every storage test runs against: a temp SQLite file and PostgreSQL. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testPostgres } from "../support/postgres.js";

export interface Backend {
  name: "sqlite" | "postgres";
  /** False only for PostgreSQL when no server is reachable outside CI. */
  available: boolean;
  /** A new, empty database. */
  freshUrl(): Promise<string>;
  cleanup(): Promise<void>;
}

export async function sqliteBackend(): Promise<Backend> {
  const dir = await mkdtemp(join(tmpdir(), "kitt-store-"));
  let n = 0;
  return {
    name: "sqlite",
    available: true,
    freshUrl: async () => join(dir, `db-${++n}.db`),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export async function postgresBackend(): Promise<Backend> {
  const server = await testPostgres();
  return {
    name: "postgres",
    available: server !== undefined,
    freshUrl: () => (server ? server.createDatabase() : Promise.reject(new Error("no PostgreSQL server"))),
    cleanup: async () => server?.dropAll(),
  };
}

export async function allBackends(): Promise<Backend[]> {
  return [await sqliteBackend(), await postgresBackend()];
}
