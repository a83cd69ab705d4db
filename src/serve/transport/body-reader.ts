/**
 * Turns a response body, as it arrives, into stream events for one request. The OpenAI routes
 * take the synchronous byte-level path (`fast-sse.ts`): every event found in a socket read is
 * stamped with that read's arrival time. Other protocols go through their own async parser,
 * fed with decoded text, which stamps events as it parses them.
 */
import type { Protocol, StreamEvent } from "../../protocols/types.js";
import { SseDataScanner } from "./fast-sse.js";
import { OpenAIStreamEvents, isOpenAIStreamProtocol, type OpenAIStreamProtocol } from "./fast-sse-openai.js";

export interface BodyReader {
  /** Bytes that arrived at `at` (`performance.now()`); throws when the stream is malformed. */
  push(bytes: Buffer, at: number): void;
  /** The body ended; `settled` follows once every event was delivered. */
  end(): void;
  /** The body broke off; stops reading. */
  abandon(): void;
}

export interface BodyReaderCallbacks {
  event(event: StreamEvent): void;
  /** Every event delivered (`error` null), or the parser failed. Called once. */
  settled(error: unknown): void;
}

export function createBodyReader(protocol: Protocol, callbacks: BodyReaderCallbacks): BodyReader {
  return isOpenAIStreamProtocol(protocol.name) ? fastOpenAIReader(protocol.name, callbacks) : protocolReader(protocol, callbacks);
}

function fastOpenAIReader(name: OpenAIStreamProtocol, callbacks: BodyReaderCallbacks): BodyReader {
  const events = new OpenAIStreamEvents(name, callbacks.event);
  let arrivedAt = 0;
  const scanner = new SseDataScanner((data) => events.data(data, arrivedAt));
  return {
    push(bytes, at) {
      arrivedAt = at;
      scanner.push(bytes);
    },
    end() {
      try {
        scanner.end();
        events.end();
      } catch (error) {
        callbacks.settled(error);
        return;
      }
      callbacks.settled(null);
    },
    // Nothing runs in the background here; the scanner simply stops being fed.
    abandon() {},
  };
}

/** Feeds the protocol's async parser through a small queue of decoded text pieces. */
function protocolReader(protocol: Protocol, callbacks: BodyReaderCallbacks): BodyReader {
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const queue = new TextQueue();
  void (async () => {
    for await (const event of protocol.parseStream(queue, () => performance.now())) callbacks.event(event);
  })().then(
    () => callbacks.settled(null),
    (error: unknown) => callbacks.settled(error),
  );
  return {
    push(bytes) {
      const text = decoder.decode(bytes, { stream: true });
      if (text) queue.push(text);
    },
    end() {
      const rest = decoder.decode();
      if (rest) queue.push(rest);
      queue.close();
    },
    abandon() {
      queue.close();
    },
  };
}

/** An async iterable of text pieces pushed from callbacks. */
class TextQueue implements AsyncIterable<string> {
  private readonly pieces: string[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  push(piece: string): void {
    this.pieces.push(piece);
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      const piece = this.pieces.shift();
      if (piece !== undefined) {
        yield piece;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
