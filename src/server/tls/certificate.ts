/**
 * The certificate `kitt web` serves: given files (`--tls-cert`, `--tls-key`), or with `--tls` a
 * self-signed one made once under `$KITT_HOME/tls/` (key 0600) with this host's names and
 * addresses as SANs, and reused. Its SHA-256 fingerprint and public-key pin let clients pin it.
 */
import { createHash, X509Certificate } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname, networkInterfaces } from "node:os";
import { isIP } from "node:net";
import { join } from "node:path";
import { generate } from "selfsigned";
import { kittHome } from "../../config/paths.js";
import { KittError } from "../../errors.js";

export interface ServerCertificate {
  cert: string;
  key: string;
  /** SHA-256 of the certificate (DER), colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprint256: string;
  /** `sha256//BASE64` of the public key, as `curl --pinnedpubkey` takes it. */
  publicKeyPin: string;
  /** Where the files are. */
  certPath: string;
  keyPath: string;
}

const VALID_DAYS = 825;

export async function loadCertificate(certPath: string, keyPath: string): Promise<ServerCertificate> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8")]);
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `cannot read the TLS certificate or key: ${(error as Error).message}`, { cause: error });
  }
  return describe(cert, key, certPath, keyPath);
}

/** `$KITT_HOME/tls/kitt-web.{crt,key}` if `kitt web --tls` made them; undefined if not. */
export async function existingSelfSignedCertificate(env: NodeJS.ProcessEnv = process.env): Promise<ServerCertificate | undefined> {
  const dir = join(kittHome(env), "tls");
  const certPath = join(dir, "kitt-web.crt");
  const keyPath = join(dir, "kitt-web.key");
  try {
    return describe(await readFile(certPath, "utf8"), await readFile(keyPath, "utf8"), certPath, keyPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    return undefined;
  }
}

/** `$KITT_HOME/tls/kitt-web.{crt,key}`, made on first use. */
export async function selfSignedCertificate(env: NodeJS.ProcessEnv = process.env, extraNames: readonly string[] = []): Promise<ServerCertificate> {
  const existing = await existingSelfSignedCertificate(env);
  if (existing) return existing;
  const dir = join(kittHome(env), "tls");
  const certPath = join(dir, "kitt-web.crt");
  const keyPath = join(dir, "kitt-web.key");
  const names = hostNames(extraNames);
  const notAfter = new Date(Date.now() + VALID_DAYS * 86_400_000);
  const pems = await generate([{ name: "commonName", value: names.dns[0] ?? "localhost" }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [...names.dns.map((value) => ({ type: 2 as const, value })), ...names.ips.map((ip) => ({ type: 7 as const, ip }))] },
    ],
  });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(keyPath, pems.private, { mode: 0o600, flag: "wx" });
  await chmod(keyPath, 0o600);
  await writeFile(certPath, pems.cert, { mode: 0o644, flag: "wx" });
  return describe(pems.cert, pems.private, certPath, keyPath);
}

function describe(cert: string, key: string, certPath: string, keyPath: string): ServerCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (error) {
    throw new KittError("CONFIG_INVALID", `${certPath} is not a PEM certificate: ${(error as Error).message}`, { cause: error });
  }
  const spki = x509.publicKey.export({ type: "spki", format: "der" });
  return { cert, key, certPath, keyPath, fingerprint256: x509.fingerprint256, publicKeyPin: `sha256//${createHash("sha256").update(spki).digest("base64")}` };
}

/** This host's name, localhost and every address of its interfaces, plus the names given. */
function hostNames(extra: readonly string[]): { dns: string[]; ips: string[] } {
  const dns = new Set<string>([hostname(), "localhost"]);
  const ips = new Set<string>(["127.0.0.1", "::1"]);
  for (const addresses of Object.values(networkInterfaces())) {
    for (const address of addresses ?? []) ips.add(address.address.replace(/%.*$/, ""));
  }
  for (const name of extra) {
    if (name === "0.0.0.0" || name === "::" || name === "") continue;
    if (isIP(name)) ips.add(name);
    else dns.add(name);
  }
  return { dns: [...dns], ips: [...ips] };
}
