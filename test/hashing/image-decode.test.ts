import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { crc32, deflateSync } from "node:zlib";

import jpeg from "jpeg-js";
import pngjs from "pngjs";
import { afterAll, describe, expect, it } from "vitest";

import {
  applyOrientation,
  decodeImage,
  decodeJpeg,
  decodePng,
  decodePnm,
  hashFile,
  ImageDecodeError,
  scanJpegHeader,
  sniffImageFormat,
  type DecodedImage,
} from "~/hashing/image-decode.server";
import { pdqFromRgba } from "~/hashing/pdq";

import { fixturePath, readCsv, readFixture } from "./fixtures";

const tmp = mkdtempSync(path.join(tmpdir(), "reclaim-hashing-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeTemp(name: string, data: Uint8Array): string {
  const file = path.join(tmp, name);
  writeFileSync(file, data);
  return file;
}

/** A minimal PNG from raw (unfiltered) scanlines, for colour types pngjs cannot write. */
function makePng(options: {
  width: number;
  height: number;
  colorType: number;
  bitDepth?: number;
  scanlines: Uint8Array[];
  palette?: number[][];
  transparency?: number[];
}): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(options.width, 0);
  ihdr.writeUInt32BE(options.height, 4);
  ihdr[8] = options.bitDepth ?? 8;
  ihdr[9] = options.colorType;
  const raw = Buffer.concat(
    options.scanlines.map((line) => Buffer.concat([Buffer.from([0]), line]))
  );
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...(options.palette ? [chunk("PLTE", Uint8Array.from(options.palette.flat()))] : []),
    ...(options.transparency ? [chunk("tRNS", Uint8Array.from(options.transparency))] : []),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Inserts an EXIF APP1 segment carrying `orientation` right after the SOI marker. */
function withExifOrientation(
  jpegBytes: Uint8Array,
  orientation: number,
  littleEndian: boolean
): Uint8Array {
  const tiff = Buffer.alloc(26);
  if (littleEndian) {
    tiff.write("II", 0, "latin1");
    tiff.writeUInt16LE(42, 2);
    tiff.writeUInt32LE(8, 4);
    tiff.writeUInt16LE(1, 8); // one IFD0 entry
    tiff.writeUInt16LE(0x0112, 10);
    tiff.writeUInt16LE(3, 12); // SHORT
    tiff.writeUInt32LE(1, 14);
    tiff.writeUInt16LE(orientation, 18);
  } else {
    tiff.write("MM", 0, "latin1");
    tiff.writeUInt16BE(42, 2);
    tiff.writeUInt32BE(8, 4);
    tiff.writeUInt16BE(1, 8);
    tiff.writeUInt16BE(0x0112, 10);
    tiff.writeUInt16BE(3, 12);
    tiff.writeUInt32BE(1, 14);
    tiff.writeUInt16BE(orientation, 18);
  }
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpegBytes.subarray(0, 2), header, payload, jpegBytes.subarray(2)]);
}

/** A 16x8 single-component (greyscale) JPEG: a gradient, written with libjpeg-turbo (jpeg-js only writes colour). */
const GREY_JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/wAALCAAIABABAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APk//gm3+zb/AMeH+gf3f4a/UD9rD9ob/h2J/wAE4fEnx+8Nt5HjfWfK8MfDP/R923XryOTyrj5reeE/ZYYrm92ToIpvsfklg0q5/9k=",
  "base64"
);

/**
 * A baseline JPEG of `width`x`height` with `components` components (4: CMYK),
 * every block flat grey: one-symbol Huffman tables, 2 bits of zeros per block.
 */
function flatJpeg(width: number, height: number, components: number): Buffer {
  const segment = (marker: number, body: number[]) => [
    0xff,
    marker,
    (body.length + 2) >> 8,
    (body.length + 2) & 0xff,
    ...body,
  ];
  const ids = Array.from({ length: components }, (_, i) => i + 1);
  const sof = [8, height >> 8, height & 0xff, width >> 8, width & 0xff, components];
  const huffman = (tableClass: number) => [tableClass << 4, 1, ...new Array(15).fill(0), 0];
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8) * components;
  return Buffer.concat([
    Buffer.from([
      0xff,
      0xd8,
      ...segment(0xdb, [0, ...new Array(64).fill(1)]),
      ...segment(0xc0, [...sof, ...ids.flatMap((id) => [id, 0x11, 0])]),
      ...segment(0xc4, [...huffman(0), ...huffman(1)]),
      ...segment(0xda, [components, ...ids.flatMap((id) => [id, 0]), 0, 63, 0]),
    ]),
    Buffer.alloc(Math.ceil(blocks / 4)),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A tiny RGBA image whose pixels are labelled 1..n in the red channel. */
function labelled(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) data.set([i + 1, 0, 0, 255], i * 4);
  return { format: "pnm", width, height, data, greyscale: false, orientation: 1 };
}

const labels = (image: DecodedImage) =>
  Array.from({ length: image.width * image.height }, (_, i) => image.data[i * 4]);

describe("format detection", () => {
  it("recognises JPEG, PNG and binary PPM/PGM by signature", () => {
    expect(sniffImageFormat(readFixture("images/misc-images/wee.jpg"))).toBe("jpeg");
    expect(sniffImageFormat(readFixture("decoded/wee.34x42.ppm"))).toBe("pnm");
    expect(sniffImageFormat(Buffer.from("P5\n1 1\n255\n\0", "latin1"))).toBe("pnm");
    expect(
      sniffImageFormat(
        makePng({ width: 1, height: 1, colorType: 0, scanlines: [Uint8Array.of(9)] })
      )
    ).toBe("png");
    expect(sniffImageFormat(Buffer.from("P3\n1 1\n255\n0 0 0\n", "latin1"))).toBeUndefined();
    expect(sniffImageFormat(readFixture("expected-pdq.csv"))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
  });

  it("refuses anything else", () => {
    expect(() => decodeImage(Buffer.from("GIF89a"))).toThrow(ImageDecodeError);
  });
});

describe("PPM/PGM", () => {
  it("decodes a P6 fixture to RGBA", () => {
    const bytes = readFixture("decoded/wee.34x42.ppm");
    const image = decodePnm(bytes);
    expect([image.width, image.height, image.greyscale]).toEqual([34, 42, false]);
    const samples = bytes.subarray(bytes.length - 34 * 42 * 3);
    expect(Array.from(image.data.subarray(0, 8))).toEqual([
      samples[0],
      samples[1],
      samples[2],
      255,
      samples[3],
      samples[4],
      samples[5],
      255,
    ]);
  });

  it("decodes P5 as greyscale and skips header comments", () => {
    const image = decodePnm(
      Buffer.concat([Buffer.from("P5 # grey\n2 # w\n1\n255\n", "latin1"), Buffer.from([7, 200])])
    );
    expect(image).toMatchObject({ width: 2, height: 1, greyscale: true });
    expect(Array.from(image.data)).toEqual([7, 7, 7, 255, 200, 200, 200, 255]);
  });

  it("rejects 16-bit and truncated files", () => {
    expect(() => decodePnm(Buffer.from("P6\n1 1\n65535\n\0\0\0\0\0\0", "latin1"))).toThrow(
      ImageDecodeError
    );
    expect(() => decodePnm(Buffer.from("P6\n2 2\n255\n\0\0\0", "latin1"))).toThrow(
      ImageDecodeError
    );
  });
});

describe("PNG", () => {
  it("decodes RGBA written by pngjs", () => {
    const png = new pngjs.PNG({ width: 2, height: 1 });
    png.data.set([10, 20, 30, 255, 40, 50, 60, 0]);
    const image = decodePng(pngjs.PNG.sync.write(png));
    expect(image).toMatchObject({ width: 2, height: 1, greyscale: false });
    // Alpha is kept as is; the colour under a transparent pixel survives.
    expect(Array.from(image.data)).toEqual([10, 20, 30, 255, 40, 50, 60, 0]);
  });

  it("flags greyscale and grey+alpha images", () => {
    const grey = decodePng(
      makePng({ width: 2, height: 1, colorType: 0, scanlines: [Uint8Array.of(3, 250)] })
    );
    expect(grey.greyscale).toBe(true);
    expect(Array.from(grey.data)).toEqual([3, 3, 3, 255, 250, 250, 250, 255]);
    const greyAlpha = decodePng(
      makePng({ width: 1, height: 1, colorType: 4, scanlines: [Uint8Array.of(77, 0)] })
    );
    expect(greyAlpha.greyscale).toBe(true);
    expect(Array.from(greyAlpha.data)).toEqual([77, 77, 77, 0]);
  });

  it("expands palette images to their colours (not greyscale)", () => {
    const image = decodePng(
      makePng({
        width: 2,
        height: 1,
        colorType: 3,
        palette: [
          [255, 0, 0],
          [0, 0, 255],
        ],
        transparency: [255, 0],
        scanlines: [Uint8Array.of(1, 0)],
      })
    );
    expect(image.greyscale).toBe(false);
    expect(Array.from(image.data)).toEqual([0, 0, 255, 0, 255, 0, 0, 255]);
  });

  it("keeps the colour of tRNS colour-key pixels, as libpng does", () => {
    const image = decodePng(
      makePng({
        width: 2,
        height: 1,
        colorType: 2,
        transparency: [0, 9, 0, 8, 0, 7],
        scanlines: [Uint8Array.of(9, 8, 7, 1, 2, 3)],
      })
    );
    expect(Array.from(image.data)).toEqual([9, 8, 7, 0, 1, 2, 3, 255]);
    const grey16 = decodePng(
      makePng({
        width: 1,
        height: 1,
        colorType: 0,
        bitDepth: 16,
        transparency: [0x80, 0x00],
        scanlines: [Uint8Array.of(0x80, 0x00)],
      })
    );
    expect(Array.from(grey16.data)).toEqual([128, 128, 128, 0]);
  });

  it("reports corrupt files as decode errors", () => {
    const bytes = makePng({ width: 1, height: 1, colorType: 0, scanlines: [Uint8Array.of(1)] });
    expect(() => decodePng(bytes.subarray(0, 40))).toThrow(ImageDecodeError);
  });
});

describe("JPEG and EXIF orientation", () => {
  it("applies all eight orientations as displayed by browsers", () => {
    // Stored pixels:  1 2 3
    //                 4 5 6
    const image = labelled(3, 2);
    const expected: Record<number, [number, number, number[]]> = {
      1: [3, 2, [1, 2, 3, 4, 5, 6]],
      2: [3, 2, [3, 2, 1, 6, 5, 4]], // mirror horizontal
      3: [3, 2, [6, 5, 4, 3, 2, 1]], // rotate 180
      4: [3, 2, [4, 5, 6, 1, 2, 3]], // mirror vertical
      5: [2, 3, [1, 4, 2, 5, 3, 6]], // mirror horizontal, rotate 270 CW (transpose)
      6: [2, 3, [4, 1, 5, 2, 6, 3]], // rotate 90 CW
      7: [2, 3, [6, 3, 5, 2, 4, 1]], // mirror horizontal, rotate 90 CW (transverse)
      8: [2, 3, [3, 6, 2, 5, 1, 4]], // rotate 270 CW
    };
    for (const [orientation, [width, height, pixels]] of Object.entries(expected)) {
      const out = applyOrientation(image, Number(orientation));
      expect([out.width, out.height, labels(out), out.orientation]).toEqual([
        width,
        height,
        pixels,
        Number(orientation),
      ]);
    }
    expect(applyOrientation(image, 0).orientation).toBe(1);
    expect(applyOrientation(image, 9).orientation).toBe(1);
  });

  it("reads the orientation from EXIF in either byte order and applies it when decoding", () => {
    const rgba = new Uint8Array(16 * 8 * 4);
    for (let i = 0; i < 16 * 8; i++)
      rgba.set([(i * 37) % 256, (i * 11) % 256, i % 256, 255], i * 4);
    const plain = jpeg.encode({ width: 16, height: 8, data: rgba }, 90).data;
    const stored = decodeJpeg(plain);
    expect(stored.orientation).toBe(1);
    for (const littleEndian of [true, false]) {
      for (const orientation of [3, 6, 8]) {
        const bytes = withExifOrientation(plain, orientation, littleEndian);
        expect(scanJpegHeader(bytes)).toEqual({ components: 3, orientation });
        expect(decodeJpeg(bytes)).toEqual(applyOrientation(stored, orientation));
      }
    }
  });

  it("treats an invalid orientation (bridge-1 has 0) as upright", () => {
    const bytes = readFixture("images/reg-test-input/dih/bridge-1-original.jpg");
    expect(scanJpegHeader(bytes).orientation).toBe(1);
    expect(decodeJpeg(bytes)).toMatchObject({ width: 1600, height: 1004, orientation: 1 });
  });

  it("flags single-component JPEGs as greyscale", () => {
    const colour = readFixture("images/misc-images/wee.jpg");
    expect(scanJpegHeader(colour).components).toBe(3);
    expect(decodeJpeg(colour).greyscale).toBe(false);

    const grey = decodeJpeg(GREY_JPEG);
    expect(scanJpegHeader(GREY_JPEG).components).toBe(1);
    expect(grey).toMatchObject({ width: 16, height: 8, greyscale: true });
    for (let p = 0; p < grey.data.length; p += 4) {
      expect([grey.data[p + 1], grey.data[p + 2], grey.data[p + 3]]).toEqual([
        grey.data[p],
        grey.data[p],
        255,
      ]);
    }
  });

  it("reports corrupt data as a decode error", () => {
    const bytes = readFixture("images/misc-images/wee.jpg");
    expect(() =>
      decodeJpeg(Buffer.concat([bytes.subarray(0, 300), Buffer.alloc(50, 0xff)]))
    ).toThrow(ImageDecodeError);
    // libjpeg only warns about a file cut short; that is refused too.
    const bridge = readFixture("images/reg-test-input/dih/bridge-1-original.jpg");
    expect(() => decodeJpeg(bridge.subarray(0, 200_000))).toThrow(/incomplete or corrupt/);
  });

  it("decodes a well-formed JPEG made here", () => {
    const image = decodeJpeg(flatJpeg(16, 8, 3));
    expect(image).toMatchObject({ width: 16, height: 8, greyscale: false });
    expect(new Set(image.data)).toEqual(new Set([128, 255]));
  });

  it("refuses JPEGs over 200 megapixels before decoding them", () => {
    expect(() => decodeJpeg(flatJpeg(15_000, 15_000, 3))).toThrow(
      /15000×15000 pixels is more than 200 megapixels/
    );
  });

  it("leaves nothing behind after a failed decode", () => {
    // Each of these fails (CMYK cannot become RGBA) after 784 MB were set
    // aside for its pixels. @cwasm/jpeg-turbo's own wrapper, with one instance
    // for the process, keeps them, and from the fourth on no JPEG decodes.
    const cmyk = flatJpeg(14_000, 14_000, 4);
    for (let i = 0; i < 6; i++) {
      expect(() => decodeJpeg(cmyk)).toThrow(ImageDecodeError);
    }
    const row = readCsv("expected-pdq.csv").find((r) => r.path.endsWith("/wee.jpg"))!;
    const image = decodeJpeg(readFixture(row.path));
    expect(pdqFromRgba(image.data, image.width, image.height).hash).toBe(row.hash);
  });
});

describe("hashFile", () => {
  const digests = (data: Uint8Array) => ({
    sha256: createHash("sha256").update(data).digest("hex"),
    md5: createHash("md5").update(data).digest("hex"),
  });

  it("gives SHA-256, MD5 and the reference PDQ of a decoded-pixels fixture", async () => {
    const row = readCsv("expected-decoded.csv").find((r) => r.path.startsWith("decoded/wee"))!;
    const file = fixturePath(row.path);
    expect(await hashFile(file)).toEqual({
      file,
      pdq: row.hash,
      quality: Number(row.quality),
      ...digests(readFixture(row.path)),
    });
  });

  it("hashes a JPEG like decoding it in memory, and reports progress", async () => {
    const relative = "images/reg-test-input/dih/bridge-2-rotate-90.jpg";
    const bytes = readFixture(relative);
    const image = decodeImage(bytes);
    const seen: number[] = [];
    const result = await hashFile(fixturePath(relative), { onProgress: (n) => seen.push(n) });
    expect(result).toEqual({
      file: fixturePath(relative),
      ...pdqAsFields(pdqFromRgba(image.data, image.width, image.height)),
      ...digests(bytes),
    });
    expect(seen.at(-1)).toBe(bytes.length);
  });

  it("gives only SHA-256 and MD5 for files that are not images", async () => {
    const file = fixturePath("expected-pdq.csv");
    expect(await hashFile(file)).toEqual({ file, ...digests(readFixture("expected-pdq.csv")) });
    const empty = writeTemp("empty.bin", new Uint8Array(0));
    expect(await hashFile(empty)).toEqual({ file: empty, ...digests(new Uint8Array(0)) });
  });

  it("explains why an image-looking file got no PDQ", async () => {
    const corrupt = Buffer.concat([
      readFixture("images/misc-images/wee.jpg").subarray(0, 300),
      Buffer.alloc(50, 0xff),
    ]);
    const file = writeTemp("corrupt.jpg", corrupt);
    const result = await hashFile(file);
    expect(result).toMatchObject({ file, ...digests(corrupt) });
    expect(result.pdq).toBeUndefined();
    expect(result.pdqError).toMatch(/JPEG/);

    const big = fixturePath("images/misc-images/small.jpg");
    const limited = await hashFile(big, { maxDecodeBytes: 1000 });
    expect(limited.pdq).toBeUndefined();
    expect(limited.pdqError).toMatch(/larger than 1000 bytes/);
    expect(limited.sha256).toBe(digests(readFixture("images/misc-images/small.jpg")).sha256);
  });
});

function pdqAsFields({ hash, quality }: { hash: string; quality: number }) {
  return { pdq: hash, quality };
}
