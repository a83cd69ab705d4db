import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { KittError } from "../../src/errors.js";
import { assertPortFree, findFreePort } from "../../src/preflight/port.js";

describe("port preflight", () => {
  it("accepts a free port and refuses one in use with PORT_IN_USE", async () => {
    const port = await findFreePort();
    await assertPortFree(port);
    const server = createServer().listen(port, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      const error = await assertPortFree(port).catch((e: unknown) => e);
      expect((error as KittError).code).toBe("PORT_IN_USE");
      expect((error as KittError).message).toContain(`port ${port} is already in use`);
    } finally {
      server.close();
    }
  });
});
