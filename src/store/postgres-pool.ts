/**
 * pg's connection pool for kysely, with every wait bounded. Connecting, and waiting for a free
 * pooled connection, end after the connect timeout; each statement after the query timeout, on
 * the server (`statement_timeout`) and in the client (`query_timeout`, for a server that no
 * longer answers at all). A connection that timed out or broke is destroyed, never reused.
 * `end` takes at most a second even when the server is silent, and aborting `signal` closes
 * every connection at once: whatever waits on the database then fails with the signal's reason.
 */
import { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { PostgresPool, PostgresPoolClient } from "kysely";
import pg from "pg";
import { KittError } from "../errors.js";
import { CONNECT_TIMEOUT_VARIABLE, formatSeconds, QUERY_TIMEOUT_VARIABLE, type DatabaseTimeouts } from "./database-timeouts.js";

const MAX_CONNECTIONS = 4;
/** How long a graceful close may take before the sockets are destroyed. */
const END_GRACE_MS = 1_000;

export interface PostgresPoolOptions {
  url: string;
  /** The address without its password, for messages. */
  description: string;
  timeouts: DatabaseTimeouts;
  signal?: AbortSignal;
}

export function postgresPool(options: PostgresPoolOptions): PostgresPool {
  const { timeouts, signal } = options;
  const sockets = new Set<Socket>();
  const pool = new pg.Pool({
    connectionString: options.url,
    max: MAX_CONNECTIONS,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: timeouts.queryMs,
    query_timeout: timeouts.queryMs,
    // Sockets kitt can destroy itself: pg's own end() waits for a server that may never answer.
    stream: () => {
      const socket = new Socket();
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      return socket;
    },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on("error", () => undefined);
  const destroySockets = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  signal?.addEventListener("abort", destroySockets, { once: true });

  const failure = (error: unknown, phase: "connect" | "query"): unknown => {
    if (signal?.aborted) return signal.reason;
    if (error instanceof KittError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (phase === "connect") {
      if (message === "timeout exceeded when trying to connect") {
        return new KittError("STORAGE_FAILED", `no connection to the database ${options.description} was free within ${formatSeconds(timeouts.connectMs)} (${CONNECT_TIMEOUT_VARIABLE})`, { cause: error });
      }
      if (/timeout/i.test(message)) {
        return new KittError("STORAGE_FAILED", `the database ${options.description} did not answer within ${formatSeconds(timeouts.connectMs)} (${CONNECT_TIMEOUT_VARIABLE})`, { cause: error });
      }
      return new KittError("STORAGE_FAILED", `cannot connect to the database ${options.description}: ${message}`, { cause: error });
    }
    if (message === "Query read timeout" || (error instanceof pg.DatabaseError && error.code === "57014")) {
      return new KittError("STORAGE_FAILED", `the database ${options.description} did not answer a query within ${formatSeconds(timeouts.queryMs)} (${QUERY_TIMEOUT_VARIABLE})`, { cause: error });
    }
    // The server's own errors (SQL) stay as they are; anything else means the connection is gone.
    if (error instanceof pg.DatabaseError) return error;
    return new KittError("STORAGE_FAILED", `lost the database ${options.description}: ${message}`, { cause: error });
  };

  return {
    async connect() {
      signal?.throwIfAborted();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw failure(error, "connect");
      }
      let broken = false;
      // pg reports a connection lost while checked out as an 'error' event too; the query fails with it.
      const lost = (): void => {
        broken = true;
      };
      client.on("error", lost);
      const wrapped = {
        async query(sql: string, parameters: readonly unknown[]) {
          try {
            return await client.query(sql, [...parameters]);
          } catch (error) {
            // A query the client gave up on may still be running on this connection: it must not serve another.
            if (!(error instanceof pg.DatabaseError)) broken = true;
            throw failure(error, "query");
          }
        },
        release() {
          client.off("error", lost);
          client.release(broken);
        },
      };
      return wrapped as unknown as PostgresPoolClient;
    },
    async end() {
      signal?.removeEventListener("abort", destroySockets);
      await Promise.race([pool.end(), sleep(END_GRACE_MS, undefined, { ref: false })]);
      destroySockets();
    },
  };
}
