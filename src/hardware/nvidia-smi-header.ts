/**
 * The banner of plain `nvidia-smi` output is the only place the driver's CUDA version appears.
 * Drivers up to R580 print "Driver Version: X   CUDA Version: Y"; R610 and later print
 * "KMD Version: X   CUDA UMD Version: Y".
 */

export interface NvidiaSmiHeader {
  driverVersion?: string;
  /** Highest CUDA version the driver supports, e.g. "12.4". */
  cudaVersion?: string;
}

export function parseNvidiaSmiHeader(text: string): NvidiaSmiHeader {
  const driver = /\b(?:Driver|KMD) Version:\s*(\d+(?:\.\d+)+)/.exec(text);
  const cuda = /\bCUDA (?:UMD )?Version:\s*(\d+(?:\.\d+)+)/.exec(text);
  return { driverVersion: driver?.[1], cudaVersion: cuda?.[1] };
}
