/** Seeded sampling shared by the file-based data sets: the same seed picks the same prompts. */
import { deriveSeed, uniformSampler } from "../models/seeded-random.js";

/** A seeded Fisher–Yates shuffle (a new array). */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const result = items.slice();
  for (let i = result.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

/**
 * `count` indices into `size` items in seeded random order. When more are asked for than
 * there are items, every item is used once per pass, each pass in a new order.
 */
export function sampleIndices(size: number, count: number, seed: number): number[] {
  const random = uniformSampler(deriveSeed(seed, "sample"));
  const all = Array.from({ length: size }, (_, index) => index);
  let picked: number[] = [];
  while (picked.length < count) picked = picked.concat(shuffled(all, random).slice(0, count - picked.length));
  return picked;
}
