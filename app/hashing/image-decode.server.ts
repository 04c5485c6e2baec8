/**
 * Node-only image decoding and whole-file hashing, for tests and the
 * `reclaim hash FILE…` command.
 *
 * Decoders: JPEG (libjpeg-turbo compiled to WebAssembly, from
 * `@cwasm/jpeg-turbo`: the library that Chromium, Firefox and Meta's reference
 * tools decode with, so Node hashes the pixels they hash), PNG (pngjs), binary
 * PPM/PGM (P6/P5). Each gives 8-bit RGBA plus a `greyscale` flag, so PDQ can
 * use the grey level itself as luminance for greyscale sources, as the
 * reference does for one-channel images. JPEG EXIF orientation is applied, to
 * match what the browser hashes
 * (`createImageBitmap(file, { imageOrientation: "from-image" })`); see
 * docs/decisions/004-pdq-large-images.md for this and the other input
 * policies (alpha, palettes, large images).
 */
import { createReadStream, readFileSync } from "node:fs";
import { createRequire } from "node:module";

import pngjs, { type PNGWithMetadata } from "pngjs";

import { digestChunks, type ProgressCallback } from "./files";
import { pdqFromRgba } from "./pdq";

export type ImageFormat = "jpeg" | "png" | "pnm";

export interface DecodedImage {
  format: ImageFormat;
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel, row-major, after EXIF orientation. */
  data: Uint8Array;
  /** The source was greyscale (R = G = B everywhere). */
  greyscale: boolean;
  /** EXIF orientation (1–8) that was applied; 1 when absent or invalid. */
  orientation: number;
}

export interface HashFileResult {
  file: string;
  /** PDQ hash, present when the file decoded as an image. */
  pdq?: string;
  /** PDQ quality (0–100), present with `pdq`. */
  quality?: number;
  sha256: string;
  md5: string;
  /** Why no PDQ hash was made for a file whose signature says it is a supported image. */
  pdqError?: string;
}

export interface HashFileOptions {
  onProgress?: ProgressCallback;
  /** Largest file kept in memory for decoding; larger ones get SHA-256/MD5 only. */
  maxDecodeBytes?: number;
}

/** Files above this are hashed (SHA-256/MD5) but not decoded for PDQ. */
export const MAX_DECODE_BYTES = 256 * 1024 * 1024;
/** Largest JPEG decoded, in megapixels (phone sensors reach 200). */
const MAX_JPEG_MEGAPIXELS = 200;
/** Read size for hashing files; each chunk goes to both digests and is dropped. */
const FILE_CHUNK_SIZE = 4 * 1024 * 1024;

export class ImageDecodeError extends Error {
  override name = "ImageDecodeError";
}

// ---------------------------------------------------------------------------
// Format detection and dispatch

/** Identifies a supported image by its leading bytes (at least 8 should be given). */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return "jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return "png";
  if (
    bytes.length >= 3 &&
    bytes[0] === 0x50 &&
    (bytes[1] === 0x35 || bytes[1] === 0x36) &&
    isPnmSpace(bytes[2])
  ) {
    return "pnm";
  }
  return undefined;
}

export function decodeImage(bytes: Uint8Array): DecodedImage {
  switch (sniffImageFormat(bytes)) {
    case "jpeg":
      return decodeJpeg(bytes);
    case "png":
      return decodePng(bytes);
    case "pnm":
      return decodePnm(bytes);
    default:
      throw new ImageDecodeError("not a JPEG, PNG or binary PPM/PGM file");
  }
}

// ---------------------------------------------------------------------------
// JPEG

export function decodeJpeg(bytes: Uint8Array): DecodedImage {
  const header = scanJpegHeader(bytes);
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = decodeWithLibjpegTurbo(bytes);
  } catch (error) {
    throw new ImageDecodeError(`JPEG decoding failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const image: DecodedImage = {
    format: "jpeg",
    width: decoded.width,
    height: decoded.height,
    data: decoded.data,
    greyscale: header.components === 1,
    orientation: 1,
  };
  return applyOrientation(image, header.orientation);
}

let libjpegTurbo: WebAssembly.Module | undefined;

interface LibjpegTurboExports {
  memory: WebAssembly.Memory;
  malloc(size: number): number;
  tjInitDecompress(): number;
  tjDecompressHeader3(
    handle: number,
    jpeg: number,
    size: number,
    width: number,
    height: number,
    subsampling: number,
    colourspace: number
  ): number;
  tjDecompress2(
    handle: number,
    jpeg: number,
    size: number,
    out: number,
    width: number,
    pitch: number,
    height: number,
    pixelFormat: number,
    flags: number
  ): number;
}

/**
 * Decodes to RGBA with the TurboJPEG API of `@cwasm/jpeg-turbo`'s WebAssembly
 * build (libjpeg's defaults: accurate integer IDCT, smooth chroma upsampling).
 * The package's own wrapper keeps one instance for the life of the process and
 * leaks the buffers of every file that fails mid-decode (libjpeg's longjmp
 * becomes a JavaScript exception there), until every decode fails; so each
 * decode gets a fresh instance, whose memory is released with it.
 */
function decodeWithLibjpegTurbo(bytes: Uint8Array): {
  width: number;
  height: number;
  data: Uint8Array;
} {
  libjpegTurbo ??= new WebAssembly.Module(
    readFileSync(createRequire(import.meta.url).resolve("@cwasm/jpeg-turbo/jpeg-turbo.wasm"))
  );
  const unsupported = () => {
    throw new Error("unsupported system call");
  };
  const instance = new WebAssembly.Instance(libjpegTurbo, {
    // libjpeg reports fatal errors by longjmp, which unwinds here as an exception.
    env: {
      setjmp: () => 0,
      longjmp: () => {
        throw new Error("corrupt or unsupported JPEG data");
      },
    },
    wasi_snapshot_preview1: {
      environ_sizes_get: () => 0,
      environ_get: unsupported,
      proc_exit: unsupported,
      fd_close: unsupported,
      fd_seek: unsupported,
      fd_write: unsupported,
    },
  });
  const turbo = instance.exports as unknown as LibjpegTurboExports;
  // Pointers come back as signed 32-bit integers; memory may exceed 2 GiB.
  const malloc = (size: number) => {
    const pointer = turbo.malloc(size) >>> 0;
    if (pointer === 0) throw new Error("out of memory");
    return pointer;
  };
  const size = bytes.length;
  const input = malloc(size);
  new Uint8Array(turbo.memory.buffer, input, size).set(bytes);
  const handle = turbo.tjInitDecompress();
  if (handle === 0) throw new Error("could not start the decoder");
  const info = malloc(16); // width, height, subsampling, colour space
  if (turbo.tjDecompressHeader3(handle, input, size, info, info + 4, info + 8, info + 12) !== 0)
    throw new Error("unreadable header");
  const [width, height] = new Uint32Array(turbo.memory.buffer, info, 2);
  if (width * height > MAX_JPEG_MEGAPIXELS * 1e6)
    throw new Error(`${width}×${height} pixels is more than ${MAX_JPEG_MEGAPIXELS} megapixels`);
  const output = malloc(width * height * 4);
  const TJPF_RGBA = 7;
  const status = turbo.tjDecompress2(handle, input, size, output, width, 0, height, TJPF_RGBA, 0);
  // Non-zero also for warnings, such as a file cut short.
  if (status !== 0) throw new Error("incomplete or corrupt data");
  return {
    width,
    height,
    data: new Uint8Array(turbo.memory.buffer, output, width * height * 4).slice(),
  };
}

/**
 * Reads what the decoder does not tell: the number of colour components (from
 * the SOF segment) and the EXIF orientation (from the first APP1 "Exif"
 * segment, tag 0x0112 of IFD0). Stops at the first scan.
 */
export function scanJpegHeader(bytes: Uint8Array): { components?: number; orientation: number } {
  let components: number | undefined;
  let orientation: number | undefined;
  let pos = 2; // after SOI
  while (pos + 4 <= bytes.length) {
    if (bytes[pos] !== 0xff) break; // not at a marker: malformed, let the decoder complain
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2; // standalone markers have no length
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // EOI or start of scan
    const length = (bytes[pos + 2] << 8) | bytes[pos + 3];
    const start = pos + 4;
    const end = pos + 2 + length;
    if (length < 2 || end > bytes.length) break;
    const isSof =
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof && components === undefined && start + 5 < end) {
      components = bytes[start + 5]; // precision(1) height(2) width(2) components(1)
    } else if (marker === 0xe1 && orientation === undefined) {
      orientation = exifOrientation(bytes.subarray(start, end));
    }
    pos = end;
  }
  return { components, orientation: orientation ?? 1 };
}

/** Orientation from an APP1 payload, or undefined when it is not EXIF; invalid values count as 1. */
function exifOrientation(app1: Uint8Array): number | undefined {
  const exifId = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  if (app1.length < 14 || !exifId.every((b, i) => app1[i] === b)) return undefined;
  const tiff = app1.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = view.getUint16(0);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  if (view.getUint16(2, little) !== 42) return 1;
  const ifd0 = view.getUint32(4, little);
  if (ifd0 + 2 > tiff.length) return 1;
  const entries = view.getUint16(ifd0, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd0 + 2 + i * 12;
    if (entry + 12 > tiff.length) break;
    if (view.getUint16(entry, little) === 0x0112) {
      const type = view.getUint16(entry + 2, little);
      const value =
        type === 3
          ? view.getUint16(entry + 8, little)
          : type === 4
          ? view.getUint32(entry + 8, little)
          : 0;
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * Turns stored pixels into displayed pixels for EXIF orientation 1–8, as
 * browsers do for `imageOrientation: "from-image"`.
 */
export function applyOrientation(image: DecodedImage, orientation: number): DecodedImage {
  if (orientation <= 1 || orientation > 8) return { ...image, orientation: 1 };
  const { width: w, height: h, data } = image;
  const transposed = orientation >= 5;
  const outW = transposed ? h : w;
  const outH = transposed ? w : h;
  // Source pixel for displayed pixel (x, y).
  const source: (x: number, y: number) => number = {
    2: (x: number, y: number) => y * w + (w - 1 - x), // mirror horizontally
    3: (x: number, y: number) => (h - 1 - y) * w + (w - 1 - x), // rotate 180
    4: (x: number, y: number) => (h - 1 - y) * w + x, // mirror vertically
    5: (x: number, y: number) => x * w + y, // transpose
    6: (x: number, y: number) => (h - 1 - x) * w + y, // rotate 90 clockwise
    7: (x: number, y: number) => (h - 1 - x) * w + (w - 1 - y), // transverse
    8: (x: number, y: number) => x * w + (w - 1 - y), // rotate 90 anticlockwise
  }[orientation as 2 | 3 | 4 | 5 | 6 | 7 | 8];
  const src32 = new Uint32Array(data.buffer.slice(data.byteOffset, data.byteOffset + w * h * 4));
  const out32 = new Uint32Array(outW * outH);
  for (let y = 0, o = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++, o++) out32[o] = src32[source(x, y)];
  }
  return { ...image, width: outW, height: outH, data: new Uint8Array(out32.buffer), orientation };
}

// ---------------------------------------------------------------------------
// PNG

export function decodePng(bytes: Uint8Array): DecodedImage {
  let png: PNGWithMetadata & { transColor?: number[] };
  try {
    png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageDecodeError(`PNG decoding failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  // pngjs blanks pixels matching a tRNS colour key to (0,0,0,0). libpng, as
  // used by the reference, keeps their colour and only clears alpha; since PDQ
  // ignores alpha, put the key colour back.
  if (png.transColor && (png.colorType === 0 || png.colorType === 2)) {
    const scale = (v: number) =>
      png.depth === 8 ? v : Math.floor((v * 255) / (2 ** png.depth - 1) + 0.5);
    const key = png.transColor.map(scale);
    const [r, g, b] = key.length === 1 ? [key[0], key[0], key[0]] : key;
    for (let p = 0; p < data.length; p += 4) {
      if (data[p + 3] === 0) {
        data[p] = r;
        data[p + 1] = g;
        data[p + 2] = b;
      }
    }
  }
  return {
    format: "png",
    width: png.width,
    height: png.height,
    data,
    // Colour types 0 and 4 are grey and grey+alpha; palettes (3) may hold any colour.
    greyscale: png.colorType === 0 || png.colorType === 4,
    orientation: 1,
  };
}

// ---------------------------------------------------------------------------
// Binary PPM (P6) and PGM (P5)

/**
 * Decodes binary PPM/PGM with a maxval of at most 255. Samples are taken as
 * they are, without rescaling a maxval below 255, as CImg (the reference's
 * loader) does.
 */
export function decodePnm(bytes: Uint8Array): DecodedImage {
  let pos = 2;
  const token = (): number => {
    for (;;) {
      while (pos < bytes.length && isPnmSpace(bytes[pos])) pos++;
      if (bytes[pos] !== 0x23) break; // '#': comment to end of line
      while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (pos === start) throw new ImageDecodeError("malformed PNM header");
    return Number(new TextDecoder().decode(bytes.subarray(start, pos)));
  };
  const grey = bytes[1] === 0x35;
  const width = token();
  const height = token();
  const maxval = token();
  if (!isPnmSpace(bytes[pos])) throw new ImageDecodeError("malformed PNM header");
  pos++; // exactly one whitespace byte before the samples
  if (maxval < 1 || maxval > 255)
    throw new ImageDecodeError(`unsupported PNM maxval ${maxval} (only 8-bit is supported)`);
  const channels = grey ? 1 : 3;
  const n = width * height;
  if (bytes.length - pos < n * channels) throw new ImageDecodeError("truncated PNM data");
  const data = new Uint8Array(n * 4);
  for (let i = 0, p = pos, o = 0; i < n; i++, o += 4, p += channels) {
    data[o] = bytes[p];
    data[o + 1] = bytes[p + (grey ? 0 : 1)];
    data[o + 2] = bytes[p + (grey ? 0 : 2)];
    data[o + 3] = 255;
  }
  return { format: "pnm", width, height, data, greyscale: grey, orientation: 1 };
}

function isPnmSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x0b || b === 0x0c;
}

// ---------------------------------------------------------------------------
// Whole-file hashing

/**
 * SHA-256 and MD5 of a file, streamed, plus its PDQ hash when it is a
 * supported image. The file is read once: when its first bytes show a
 * supported image format, the chunks are also kept (up to `maxDecodeBytes`)
 * for decoding; other files are never held in memory.
 */
export async function hashFile(
  path: string,
  options: HashFileOptions = {}
): Promise<HashFileResult> {
  const maxDecodeBytes = options.maxDecodeBytes ?? MAX_DECODE_BYTES;
  let format: ImageFormat | undefined;
  let sniffed = false;
  let kept: Uint8Array[] | undefined = [];
  let keptBytes = 0;
  let tooLarge = false;

  async function* teeChunks(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(path, { highWaterMark: FILE_CHUNK_SIZE })) {
      const bytes = chunk as Buffer;
      if (!sniffed) {
        // The first chunk holds min(file size, FILE_CHUNK_SIZE) bytes.
        sniffed = true;
        format = sniffImageFormat(bytes);
        if (!format) kept = undefined;
      }
      if (kept) {
        keptBytes += bytes.length;
        if (keptBytes > maxDecodeBytes) {
          kept = undefined;
          tooLarge = true;
        } else {
          kept.push(bytes);
        }
      }
      yield bytes;
    }
  }

  const digests = await digestChunks(teeChunks(), options.onProgress);
  const result: HashFileResult = { file: path, ...digests };
  if (!format) return result;
  if (tooLarge || !kept) {
    result.pdqError = `file larger than ${maxDecodeBytes} bytes; not decoded`;
    return result;
  }
  const bytes = Buffer.concat(kept);
  kept = undefined; // let the chunks go before decoding allocates the pixels
  try {
    const image = decodeImage(bytes);
    const { hash, quality } = pdqFromRgba(image.data, image.width, image.height, 4, {
      greyscale: image.greyscale,
    });
    result.pdq = hash;
    result.quality = quality;
  } catch (error) {
    if (!(error instanceof ImageDecodeError)) throw error;
    result.pdqError = error.message;
  }
  return result;
}
