/**
 * Exact-match file hashes (SHA-256 and MD5), computed in one streamed pass.
 *
 * Isomorphic: hash-wasm runs the digests in WebAssembly in both the browser
 * and Node, and nothing here touches Node or DOM APIs except `digestBlob`,
 * which only needs the standard `Blob` (also global in Node 18+).
 *
 * Nothing reads a whole file into memory: input arrives as chunks and each
 * chunk is fed to both hashers, then dropped. MD5 is computed only because
 * existing hash lists use it for exact matching; it must never be relied on
 * where collision resistance matters.
 */
import { createMD5, createSHA256 } from "hash-wasm";

export interface FileDigests {
  /** Lowercase hex, 64 characters. */
  sha256: string;
  /** Lowercase hex, 32 characters. */
  md5: string;
}

/** Called after each chunk with the total number of bytes hashed so far. */
export type ProgressCallback = (bytesDone: number) => void;

/** Chunk size used when reading a `Blob`: large enough to keep per-chunk overhead negligible. */
export const BLOB_CHUNK_SIZE = 4 * 1024 * 1024;

/**
 * SHA-256 and MD5 of the concatenation of `chunks`, e.g. a Node `ReadStream`
 * or {@link blobChunks}. Chunk boundaries may fall anywhere.
 */
export async function digestChunks(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onProgress?: ProgressCallback
): Promise<FileDigests> {
  const [sha256, md5] = await Promise.all([createSHA256(), createMD5()]);
  sha256.init();
  md5.init();
  let bytesDone = 0;
  for await (const chunk of chunks) {
    // A stream opened with an encoding would yield strings, which hash-wasm
    // would accept and UTF-8 encode: the digest would silently be wrong.
    if (!(chunk instanceof Uint8Array)) {
      throw new TypeError(
        "digestChunks expects Uint8Array chunks (open streams without an encoding)"
      );
    }
    if (chunk.length === 0) continue;
    sha256.update(chunk);
    md5.update(chunk);
    bytesDone += chunk.length;
    onProgress?.(bytesDone);
  }
  return { sha256: sha256.digest("hex"), md5: md5.digest("hex") };
}

/**
 * Reads a `Blob` (a `File` in the browser) in chunks of `chunkSize` bytes. The
 * next chunk is requested while the current one is being consumed, so reading
 * and hashing overlap; at most two chunks are in memory at once.
 */
export async function* blobChunks(
  blob: Blob,
  chunkSize: number = BLOB_CHUNK_SIZE
): AsyncGenerator<Uint8Array, void, undefined> {
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(`chunkSize must be a positive integer, not ${chunkSize}`);
  }
  const read = async (start: number) =>
    new Uint8Array(await blob.slice(start, Math.min(start + chunkSize, blob.size)).arrayBuffer());
  let next: Promise<Uint8Array> | undefined = blob.size > 0 ? read(0) : undefined;
  try {
    for (let start = 0; next; start += chunkSize) {
      const current = await next;
      next = start + chunkSize < blob.size ? read(start + chunkSize) : undefined;
      yield current;
    }
  } finally {
    // If the consumer stops early, a read may still be pending; make sure its
    // failure (if any) is not reported as an unhandled rejection.
    next?.catch(() => undefined);
  }
}

/** SHA-256 and MD5 of a `Blob` or `File`, read in {@link BLOB_CHUNK_SIZE} chunks. */
export function digestBlob(blob: Blob, onProgress?: ProgressCallback): Promise<FileDigests> {
  return digestChunks(blobChunks(blob), onProgress);
}
