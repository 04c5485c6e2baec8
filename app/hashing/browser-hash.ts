/**
 * Hashing one file in the browser, inside the hash worker (`worker.ts`):
 * SHA-256 and MD5 of the bytes, streamed; for images, also the PDQ hash of
 * the decoded pixels. Nothing here sends anything anywhere, and no pixel is
 * ever drawn where a person could see it: the only canvas is an
 * OffscreenCanvas inside the worker.
 *
 * Decoding follows docs/decisions/004-pdq-large-images.md: EXIF orientation
 * applied, no colour management, alpha ignored, full resolution.
 */
import { digestBlob, type FileDigests } from "./files";
import { pdqFromRgba, type PdqResult } from "./pdq";

export interface BrowserHashResult extends FileDigests {
  /** Present when the file is an image the browser could decode. */
  pdq?: PdqResult;
  /** The file looked like an image but could not be decoded: it has SHA-256 and MD5 only. */
  pdqFailed?: boolean;
}

/** Images above this size are not decoded (their pixels would not fit in a phone's memory); they get SHA-256 and MD5. */
export const MAX_DECODE_BYTES = 256 * 1024 * 1024;

/** Share of the progress bar that reading the bytes takes for an image; decoding and PDQ take the rest. */
const DIGEST_SHARE_FOR_IMAGES = 0.8;

export type BrowserImageType = "jpeg" | "png" | "gif" | "webp" | "bmp" | "avif";

/**
 * Recognises the raster formats browsers decode, by their first bytes (at
 * least 16 should be given). The file name and the type the browser guesses
 * from it are not trusted: a video is never handed to the image decoder,
 * which would read it whole.
 */
export function sniffBrowserImage(head: Uint8Array): BrowserImageType | undefined {
  const at = (offset: number, ...bytes: number[]) => bytes.every((b, i) => head[offset + i] === b);
  const ascii = (offset: number, text: string) => at(offset, ...Array.from(text, (c) => c.charCodeAt(0)));
  if (at(0, 0xff, 0xd8, 0xff)) return "jpeg";
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (ascii(0, "GIF87a") || ascii(0, "GIF89a")) return "gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "webp";
  if (ascii(0, "BM") && head.length >= 18) return "bmp";
  if (ascii(4, "ftyp") && (ascii(8, "avif") || ascii(8, "avis"))) return "avif";
  return undefined;
}

/**
 * SHA-256 and MD5 of `file`, and its PDQ hash when it is an image.
 * `onProgress` receives the fraction done (0–1), after each chunk.
 */
export async function hashFileInBrowser(file: Blob, onProgress: (fraction: number) => void): Promise<BrowserHashResult> {
  const head = new Uint8Array(await file.slice(0, 32).arrayBuffer());
  const image = file.size <= MAX_DECODE_BYTES && sniffBrowserImage(head) !== undefined;
  const digestShare = image ? DIGEST_SHARE_FOR_IMAGES : 1;
  const digests = await digestBlob(file, (bytesDone) => onProgress((bytesDone / file.size) * digestShare));
  if (!image) {
    onProgress(1);
    return digests;
  }
  let result: BrowserHashResult;
  try {
    result = { ...digests, pdq: await pdqOfImage(file) };
  } catch {
    // A damaged or unsupported image: its exact codes still identify it.
    result = { ...digests, pdqFailed: true };
  }
  onProgress(1);
  return result;
}

/** Decodes in the worker and hashes the RGBA pixels; the bitmap is released at once. */
async function pdqOfImage(file: Blob): Promise<PdqResult> {
  const bitmap = await createImageBitmap(file, {
    imageOrientation: "from-image",
    premultiplyAlpha: "none",
    colorSpaceConversion: "none",
  });
  try {
    const { width, height } = bitmap;
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("no 2D context");
    context.drawImage(bitmap, 0, 0);
    const { data } = context.getImageData(0, 0, width, height);
    return pdqFromRgba(data, width, height, 4);
  } finally {
    bitmap.close();
  }
}
