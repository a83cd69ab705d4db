/** Options of `kitt web`, `kitt web token` and `kitt web agent`. */
import { JSON_OPTION } from "./common.js";
import * as parse from "./parsers.js";
import { DB_OPTION } from "./storage.js";
import { defineOptions } from "./table.js";

export const WEB_OPTIONS = defineOptions({
  host: { flags: "--host <address>", description: "address to listen on", default: "127.0.0.1" },
  port: { flags: "--port <n>", description: "port to listen on (0: any free port)", parse: parse.nonNegativeInt, default: 8080 },
  ...DB_OPTION,
  tls: { flags: "--tls", description: "serve HTTPS with a self-signed certificate made once under ~/.kitt/tls/" },
  tlsCert: { flags: "--tls-cert <file>", description: "serve HTTPS with this PEM certificate (with --tls-key)" },
  tlsKey: { flags: "--tls-key <file>", description: "the PEM private key of --tls-cert" },
  authToken: { flags: "--auth-token <token>", description: "token every request but health and version needs (default KITT_AUTH_TOKEN)" },
  insecure: { flags: "--insecure", description: "allow listening beyond loopback with no token (warns on every start)" },
});

export const WEB_TOKEN_LIST_OPTIONS = defineOptions({ ...DB_OPTION, ...JSON_OPTION });

export const WEB_AGENT_ENROL_OPTIONS = defineOptions({
  name: { flags: "--name <name>", description: "the agent's name (default: its host's)" },
  ttl: { flags: "--ttl <duration>", description: "how long the code is good for: 30m, 1h, 2d (at most 7d)", parse: parse.duration, default: 3600, defaultText: "1h" },
  ...DB_OPTION,
  server: { flags: "--server <url>", description: "the server's URL as agents reach it, for the install line", parse: parse.httpUrl, default: "http://127.0.0.1:8080" },
});
