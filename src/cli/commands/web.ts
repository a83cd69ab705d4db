/**
 * `kitt web`: the REST API over the results store until Ctrl+C or SIGTERM, then the socket is
 * closed and the store released. Refuses to listen beyond loopback without a token.
 */
import pc from "picocolors";
import { KittError } from "../../errors.js";
import { shutdownSignal } from "../../runtime/lifecycle.js";
import { AgentMonitor } from "../../server/agents/agent-liveness.js";
import { createApp, OPENAPI_PATH } from "../../server/app.js";
import { JobRunner } from "../../server/jobs/job-runner.js";
import { checkBind, isLoopback } from "../../server/bind-policy.js";
import { loadCertificate, selfSignedCertificate, type ServerCertificate } from "../../server/tls/certificate.js";
import { effectiveSettings } from "../../server/settings/effective-settings.js";
import { WebServer } from "../../server/web-server.js";
import { openStore } from "../../store/results-store.js";
import { listWebTokens } from "../../store/web-tokens.js";
import type { WEB_OPTIONS } from "../options/web.js";
import type { OptionsOf } from "../options/table.js";

/** `authToken` defaults to `KITT_AUTH_TOKEN`. */
export type WebOptions = OptionsOf<typeof WEB_OPTIONS>;

export async function webCommand(options: WebOptions): Promise<void> {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new KittError("USAGE", "--tls-cert and --tls-key go together");
  if (options.tls && options.tlsCert !== undefined) throw new KittError("USAGE", "--tls makes its own certificate; drop it to use --tls-cert and --tls-key");
  const authToken = options.authToken ?? (process.env.KITT_AUTH_TOKEN || undefined);

  await using store = await openStore({ url: options.db });
  const tokenConfigured = authToken !== undefined || (await listWebTokens(store)).length > 0;
  const { warning } = checkBind(options.host, tokenConfigured, options.insecure ?? false);
  if (warning !== undefined) process.stderr.write(`${pc.yellow("kitt: warning:")} ${warning}\n`);

  const certificate = await chooseCertificate(options);
  // Disposed after the server: the running job is stopped once no request can reach it.
  const settings = () => effectiveSettings(store);
  await using jobs = await JobRunner.open({
    store,
    modelDir: async () => (await settings()).modelDir.value,
    resultsDir: async () => (await settings()).resultsDir.value,
  });
  await using server = await WebServer.listen(createApp({
      store,
      authToken,
      alwaysRequireToken: !isLoopback(options.host) && !options.insecure,
      secureCookies: certificate !== undefined,
      jobs,
      publicKeyPin: options.tls ? certificate?.publicKeyPin : undefined,
    }), {
    host: options.host,
    port: options.port,
    tls: certificate,
  });
  jobs.begin();
  await using _agents = new AgentMonitor(store, jobs.events);
  const auth = tokenConfigured ? "token required" : "no token configured: open to this machine only";
  process.stdout.write(`kitt web: serving ${server.url} (results: ${store.description}; ${auth}; API ${server.url}${OPENAPI_PATH})\n`);
  if (certificate !== undefined) {
    process.stdout.write(`kitt web: TLS certificate ${certificate.certPath} SHA-256 fingerprint ${certificate.fingerprint256} (curl --pinnedpubkey '${certificate.publicKeyPin}')\n`);
  }
  await new Promise<void>((resolve) => {
    if (shutdownSignal.aborted) resolve();
    else shutdownSignal.addEventListener("abort", () => resolve(), { once: true });
  });
}

async function chooseCertificate(options: WebOptions): Promise<ServerCertificate | undefined> {
  if (options.tlsCert !== undefined && options.tlsKey !== undefined) return loadCertificate(options.tlsCert, options.tlsKey);
  if (options.tls) return selfSignedCertificate(process.env, [options.host]);
  return undefined;
}
