import { describe, expect, it } from "vitest";
import { parseCmakeProgress } from "../../src/setup/cmake-progress.js";

describe("parseCmakeProgress", () => {
  it("reads the percentage and names the step", () => {
    expect(parseCmakeProgress("[ 93%] Building CXX object tools/server/CMakeFiles/server-context.dir/server-task.cpp.o")).toEqual({
      percent: 93,
      label: "compiling server-task.cpp",
    });
    expect(parseCmakeProgress("[  3%] Building C object ggml/src/CMakeFiles/ggml-base.dir/ggml.c.o")).toEqual({
      percent: 3,
      label: "compiling ggml.c",
    });
    expect(parseCmakeProgress("[  7%] Linking CXX shared library ../../bin/libggml-base.so")).toEqual({
      percent: 7,
      label: "linking libggml-base.so",
    });
    expect(parseCmakeProgress("[100%] Linking CXX executable ../../bin/llama-server")?.label).toBe("linking llama-server");
    expect(parseCmakeProgress("[ 92%] Built target llama-common")).toEqual({ percent: 92, label: "built llama-common" });
    expect(parseCmakeProgress("[ 10%] Provisioning UI assets")).toEqual({ percent: 10, label: "Provisioning UI assets" });
  });

  it("ignores lines without progress", () => {
    expect(parseCmakeProgress("-- Found Git: /usr/bin/git")).toBeUndefined();
    expect(parseCmakeProgress("/src/ggml.c:12:3: warning: unused variable [-Wunused-variable]")).toBeUndefined();
    expect(parseCmakeProgress("")).toBeUndefined();
  });
});
