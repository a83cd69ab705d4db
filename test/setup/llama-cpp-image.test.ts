import { describe, expect, it } from "vitest";
import { LLAMA_CPP_IMAGE, llamaCppDockerfile } from "../../src/setup/llama-cpp-image.js";
import { parseLddOutput } from "../../src/setup/scratch-image.js";

const LDD = `	linux-vdso.so.1 (0x00007ffd2b5f2000)
	libllama-server-impl.so => /cache/bin/libllama-server-impl.so (0x00007f2553c00000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f2553800000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f2553a1e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f2553f9d000)
	libgomp.so.1 => /lib/x86_64-linux-gnu/libgomp.so.1 (0x00007f2553f0b000)
	libmissing.so.1 => not found
`;

describe("llama.cpp image packaging", () => {
  it("parses ldd output, including the loader, the vDSO and missing libraries", () => {
    expect(parseLddOutput(LDD)).toEqual([
      { name: "linux-vdso.so.1", path: undefined, missing: false },
      { name: "libllama-server-impl.so", path: "/cache/bin/libllama-server-impl.so", missing: false },
      { name: "libstdc++.so.6", path: "/lib/x86_64-linux-gnu/libstdc++.so.6", missing: false },
      { name: "libc.so.6", path: "/lib/x86_64-linux-gnu/libc.so.6", missing: false },
      { name: "ld-linux-x86-64.so.2", path: "/lib64/ld-linux-x86-64.so.2", missing: false },
      { name: "libgomp.so.1", path: "/lib/x86_64-linux-gnu/libgomp.so.1", missing: false },
      { name: "libmissing.so.1", missing: true },
    ]);
  });

  it("writes a scratch Dockerfile labelled with the release", () => {
    expect(llamaCppDockerfile({ tag: "v0.5.0", commit: "de3ff815ea7d" })).toEqual([
      "ENV LD_LIBRARY_PATH=/app",
      'LABEL kitt.image="true" kitt.llama.release="v0.5.0" kitt.llama.commit="de3ff815ea7d"',
      'ENTRYPOINT ["/app/llama-server"]',
    ]);
    expect(LLAMA_CPP_IMAGE).toBe("kitt/llama-cpp:cpu");
  });
});
