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

export const PUBLIC_KEY_PIN = /^sha256\/\/[A-Za-z0-9+/]{43}=$/;
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
  constructor(host: string, fingerprint: string | undefined, pin: string) {
    super(`the certificate of ${host} has SHA-256 fingerprint ${fingerprint || "(none)"}, not the pinned ${pin} (--ca-pin); nothing was sent`);
    this.name = "PinMismatchError";
  }
}

/** A dispatcher for requests to the server; close it when done. */
export function serverDispatcher(target: ServerTarget, timeoutMs: number): Agent {
  return new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: pinnedConnector(target.caPin, timeoutMs) });
}

/**
 * undici's connector, with a pinned server's certificate checked once the TLS handshake is done
 * and before anything is written (a mismatch is a `PinMismatchError`); without a pin, the plain one.
 */
export function pinnedConnector(caPin: string | undefined, timeoutMs: number): buildConnector.connector {
  if (caPin === undefined) return buildConnector({ timeout: timeoutMs });
  const pin = normalizePin(caPin);
  // No session cache: a resumed session shows no certificate, and every connection must show it again.
  const connect = buildConnector({ rejectUnauthorized: false, timeout: timeoutMs, maxCachedSessions: 0 });
  return (options, callback) =>
    connect(options, (error, socket) => {
      if (error !== null) return callback(error, null);
      if (options.protocol !== "https:") return callback(null, socket);
      const certificate = (socket as TLSSocket).getPeerCertificate(false);
      if (certificate?.raw && certificateMatchesPin(certificate.raw, pin)) return callback(null, socket);
      socket.destroy();
      callback(new PinMismatchError(`${options.hostname}:${options.port}`, certificate?.fingerprint256, caPin), null);
    });
}
