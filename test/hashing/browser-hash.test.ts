import { describe, expect, it } from "vitest";
import { sniffBrowserImage } from "~/hashing/browser-hash";
import { readFixture } from "./fixtures";

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((v) => (typeof v === "string" ? Array.from(v, (c) => c.charCodeAt(0)) : [v])));

/** Only files whose first bytes say "image" reach the browser's image decoder; a video never does. */
describe("sniffBrowserImage", () => {
  it("recognises the fixture JPEGs", () => {
    expect(sniffBrowserImage(readFixture("images/reg-test-input/dih/bridge-1-original.jpg").subarray(0, 32))).toBe("jpeg");
    expect(sniffBrowserImage(readFixture("images/misc-images/small.jpg").subarray(0, 32))).toBe("jpeg");
  });

  it("recognises PNG, GIF, WebP, BMP and AVIF signatures", () => {
    expect(sniffBrowserImage(bytes(0x89, "PNG", 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13))).toBe("png");
    expect(sniffBrowserImage(bytes("GIF89a", 1, 0, 1, 0))).toBe("gif");
    expect(sniffBrowserImage(bytes("GIF87a", 1, 0, 1, 0))).toBe("gif");
    expect(sniffBrowserImage(bytes("RIFF", 0, 0, 0, 0, "WEBPVP8 "))).toBe("webp");
    expect(sniffBrowserImage(bytes("BM", ...new Array(30).fill(0)))).toBe("bmp");
    expect(sniffBrowserImage(bytes(0, 0, 0, 0x1c, "ftypavif", 0, 0, 0, 0))).toBe("avif");
  });

  it("leaves videos, text and empty files alone", () => {
    expect(sniffBrowserImage(bytes(0, 0, 0, 0x20, "ftypisom", 0, 0, 2, 0))).toBeUndefined(); // MP4
    expect(sniffBrowserImage(bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81))).toBeUndefined(); // WebM/Matroska
    expect(sniffBrowserImage(bytes("RIFF", 0, 0, 0, 0, "AVI LIST"))).toBeUndefined();
    expect(sniffBrowserImage(readFixture("SOURCE.txt").subarray(0, 32))).toBeUndefined();
    expect(sniffBrowserImage(new Uint8Array(0))).toBeUndefined();
    expect(sniffBrowserImage(bytes("BM"))).toBeUndefined(); // too short to be a bitmap
  });
});
