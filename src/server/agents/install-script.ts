/**
 * The install script `GET /api/v1/agent/install.sh?code=` serves, and the one-line command that
 * fetches it. The script checks Node, downloads the server's own kitt package, verifies its
 * SHA-256, installs it under `~/.kitt/agent` (npm's global layout: `bin/kitt`) and runs `kitt
 * agent init`, which trades the code for the agent's token. Every value put into it is checked
 * against a strict pattern and single-quoted.
 */
import { KittError } from "../../errors.js";
import { agentPaths } from "./agent-protocol.js";

const SERVER_URL = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
const CODE = /^[A-Za-z0-9_-]{16,128}$/;
const PIN = /^sha256\/\/[A-Za-z0-9+/=]{44}$/;
const SHA256 = /^[0-9a-f]{64}$/;

export interface InstallTarget {
  /** The server's origin as agents reach it, e.g. `https://gpu-lab:8080`. */
  serverUrl: string;
  code: string;
  /** `curl --pinnedpubkey` value when the server uses its self-signed certificate. */
  publicKeyPin?: string;
}

/** `curl -fsSL 'https://SERVER/api/v1/agent/install.sh?code=CODE' | bash`, pinned when the certificate is self-signed. */
export function installCommand(target: InstallTarget): string {
  const { serverUrl, code, publicKeyPin } = checked(target);
  const pin = publicKeyPin === undefined ? "" : ` --pinnedpubkey '${publicKeyPin}'`;
  return `curl -fsSL${pin} '${serverUrl}${agentPaths.installScript}?code=${code}' | bash`;
}

export function installScript(target: InstallTarget & { packageSha256: string; kittVersion: string }): string {
  const { serverUrl, code, publicKeyPin } = checked(target);
  if (!SHA256.test(target.packageSha256)) throw new KittError("INTERNAL", "the package digest is not a SHA-256");
  const version = target.kittVersion.replace(/[^A-Za-z0-9.+-]/g, "");
  const pinOption = publicKeyPin === undefined ? "" : ` --pinnedpubkey '${publicKeyPin}'`;
  const caPin = publicKeyPin === undefined ? "" : ` --ca-pin '${publicKeyPin}'`;
  return `#!/usr/bin/env bash
# Installs kitt ${version} from ${serverUrl} as a kitt agent and enrols this host.
set -euo pipefail
server='${serverUrl}'
code='${code}'
expected_sha256='${target.packageSha256}'
prefix="\${KITT_AGENT_PREFIX:-$HOME/.kitt/agent}"

fail() { echo "kitt agent install: $*" >&2; exit 1; }
command -v node >/dev/null 2>&1 || fail "Node.js 20.19 or newer is needed (https://nodejs.org)"
command -v npm >/dev/null 2>&1 || fail "npm is needed (it comes with Node.js)"
node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' \\
  || fail "Node.js 20.19 or newer is needed; this is $(node --version)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl -fsSL --max-time 600${pinOption} -o "$work/kitt.tgz" "$server${agentPaths.package}?code=$code" || fail "cannot download kitt from $server"
actual_sha256="$(node -e 'const c = require("node:crypto"), f = require("node:fs"); process.stdout.write(c.createHash("sha256").update(f.readFileSync(process.argv[1])).digest("hex"))' "$work/kitt.tgz")"
[ "$actual_sha256" = "$expected_sha256" ] || fail "the downloaded package's SHA-256 is $actual_sha256, not $expected_sha256"

mkdir -p "$prefix"
# Under curl | bash, stdin is the rest of this script: nothing may read it. better-sqlite3's install
# script fetches or builds its binary; npm 11 asks global installs to allow it by name (npm 10 ignores this).
npm install --global --prefix "$prefix" --allow-scripts=better-sqlite3 --no-audit --no-fund --loglevel=error "$work/kitt.tgz" </dev/null || fail "npm could not install kitt into $prefix"
exec "$prefix/bin/kitt" agent init --server "$server" --code "$code"${caPin} </dev/null
`;
}

/** The URL if it is a plain origin (scheme, host, port) that can go into a script; USAGE if not. */
export function checkServerUrl(url: string): string {
  if (!SERVER_URL.test(url)) throw new KittError("USAGE", `server URL ${JSON.stringify(url)}: give scheme, host and port only, e.g. https://gpu-lab:8080`);
  return url;
}

function checked(target: InstallTarget): InstallTarget {
  checkServerUrl(target.serverUrl);
  if (!CODE.test(target.code)) throw new KittError("USAGE", "the enrolment code is not one this server makes");
  if (target.publicKeyPin !== undefined && !PIN.test(target.publicKeyPin)) throw new KittError("INTERNAL", "the certificate pin is not sha256//BASE64");
  return target;
}
