/**
 * Runs an emulated engine as its own process, started with the same arguments as the real
 * engine. Logs go to stdout (errors to stderr); SIGTERM/SIGINT shut it down cleanly.
 */
import { existsSync } from "node:fs";
import { createEngineServer } from "./engine-server.mjs";
import { resolveSettings, settingsFromEnv } from "./options.mjs";

/** A local path (absolute or relative) that is not there; anything else reads as a hub model id. */
function missingLocalPath(path) {
  return /^(\/|\.\.?\/|~)/.test(path) && !existsSync(path);
}

export async function runEngineCli(engine, argv = process.argv.slice(2), env = process.env) {
  let info;
  let settings;
  try {
    info = { ...engine.parseCommandLine(argv, env), pid: process.pid };
    settings = resolveSettings({ ...settingsFromEnv(env), host: info.host, port: info.port });
  } catch (error) {
    console.error(`${engine.name}: error: ${error.message}`);
    process.exit(2);
  }
  const log = (line) => console.log(line);
  for (const line of engine.lines.banner(info)) log(line);
  if (info.modelPath !== undefined && missingLocalPath(info.modelPath)) {
    for (const line of engine.lines.missingModel(info)) console.error(line);
    process.exit(1);
  }

  const server = createEngineServer(engine, settings, info, log);
  const shutdown = async () => {
    for (const line of engine.lines.shutdown(info)) log(line);
    await server.close();
    process.exit(0);
  };
  process.once("SIGTERM", shutdown);
  process.once("SIGINT", shutdown);

  try {
    await server.listening;
  } catch (error) {
    for (const line of engine.lines.bindFailed(info, error)) console.error(line);
    process.exit(1);
  }
  await server.ready;
  if (settings.exitAfterMs !== undefined) {
    setTimeout(() => {
      for (const line of engine.lines.crash(info)) console.error(line);
      process.exit(1);
    }, settings.exitAfterMs);
  }
}
