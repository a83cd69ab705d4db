/** Progress of a long setup step (fetching and building llama.cpp takes minutes), for a spinner or log. */
export type SetupPhase = "fetch" | "clone" | "wait" | "configure" | "build" | "install" | "package";

export interface SetupProgress {
  phase: SetupPhase;
  /** One line for a person, e.g. "compiling server-task.cpp". */
  message: string;
  /** 0–100 where the step reports it (cmake's build does). */
  percent?: number;
}

export type ProgressListener = (progress: SetupProgress) => void;
