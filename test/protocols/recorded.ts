/** Helpers for protocol tests: recorded engine responses, re-chunked the ways a network can split them. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Protocol, StreamEvent } from "../../src/protocols/types.js";

const fixtureDir = fileURLToPath(new URL("../fixtures/engines/", import.meta.url));

export function recorded(...paths: string[]): string {
  return paths.map((path) => readFileSync(fixtureDir + path, "utf8")).join("");
}

/** Text pieces as the client produces them: bytes decoded with a streaming TextDecoder. */
export function decodedPieces(byteChunks: Uint8Array[]): string[] {
  const decoder = new TextDecoder("utf-8");
  const pieces = byteChunks.map((bytes) => decoder.decode(bytes, { stream: true }));
  pieces.push(decoder.decode());
  return pieces.filter((piece) => piece.length > 0);
}

/** The body cut into two at byte `at` (possibly inside a multi-byte character). */
export function splitAtByte(text: string, at: number): string[] {
  const bytes = new TextEncoder().encode(text);
  return decodedPieces([bytes.subarray(0, at), bytes.subarray(at)]);
}

export function oneBytePerRead(text: string): string[] {
  const bytes = new TextEncoder().encode(text);
  return decodedPieces(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
}

export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

async function* fromPieces(pieces: string[]): AsyncGenerator<string> {
  for (const piece of pieces) yield piece;
}

/** A clock that advances one millisecond per reading, so every event has a distinct time. */
export function tickingClock(start = 1000): () => number {
  let now = start;
  return () => ++now;
}

export async function parseAll(protocol: Protocol, pieces: string[], now = tickingClock()): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const event of protocol.parseStream(fromPieces(pieces), now)) events.push(event);
  return events;
}

/** Events without their arrival times, to compare parses of differently chunked bodies. */
export function withoutTimes(events: StreamEvent[]): unknown[] {
  return events.map((event) => (event.type === "chunk" ? { ...event, at: 0 } : event));
}

/** Parses `body` whole, split at every byte, and one byte per read; all must give the same events. */
export async function expectSameUnderEverySplit(protocol: Protocol, body: string): Promise<StreamEvent[]> {
  const whole = await parseAll(protocol, [body]);
  const expected = JSON.stringify(withoutTimes(whole));
  const length = byteLength(body);
  for (let at = 1; at < length; at++) {
    const split = JSON.stringify(withoutTimes(await parseAll(protocol, splitAtByte(body, at))));
    if (split !== expected) throw new Error(`parse differs when the body is split at byte ${at}:\n${split}\n!=\n${expected}`);
  }
  const bytewise = JSON.stringify(withoutTimes(await parseAll(protocol, oneBytePerRead(body))));
  if (bytewise !== expected) throw new Error(`parse differs when read one byte at a time:\n${bytewise}`);
  return whole;
}
