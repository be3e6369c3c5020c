/**
 * UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF. The
 * engine validates and decodes; these say where a fault is and where a sequence is cut.
 */

/** How many bytes follow a lead byte, or -1 for a byte no sequence starts with. */
function followers(b: number): number {
  return b < 0x80
    ? 0
    : b >= 0xc2 && b < 0xe0
      ? 1
      : b >= 0xe0 && b < 0xf0
        ? 2
        : b >= 0xf0 && b < 0xf5
          ? 3
          : -1;
}

/** Index of the first byte that does not belong to a valid UTF-8 sequence (length: none). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const need = followers(b);
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong three- and four-byte forms, surrogates, and beyond U+10FFFF.
    const second = bytes[i + 1] as number;
    if (
      (b === 0xe0 && second < 0xa0) ||
      (b === 0xed && second >= 0xa0) ||
      (b === 0xf0 && second < 0x90) ||
      (b === 0xf4 && second >= 0x90)
    )
      return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Whether the sequence starting at `i` runs past the end of `bytes` (the file was cut). */
export function cutShort(bytes: Uint8Array, i: number): boolean {
  const need = followers(bytes[i] as number);
  if (need <= 0 || i + need < bytes.length) return false;
  for (let k = i + 1; k < bytes.length; k++)
    if (((bytes[k] as number) & 0xc0) !== 0x80) return false;
  return true;
}

/** The largest end no later than `end` that does not split a sequence. */
export function wholeUpTo(bytes: Uint8Array, end: number): number {
  for (let j = end - 1; j >= 0 && j >= end - 3; j--) {
    const b = bytes[j] as number;
    if ((b & 0xc0) === 0x80) continue;
    return j + followers(b) + 1 > end ? j : end;
  }
  return end;
}
