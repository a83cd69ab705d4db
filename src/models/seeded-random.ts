/**
 * A small deterministic PRNG (mulberry32) and a normal sampler on top of it, so a generated
 * model is byte-for-byte reproducible from its seed on every machine.
 */

export function uniformSampler(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** N(mean, std) by the Box-Muller transform; each pair of uniforms gives two samples. */
export function normalSampler(seed: number, mean = 0, std = 1): () => number {
  const uniform = uniformSampler(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return mean + std * value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 - u lies in (0, 1], so the log is finite
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return mean + std * radius * Math.cos(angle);
  };
}

/** Mixes a seed with a name (FNV-1a), so each tensor gets its own independent stream. */
export function deriveSeed(seed: number, name: string): number {
  let hash = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
