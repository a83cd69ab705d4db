/**
 * Refuses a port that something already listens on, before an engine tries and fails
 * with a less clear message (or, worse, kitt benchmarks the wrong server).
 */
import { createServer } from "node:net";
import { KittError } from "../errors.js";

export async function assertPortFree(port: number, host = "127.0.0.1"): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new KittError("PORT_IN_USE", `port ${port} is already in use on ${host}; stop what uses it or pick another with --port`);
  }
}

/** A port nobody listens on right now, chosen by the OS. */
export async function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
