/** "482109375512" → "4821 0937 5512": digits in groups of four, easy to read out and type. */
export function groupDigits(digits: string): string {
  return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
}

/** What a person typed, back to digits only (spaces, dashes and dots dropped). */
export function digitsOnly(input: string): string {
  return input.replace(/[\s\-.\u00a0]/g, "");
}

export const REFERENCE_LENGTH = 12;
export const SECRET_LENGTH = 16;
