import { describe, expect, it } from "vitest";
import { hashPassword, isCommonPassword, passwordProblem, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from "~/staff/passwords.server";

describe("staff passwords", () => {
  it("need at least 12 characters, counted as a person counts them", () => {
    expect(passwordProblem("a".repeat(11) + "b")).toBeNull();
    expect(passwordProblem("short pass")).toEqual({ field: "password", key: "staff:password.errors.tooShort", params: { min: PASSWORD_MIN_LENGTH } });
    // Twelve characters outside the Basic Multilingual Plane are twelve, not twenty-four.
    expect(passwordProblem("🔒".repeat(11))?.key).toBe("staff:password.errors.tooShort");
    expect(passwordProblem("🔒🔑🗝️🧩🎲🎯🪁🧭🗺️🪐🌒🌿")).toBeNull();
    expect(passwordProblem("كلمة سر طويلة جدا")).toBeNull();
  });

  it("may not be longer than 256 characters", () => {
    expect(passwordProblem("x1 ".repeat(85) + "x")).toBeNull();
    expect(passwordProblem("y".repeat(PASSWORD_MAX_LENGTH + 1))).toEqual({ field: "password", key: "staff:password.errors.tooLong", params: { max: PASSWORD_MAX_LENGTH } });
  });

  it("are refused when among the most common passwords, whatever their case", () => {
    for (const common of ["password1234", "Password1234", "leavemealone", "1QAZ2WSX3EDC", "qwerty123456"]) {
      expect(isCommonPassword(common), common).toBe(true);
      expect(passwordProblem(common)?.key, common).toBe("staff:password.errors.common");
    }
    expect(isCommonPassword("orbit lantern pebble 47")).toBe(false);
  });

  it("are stored as argon2id and verified; a missing hash verifies nothing", async () => {
    const stored = await hashPassword("orbit lantern pebble 47");
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored, "orbit lantern pebble 47")).toBe(true);
    expect(await verifyPassword(stored, "orbit lantern pebble 48")).toBe(false);
    expect(await verifyPassword(null, "orbit lantern pebble 47")).toBe(false);
    expect(await verifyPassword("not a hash", "orbit lantern pebble 47")).toBe(false);
  });

  it("match however the same characters were composed (NFKC)", async () => {
    const stored = await hashPassword("café crème brûlée");
    expect(await verifyPassword(stored, "cafe\u0301 cre\u0300me bru\u0302le\u0301e")).toBe(true);
  });
});
