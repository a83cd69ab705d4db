/** Maps suite-style sampling settings (snake_case) onto a `GenerateRequest`. */
import type { SamplingConfig } from "../config/suite-schema.js";
import type { GenerateRequest } from "../protocols/types.js";

export type SamplingRequest = Pick<GenerateRequest, "temperature" | "topP" | "topK" | "seed">;

/** Only the settings that are set, so engines keep their own defaults for the rest. */
export function samplingRequest(config: SamplingConfig): SamplingRequest {
  const request: SamplingRequest = {};
  if (config.temperature !== undefined) request.temperature = config.temperature;
  if (config.top_p !== undefined) request.topP = config.top_p;
  if (config.top_k !== undefined) request.topK = config.top_k;
  if (config.seed !== undefined) request.seed = config.seed;
  return request;
}
