/**
 * The download source for each URI scheme. Each entry imports its source only when used, so a
 * local copy never loads the AWS SDK.
 */
import { parseModelUri, type SourceScheme } from "./model-uri.js";
import type { DownloadSource, SourceContext, SourceFactory } from "./source.js";

const SOURCES: Record<SourceScheme, SourceFactory> = {
  s3: async (location, context) => (await import("./s3/s3-source.js")).s3Source("s3", location, context),
  obs: async (location, context) => (await import("./s3/s3-source.js")).s3Source("obs", location, context),
  hf: async (location, context) => (await import("./hf/hf-source.js")).hubModelSource(location, context),
  pvc: async (location, context) => (await import("./local-source.js")).pvcSource(location, context),
  file: async (location, context) => (await import("./local-source.js")).fileSource(location, context),
};

/** The source `uri` names, ready to list and read. */
export async function openSource(uri: string, context: SourceContext): Promise<DownloadSource> {
  const { scheme, location } = parseModelUri(uri);
  return SOURCES[scheme](location, context);
}
