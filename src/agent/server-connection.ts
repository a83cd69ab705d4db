/**
 * How an agent reaches its server: an undici dispatcher with timeouts, and for a server with a
 * self-signed certificate, a pin (`--ca-pin`): the certificate's public-key pin `sha256//BASE64`
 * (what `curl --pinnedpubkey` takes) or its SHA-256 fingerprint in hex. With a pin, the pinned
 * certificate is trusted whoever signed it, and any other certificate is refused.
 */
import { createHash, X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import { Agent, buildConnector } from "undici";
import { KittError } from "../errors.js";

export interface ServerTarget {
  /** The server's base URL, `https://host:port`. */
  url: string;
  caPin?: string;
}

const PUBLIC_KEY_PIN = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;
const FINGERPRINT = /^(?:[0-9a-f]{2}:?){31}[0-9a-f]{2}$/i;

/** The pin in the form compared against, or a CONFIG_INVALID error for a malformed one. */
export function normalizePin(pin: string): string {
  const text = pin.trim();
  if (PUBLIC_KEY_PIN.test(text)) return text;
  if (FINGERPRINT.test(text)) return text.replaceAll(":", "").toLowerCase();
  throw new KittError("CONFIG_INVALID", `'${pin}' is not a certificate pin: give sha256//BASE64 (the public key) or the SHA-256 fingerprint in hex`);
}

/** Whether a certificate (DER) matches a normalized pin. */
export function certificateMatchesPin(der: Buffer, pin: string): boolean {
  if (pin.startsWith("sha256//")) {
    const spki = new X509Certificate(der).publicKey.export({ type: "spki", format: "der" });
    return `sha256//${createHash("sha256").update(spki).digest("base64")}` === pin;
  }
  return createHash("sha256").update(der).digest("hex") === pin;
}

export class PinMismatchError extends Error {
  constructor(host: string) {
    super(`the certificate of ${host} does not match the pinned one (--ca-pin)`);
    this.name = "PinMismatchError";
  }
}

/** A dispatcher for requests to the server; close it when done. */
export function serverDispatcher(target: ServerTarget, timeoutMs: number): Agent {
  const timeouts = { headersTimeout: timeoutMs, bodyTimeout: timeoutMs };
  if (target.caPin === undefined || !target.url.startsWith("https:")) return new Agent({ ...timeouts, connect: { timeout: timeoutMs } });
  const pin = normalizePin(target.caPin);
  // No session cache: every connection shows its certificate again, to be checked again.
  const connect = buildConnector({ rejectUnauthorized: false, timeout: timeoutMs, maxCachedSessions: 0 });
  return new Agent({
    ...timeouts,
    connect(options, callback) {
      connect(options, (error, socket) => {
        if (error) return callback(error, null);
        const certificate = (socket as TLSSocket).getPeerCertificate(false);
        if (!certificate?.raw || !certificateMatchesPin(certificate.raw, pin)) {
          socket.destroy();
          return callback(new PinMismatchError(options.hostname), null);
        }
        callback(null, socket);
      });
    },
  });
}
