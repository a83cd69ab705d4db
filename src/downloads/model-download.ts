/** A model download from a URI: the source its scheme names, fetched into `dest` by `downloadTree`. */
import { downloadTree, type DownloadResult, type DownloadTreeOptions } from "./download-tree.js";
import { openSource } from "./source-registry.js";

export interface ModelDownloadOptions extends DownloadTreeOptions {
  env?: NodeJS.ProcessEnv;
  revision?: string;
}

export async function downloadModel(uri: string, dest: string, options: ModelDownloadOptions = {}): Promise<DownloadResult & { source: string }> {
  const { env = process.env, revision, ...treeOptions } = options;
  const source = await openSource(uri, { env, ...(revision === undefined ? {} : { revision }) });
  try {
    return { ...(await downloadTree(source, dest, treeOptions)), source: source.display };
  } finally {
    await source.close?.();
  }
}
