/**
 * Entry of the self-test server's own process (see `server-process.ts`), so the server
 * never competes with the client for an event loop. The configuration comes as the first
 * argument; the parent asks for the report and closes the server over the IPC channel.
 */
import type { FromSelftestServer, ToSelftestServer } from "./server-process.js";
import { SelftestServer, type SelftestServerConfig } from "./server.js";

const send = (message: FromSelftestServer): void => {
  process.send?.(message);
};

const server = new SelftestServer(JSON.parse(process.argv[2] ?? "{}") as SelftestServerConfig);
server.listen().then(
  (url) => send({ type: "listening", url }),
  (error: unknown) => {
    console.error(`self-test server: ${String(error)}`);
    process.exit(1);
  },
);
process.on("message", (message: ToSelftestServer) => {
  if (message.type === "report") send({ type: "report", report: server.report() });
  else void server.close().then(() => process.exit(0));
});
// The parent went away without closing us.
process.on("disconnect", () => process.exit(0));
