import { createParser, type EventSourceMessage } from "eventsource-parser";

/** Yields the `data` of each server-sent event as soon as the event is complete. */
export async function* sseData(body: AsyncIterable<string>): AsyncGenerator<string> {
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => ready.push(event) });
  for await (const text of body) {
    parser.feed(text);
    while (ready.length > 0) yield ready.shift()!.data;
  }
  // A last event not followed by a blank line still counts (some servers close right after
  // it): ending its line and the event dispatches it; with nothing pending this yields nothing.
  parser.feed("\n\n");
  while (ready.length > 0) yield ready.shift()!.data;
}
