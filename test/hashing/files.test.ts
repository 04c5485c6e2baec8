import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

import { describe, expect, it } from "vitest";

import { BLOB_CHUNK_SIZE, blobChunks, digestBlob, digestChunks } from "~/hashing/files";

import { fixturePath, readFixture } from "./fixtures";

const encode = (text: string) => new TextEncoder().encode(text);

function nodeDigests(data: Uint8Array) {
  return {
    sha256: createHash("sha256").update(data).digest("hex"),
    md5: createHash("md5").update(data).digest("hex"),
  };
}

/** Splits `data` at the given sizes, cycling through them. */
function* split(data: Uint8Array, sizes: number[]): Generator<Uint8Array> {
  for (let offset = 0, i = 0; offset < data.length; i++) {
    const size = sizes[i % sizes.length];
    yield data.subarray(offset, offset + size);
    offset += size;
  }
}

describe("digestChunks", () => {
  it("hashes empty input", async () => {
    expect(await digestChunks([])).toEqual({
      sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      md5: "d41d8cd98f00b204e9800998ecf8427e",
    });
  });

  it('hashes "abc" (FIPS 180-2 and RFC 1321 test vectors)', async () => {
    expect(await digestChunks([encode("abc")])).toEqual({
      sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      md5: "900150983cd24fb0d6963f7d28e17f72",
    });
  });

  it("gives the same digests whatever the chunk boundaries", async () => {
    // One million "a": SHA-256 from FIPS 180-2, MD5 cross-checked with node:crypto.
    const data = new Uint8Array(1_000_000).fill(0x61);
    const expected = {
      sha256: "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
      md5: "7707d6ae4e027c70eea2a935c2296f21",
    };
    expect(nodeDigests(data)).toEqual(expected);
    // Boundaries mid-block (both digests use 64-byte blocks), empty chunks included.
    for (const sizes of [[1], [63], [65, 0, 7], [4096 + 13], [999_999, 1]]) {
      expect(await digestChunks(split(data, sizes))).toEqual(expected);
    }
  });

  it("reports progress after each chunk", async () => {
    const seen: number[] = [];
    await digestChunks(split(new Uint8Array(250), [100]), (bytes) => seen.push(bytes));
    expect(seen).toEqual([100, 200, 250]);
  });

  it("hashes a fixture streamed from disk like node:crypto", async () => {
    const file = "images/reg-test-input/dih/bridge-1-original.jpg";
    const stream = createReadStream(fixturePath(file), { highWaterMark: 1000 });
    expect(await digestChunks(stream)).toEqual(nodeDigests(readFixture(file)));
  });

  it("rejects string chunks instead of hashing their UTF-8 encoding", async () => {
    const stream = createReadStream(fixturePath("SOURCE.txt"), { encoding: "utf8" });
    await expect(digestChunks(stream as AsyncIterable<never>)).rejects.toThrow(TypeError);
  });
});

describe("Blob hashing", () => {
  it("reads a Blob in chunks of the requested size", async () => {
    const data = readFixture("images/misc-images/small.jpg");
    const chunks: number[] = [];
    for await (const chunk of blobChunks(new Blob([new Uint8Array(data)]), 4000))
      chunks.push(chunk.length);
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(data.length);
    expect(chunks.slice(0, -1).every((n) => n === 4000)).toBe(true);
    expect(chunks.at(-1)).toBe(data.length % 4000 || 4000);
  });

  it("hashes a Blob like node:crypto", async () => {
    const data = readFixture("images/reg-test-input/dih/bridge-2-rotate-90.jpg");
    const progress: number[] = [];
    expect(
      await digestBlob(new Blob([new Uint8Array(data)]), (bytes) => progress.push(bytes))
    ).toEqual(nodeDigests(data));
    expect(progress.at(-1)).toBe(data.length);
    expect(BLOB_CHUNK_SIZE).toBe(4 * 1024 * 1024);
  });

  it("hashes an empty Blob", async () => {
    expect((await digestBlob(new Blob([]))).md5).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });

  it("rejects a nonsensical chunk size", async () => {
    await expect(blobChunks(new Blob(["x"]), 0).next()).rejects.toThrow(RangeError);
  });
});
