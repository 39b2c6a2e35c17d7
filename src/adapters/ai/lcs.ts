// Longest common subsequence by index, for pairing the lines (and, inside changed lines, the
// characters) that old_str and new_str share: those are what the model did not mean to change.

export interface Pairing {
  /** [index in a, index in b], ascending in both. */
  pairs: Array<[number, number]>;
  /** False when the middle was too large to compare and only the common ends were paired. */
  complete: boolean;
}

/** Quadratic table; beyond this many cells an edit is too large to be worth the memory. */
const MAX_CELLS = 4_000_000;

export function lcsPairs(lengthA: number, lengthB: number, same: (i: number, j: number) => boolean): Pairing {
  let head = 0;
  while (head < lengthA && head < lengthB && same(head, head)) head++;
  let endA = lengthA;
  let endB = lengthB;
  while (endA > head && endB > head && same(endA - 1, endB - 1)) {
    endA--;
    endB--;
  }
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < head; k++) pairs.push([k, k]);
  const n = endA - head;
  const m = endB - head;
  let complete = true;
  if (n > 0 && m > 0) {
    if (n * m > MAX_CELLS) {
      complete = false;
    } else {
      // table[i][j]: length of the LCS of a[head+i..endA) and b[head+j..endB).
      const width = m + 1;
      const table = new Uint32Array((n + 1) * width);
      for (let i = n - 1; i >= 0; i--) {
        for (let j = m - 1; j >= 0; j--) {
          table[i * width + j] = same(head + i, head + j)
            ? table[(i + 1) * width + j + 1]! + 1
            : Math.max(table[(i + 1) * width + j]!, table[i * width + j + 1]!);
        }
      }
      let i = 0;
      let j = 0;
      while (i < n && j < m) {
        if (same(head + i, head + j)) {
          pairs.push([head + i, head + j]);
          i++;
          j++;
        } else if (table[(i + 1) * width + j]! >= table[i * width + j + 1]!) {
          i++;
        } else {
          j++;
        }
      }
    }
  }
  for (let k = 0; k < lengthA - endA; k++) pairs.push([endA + k, endB + k]);
  return { pairs, complete };
}
