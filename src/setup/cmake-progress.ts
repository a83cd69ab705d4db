/**
 * Turns cmake's build output (`[ 42%] Building CXX object …/server-task.cpp.o`) into a
 * percentage and a short label, so a build of several minutes shows where it is.
 */

export interface CmakeProgress {
  percent: number;
  /** e.g. "compiling server-task.cpp", "linking libllama.so", "built llama-common". */
  label: string;
}

const PROGRESS_LINE = /^\[\s*(\d{1,3})%\]\s+(.*)$/;

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function shortLabel(text: string): string {
  const compiling = /^Building \S+ object (\S+?)\.o$/.exec(text);
  if (compiling?.[1]) return `compiling ${basename(compiling[1])}`;
  const linking = /^Linking \S+ (?:shared library|static library|executable) (\S+)$/.exec(text);
  if (linking?.[1]) return `linking ${basename(linking[1])}`;
  const built = /^Built target (\S+)$/.exec(text);
  if (built?.[1]) return `built ${built[1]}`;
  return text;
}

/** The progress a cmake output line reports, or undefined for other lines. */
export function parseCmakeProgress(line: string): CmakeProgress | undefined {
  const match = PROGRESS_LINE.exec(line.trim());
  if (!match?.[1] || match[2] === undefined) return undefined;
  return { percent: Math.min(100, Number(match[1])), label: shortLabel(match[2].trim()) };
}
