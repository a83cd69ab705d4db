/**
 * `kitt web agent enrol`: a single-use enrolment code, kept in the results database as its
 * SHA-256, and the install line a GPU server runs to become an agent. The code is printed once.
 * An https server URL gets the install line pinned to `kitt web --tls`'s self-signed
 * certificate when one exists in this KITT_HOME.
 */
import { KittError } from "../../errors.js";
import { MAX_ENROLMENT_TTL_S, newEnrolment } from "../../server/agents/enrolment.js";
import { checkServerUrl, installCommand } from "../../server/agents/install-script.js";
import { existingSelfSignedCertificate } from "../../server/tls/certificate.js";
import { openStore } from "../../store/results-store.js";
import type { WEB_AGENT_ENROL_OPTIONS } from "../options/web.js";
import type { OptionsOf } from "../options/table.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export async function webAgentEnrolCommand(options: OptionsOf<typeof WEB_AGENT_ENROL_OPTIONS>): Promise<void> {
  if (options.name !== undefined && !NAME.test(options.name)) throw new KittError("USAGE", `agent name ${JSON.stringify(options.name)}: letters, digits, '.', '_' and '-', at most 64`);
  if (options.ttl > MAX_ENROLMENT_TTL_S) throw new KittError("USAGE", `--ttl ${options.ttl}s: at most 7d`);
  const server = new URL(options.server);
  if (server.pathname !== "/" || server.search !== "" || server.hash !== "") throw new KittError("USAGE", `--server ${options.server}: give scheme, host and port only, e.g. https://gpu-lab:8080`);
  const serverUrl = checkServerUrl(server.origin);
  const pin = serverUrl.startsWith("https:") ? (await existingSelfSignedCertificate())?.publicKeyPin : undefined;
  await using store = await openStore({ url: options.db });
  const enrolment = await newEnrolment(store, { name: options.name, ttlSeconds: options.ttl });
  const expires = new Date(enrolment.expires_at).toISOString().slice(0, 16).replace("T", " ");
  process.stderr.write(`enrolment code made; it is shown only now, good once until ${expires} UTC. On the GPU server run:\n`);
  process.stdout.write(`${enrolment.code}\n${installCommand({ serverUrl, code: enrolment.code, publicKeyPin: pin })}\n`);
}
