/**
 * kitt reports memory in "GB" meaning GiB (2^30 bytes), as nvidia-smi's MiB and
 * /proc/meminfo's kB (really KiB) both count in powers of two.
 */

export function mibToGb(mib: number): number {
  return mib / 1024;
}

export function kibToGb(kib: number): number {
  return kib / (1024 * 1024);
}

export function roundTo(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
