import type { RowRandom } from './types.js';

/** FNV-1a of a string: a stable 32-bit number per explore name, mixed into every row's seed. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** murmur3's finaliser: neighbouring inputs give unrelated outputs, so row i and i+1 share nothing. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/**
 * A row's random numbers: seeded from a hash of (explore, seed, row index) and stepped with
 * mulberry32. No state survives from one row to the next, so any row can be generated alone,
 * in any order, and always comes out the same.
 */
export class RowRandomSource implements RowRandom {
  #state = 0;

  /** Positions the sequence at the start of row `index` of the dataset whose base is `base`. */
  seek(base: number, index: number): this {
    this.#state = mix32(base ^ mix32(index + 0x9e3779b9) ^ Math.floor(index / 4294967296));
    return this;
  }

  /** The position in the sequence, to resume it after drawing for another field of the row. */
  get state(): number {
    return this.#state;
  }

  set state(value: number) {
    this.#state = value;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** The base seed of one explore's dataset. */
export function datasetBase(explore: string, seed: number): number {
  return mix32(hashString(explore) ^ Math.imul(seed | 0, 0x27d4eb2d));
}

/** The base seed of one field of a view's table: every field draws from its own sequence. */
export function fieldBase(tableBase: number, field: string): number {
  return mix32(tableBase ^ hashString(field));
}
