import { describe, expect, it } from "vitest";
import { appendLine } from "~/components/request/items-fields";

const PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22";

/** Codes made on the device are added to what the person may already have typed or pasted. */
describe("appendLine", () => {
  it("adds a code on a line of its own", () => {
    expect(appendLine("", `${PDQ},100`)).toBe(`${PDQ},100`);
    expect(appendLine("abc\n", "def")).toBe("abc\ndef");
    expect(appendLine("abc\r\n\r\n  \n", "def")).toBe("abc\ndef");
  });

  it("does not add a code that is there already, whatever its case or quality", () => {
    const text = `${PDQ.toUpperCase()}, 90`;
    expect(appendLine(text, `${PDQ},100`)).toBe(text);
    expect(appendLine("d41d8cd98f00b204e9800998ecf8427e", "d41d8cd98f00b204e9800998ecf8427e")).toBe("d41d8cd98f00b204e9800998ecf8427e");
  });
});
