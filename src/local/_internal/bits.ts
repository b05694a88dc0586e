/**
 * Bit vectors as lowercase hexadecimal strings: character j holds bits
 * 4j … 4j+3, bit 4j in the nibble's most significant place; the padding bits
 * after the last one must be 0. A report of L bits is ⌈L/4⌉ characters.
 * @module
 */

const HEX = '0123456789abcdef';

/** Packs 0/1 bytes into hex. */
export function bitsToHex(bits: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bits.length; i += 4) {
    const nibble =
      ((bits[i] as number) << 3) |
      (((bits[i + 1] ?? 0) as number) << 2) |
      (((bits[i + 2] ?? 0) as number) << 1) |
      ((bits[i + 3] ?? 0) as number);
    out += HEX[nibble];
  }
  return out;
}

function nibbleOf(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/**
 * Unpacks `length` bits from hex into `out` (0/1 bytes). Returns false (and
 * leaves `out` partly written) when the string has the wrong length, a
 * character that is not lowercase hex, or a padding bit set.
 */
export function hexToBits(hex: string, length: number, out: Uint8Array): boolean {
  if (hex.length !== Math.ceil(length / 4)) return false;
  for (let j = 0; j < hex.length; j++) {
    const nibble = nibbleOf(hex.charCodeAt(j));
    if (nibble < 0) return false;
    const base = 4 * j;
    for (let b = 0; b < 4; b++) {
      const bit = (nibble >> (3 - b)) & 1;
      if (base + b < length) out[base + b] = bit;
      else if (bit !== 0) return false;
    }
  }
  return true;
}
