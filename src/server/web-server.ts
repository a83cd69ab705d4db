/**
 * A listening `kitt web` (or `kitt runtime`) server that owns its socket: `close()` stops accepting, ends every open
 * connection (keep-alive ones included) and resolves once the port is free; it is idempotent.
 */
import { serve, type ServerType } from "@hono/node-server";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { KittError } from "../errors.js";
import type { WebApp } from "./app.js";
import type { ServerCertificate } from "./tls/certificate.js";

export interface ListenOptions {
  host: string;
  /** 0 lets the OS choose. */
  port: number;
  tls?: ServerCertificate;
}

export class WebServer implements AsyncDisposable {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: ServerType,
    /** `http(s)://host:port`, with the port actually bound. */
    readonly url: string,
  ) {}

  static async listen(app: Pick<WebApp, "fetch">, options: ListenOptions): Promise<WebServer> {
    if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) throw new KittError("USAGE", `port ${options.port}: give 0 to 65535`);
    const server = options.tls ? serveHttps(app, options, options.tls) : serve({ fetch: app.fetch, hostname: options.host, port: options.port });
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("listening", resolve);
        server.once("error", reject);
      });
    } catch (error) {
      server.close();
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EADDRINUSE") throw new KittError("PORT_IN_USE", `port ${options.port} on ${options.host} is in use`, { cause: error });
      throw new KittError("USAGE", `cannot listen on ${options.host}:${options.port}: ${(error as Error).message}`, { cause: error });
    }
    const { port } = server.address() as AddressInfo;
    const host = options.host.includes(":") ? `[${options.host}]` : options.host;
    return new WebServer(server, `${options.tls ? "https" : "http"}://${host}:${port}`);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      const server = this.server as Server;
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function serveHttps(app: Pick<WebApp, "fetch">, options: ListenOptions, tls: ServerCertificate): ServerType {
  try {
    return serve({ fetch: app.fetch, hostname: options.host, port: options.port, createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } });
  } catch (error) {
    // Node checks the pair when it builds the TLS context: a key of another certificate, a bad PEM.
    throw new KittError("CONFIG_INVALID", `cannot serve HTTPS with ${tls.certPath} and ${tls.keyPath}: ${(error as Error).message}`, { cause: error });
  }
}
