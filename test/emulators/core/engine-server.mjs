/**
 * Starts one emulated engine: closed port while "loading", then (for engines that bind early)
 * 503 answers while "warming up", then the engine's routes. Logs go through `log`, in the
 * engine's own wording, so log-watching code sees what it would see from the real server.
 */
import http from "node:http";
import { HttpError } from "./http-util.mjs";
import { Scheduler } from "./scheduler.mjs";

export function createEngineServer(engine, settings, info, log) {
  const ctx = {
    settings,
    model: info.servedName,
    modelPath: info.modelPath,
    scheduler: new Scheduler(settings),
    createdAt: Date.now() / 1000,
    phase: "loading",
    info,
    log,
  };
  const routes = engine.routes(ctx);
  const server = http.createServer((req, res) => {
    handle(engine, ctx, routes, req, res).catch((error) => {
      if (!res.headersSent) engine.sendError(res, 500, error instanceof Error ? error.message : String(error), "InternalServerError");
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  let closed = false;
  const timers = new Set();
  const wait = (ms) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => (timers.delete(timer), resolve()), ms);
      timers.add(timer);
    });
  const phases = engine.startupPhases(settings.startupMs);

  const listening = (async () => {
    if (phases.refuseMs > 0) await wait(phases.refuseMs);
    if (closed) return;
    await new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(settings.port, settings.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    ctx.phase = phases.unavailableMs > 0 ? "starting" : "loading";
    for (const line of engine.lines.listening(info)) log(line);
  })();

  const ready = (async () => {
    await listening;
    if (closed) return;
    if (phases.unavailableMs > 0) await wait(phases.unavailableMs);
    if (closed) return;
    ctx.phase = "ready";
    for (const line of engine.lines.ready(info)) log(line);
  })();
  // A failed listen surfaces through `listening`; keep `ready` from reporting it twice.
  ready.catch(() => {});

  return {
    ctx,
    listening,
    ready,
    get port() {
      const address = server.address();
      return typeof address === "object" && address ? address.port : settings.port;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      if (!server.listening) return;
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function handle(engine, ctx, routes, req, res) {
  const url = new URL(req.url ?? "/", "http://emulator");
  try {
    if (ctx.phase !== "ready") {
      engine.whileStarting(ctx, req, res, url);
      return;
    }
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) {
      const knownPath = Object.keys(routes).some((key) => key.endsWith(` ${url.pathname}`));
      throw knownPath ? new HttpError(405, "Method Not Allowed", "MethodNotAllowed") : new HttpError(404, "Not Found", "NotFoundError");
    }
    await route(req, res, url);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    if (res.headersSent) res.destroy();
    else engine.sendError(res, error.status, error.message, error.type);
  } finally {
    engine.lines.access?.(req, res, url, ctx.info)?.forEach((line) => ctx.log(line));
  }
}

