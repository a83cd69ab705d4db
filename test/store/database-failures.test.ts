/**
 * A results database that does not answer or answers too slowly, or is named by an address
 * kitt cannot use: every case ends in one clear STORAGE_FAILED (or USAGE) error within its
 * timeout, never a hang, never a password in a message.
 */
import { readdir } from "node:fs/promises";
import { sql } from "kysely";
import { afterAll, describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { databaseTimeouts } from "../../src/store/database-timeouts.js";
import { openStore } from "../../src/store/results-store.js";
import { StoreQueue } from "../../src/store/store-queue.js";
import { resolveStoreLocation } from "../../src/store/store-url.js";
import { silentDatabase } from "../support/silent-database.js";
import { postgresBackend } from "./backends.js";

const postgres = await postgresBackend();
afterAll(() => postgres.cleanup());

/** The error `promise` rejects with, and how long that took. */
async function failure(promise: Promise<unknown>): Promise<{ error: KittError; seconds: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => expect.fail("expected a failure"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(KittError);
  return { error: error as KittError, seconds: (performance.now() - started) / 1000 };
}

const timeouts = (connect: number, query: number) => ({ KITT_DB_CONNECT_TIMEOUT: String(connect), KITT_DB_QUERY_TIMEOUT: String(query) });

describe("database timeouts", () => {
  it("default to 10 s to connect and 30 s per query; the variables change them; nonsense is a usage error", () => {
    expect(databaseTimeouts({})).toEqual({ connectMs: 10_000, queryMs: 30_000 });
    expect(databaseTimeouts(timeouts(0.5, 2))).toEqual({ connectMs: 500, queryMs: 2_000 });
    expect(() => databaseTimeouts({ KITT_DB_QUERY_TIMEOUT: "soon" })).toThrow("KITT_DB_QUERY_TIMEOUT=soon: give a number of seconds above 0");
    expect(() => databaseTimeouts({ KITT_DB_CONNECT_TIMEOUT: "0" })).toThrow(KittError);
  });

  it("a server that accepts the connection and never answers fails the open within the connect timeout", async () => {
    await using server = await silentDatabase();
    const { error, seconds } = await failure(openStore({ url: server.url, env: timeouts(1, 30) }));
    expect(error.code).toBe("STORAGE_FAILED");
    expect(error.message).toBe(`the database postgres://kitt:***@127.0.0.1:${server.port}/kitt did not answer within 1 s (KITT_DB_CONNECT_TIMEOUT)`);
    expect(seconds).toBeGreaterThanOrEqual(0.9);
    expect(seconds).toBeLessThan(5);
    expect(server.connections()).toBe(1);
  });

  it("a server that stops answering after the startup fails within the query timeout", async () => {
    await using server = await silentDatabase({ afterStartup: true });
    const { error, seconds } = await failure(openStore({ url: server.url, env: timeouts(5, 1) }));
    expect(error.code).toBe("STORAGE_FAILED");
    expect(error.message).toBe(`the database postgres://kitt:***@127.0.0.1:${server.port}/kitt did not answer a query within 1 s (KITT_DB_QUERY_TIMEOUT)`);
    expect(seconds).toBeLessThan(5);
  });

  it("aborting the store's signal (Ctrl+C) ends a pending open at once, with the signal's reason", async () => {
    await using server = await silentDatabase();
    const controller = new AbortController();
    setTimeout(() => controller.abort(new KittError("INTERRUPTED_SIGINT", "interrupted by SIGINT")), 300);
    const { error, seconds } = await failure(openStore({ url: server.url, signal: controller.signal }));
    expect(error.message).toBe("interrupted by SIGINT");
    expect(seconds).toBeLessThan(2);
  });

  it("a run's queued writes give up soon after an interrupt while the database hangs", async () => {
    await using server = await silentDatabase({ afterStartup: true });
    const interrupt = new AbortController();
    const queue = new StoreQueue((signal) => openStore({ url: server.url, signal }), interrupt.signal);
    queue.enqueue(async () => expect.fail("the store never opened"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    interrupt.abort();
    const started = performance.now();
    await queue[Symbol.asyncDispose]();
    expect((performance.now() - started) / 1000).toBeLessThan(5);
    expect(queue.failure).toBeInstanceOf(KittError);
    expect((queue.failure as KittError).message).toBe("the database did not answer within 2 s of the interrupt");
  });

  it.skipIf(!postgres.available)("PostgreSQL: a statement past the query timeout is cancelled, and a full pool fails within the connect timeout", async () => {
    const url = await postgres.freshUrl();
    await using store = await openStore({ url, env: timeouts(1, 2) });
    const started = performance.now();
    // The pool has 4 connections: four sleeping statements hold them all, the fifth waits for one.
    const sleeps = Array.from({ length: 4 }, () => failure(sql`SELECT pg_sleep(10)`.execute(store.db)));
    const waiting = await failure(sql`SELECT 1`.execute(store.db));
    expect(waiting.error.message).toMatch(/^no connection to the database postgres:\/\/kitt:\*\*\*@.* was free within 1 s \(KITT_DB_CONNECT_TIMEOUT\)$/);
    // Without a bounded wait it would get a connection once the sleeps are cancelled (2 s), and succeed.
    expect(waiting.seconds).toBeLessThan(5);
    for (const sleep of await Promise.all(sleeps)) {
      expect(sleep.error.message).toMatch(/did not answer a query within 2 s \(KITT_DB_QUERY_TIMEOUT\)$/);
    }
    expect((performance.now() - started) / 1000).toBeLessThan(6);
    // The connections are usable again once the statements were cancelled.
    expect((await sql<{ one: number }>`SELECT 1 AS one`.execute(store.db)).rows).toEqual([{ one: 1 }]);
  });
});

describe("database addresses", () => {
  it("refuses any scheme:// that is not PostgreSQL or SQLite, naming only the scheme", () => {
    for (const url of ["mysql://root:hunter2@db/kitt", "mongodb+srv://x", "http://host/kitt.db"]) {
      const scheme = url.slice(0, url.indexOf(":"));
      expect(() => resolveStoreLocation(url, {})).toThrow(`--db ${scheme}://…: kitt stores results in SQLite (a file path or sqlite:PATH) or PostgreSQL (postgres://…)`);
    }
    expect(() => resolveStoreLocation(undefined, { KITT_DB_URL: "mysql://root:hunter2@db/kitt" })).toThrow(/^KITT_DB_URL mysql:\/\/…: /);
    expect(resolveStoreLocation("sqlite:///tmp/k.db", {})).toEqual({ dialect: "sqlite", path: "/tmp/k.db" });
    expect(resolveStoreLocation("postgresql://u@h/d", {})).toEqual({ dialect: "postgres", url: "postgresql://u@h/d" });
  });

  it("opening an unknown scheme creates no file", async () => {
    const before = await readdir(process.cwd());
    await expect(openStore({ url: "mysql://root:hunter2@db/kitt" })).rejects.toMatchObject({ code: "USAGE" });
    expect(await readdir(process.cwd())).toEqual(before);
  });
});
