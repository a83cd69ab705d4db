/** A small JSON GET against a running engine's own info routes; undefined when it does not answer 200 with JSON. */
import { request } from "undici";

export async function getJson(url: string): Promise<unknown> {
  try {
    const response = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return undefined;
    }
    return await response.body.json();
  } catch {
    return undefined;
  }
}
