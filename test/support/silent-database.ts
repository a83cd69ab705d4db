/**
 * Database servers that stop answering, as a results database can: `silentDatabase()` accepts
 * TCP connections on a free loopback port and never sends a byte (a hung server, or a proxy
 * whose backend is gone); with `{ afterStartup: true }` it first completes PostgreSQL's startup
 * (AuthenticationOk, ReadyForQuery, as a `trust` server does) and then never answers a query.
 */
import { createServer, type Socket } from "node:net";

export interface SilentDatabase extends AsyncDisposable {
  port: number;
  /** A PostgreSQL URL with a password, to check that messages never show it. */
  url: string;
  /** Connections accepted so far. */
  connections(): number;
}

export async function silentDatabase(options: { afterStartup?: boolean } = {}): Promise<SilentDatabase> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    if (options.afterStartup) socket.once("data", () => socket.write(startupAnswer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `postgres://kitt:s3cret-pass@127.0.0.1:${port}/kitt`,
    connections: () => accepted,
    async [Symbol.asyncDispose]() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** AuthenticationOk ('R', 0) then ReadyForQuery ('Z', idle). */
function startupAnswer(): Buffer {
  const auth = Buffer.alloc(9);
  auth.write("R", 0);
  auth.writeInt32BE(8, 1);
  auth.writeInt32BE(0, 5);
  const ready = Buffer.alloc(6);
  ready.write("Z", 0);
  ready.writeInt32BE(5, 1);
  ready.write("I", 5);
  return Buffer.concat([auth, ready]);
}
