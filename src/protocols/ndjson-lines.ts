/** Yields each non-blank line of a newline-delimited JSON stream as soon as it is complete. */
export async function* ndjsonLines(body: AsyncIterable<string>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of body) {
    pending += text;
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line) yield line;
      newline = pending.indexOf("\n");
    }
  }
  const last = pending.trim();
  if (last) yield last;
}
