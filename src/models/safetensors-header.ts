/**
 * The weights a safetensors file holds, from its header: 8 bytes of little-endian header length,
 * then a JSON object of tensor name → `{dtype, shape, data_offsets}` (and `__metadata__`).
 */
import { open } from "node:fs/promises";

/** The format's own limit on the header. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** The number of weights in the file, or undefined when its header cannot be read. */
export async function safetensorsParameterCount(path: string): Promise<number | undefined> {
  const handle = await open(path, "r");
  try {
    const prefix = await handle.read(Buffer.alloc(8), 0, 8, 0);
    if (prefix.bytesRead < 8) return undefined;
    const length = prefix.buffer.readBigUInt64LE(0);
    if (length === 0n || length > BigInt(MAX_HEADER_BYTES)) return undefined;
    const bytes = Buffer.alloc(Number(length));
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, 8);
    if (bytesRead < bytes.length) return undefined;
    const header = JSON.parse(bytes.toString("utf8")) as Record<string, { shape?: unknown }>;
    let count = 0;
    for (const [name, tensor] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      const shape = tensor?.shape;
      if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && dim >= 0)) return undefined;
      count += (shape as number[]).reduce((product, dim) => product * dim, 1);
    }
    return count;
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}
