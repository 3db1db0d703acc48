import { createHmac } from 'node:crypto';
import type { ExploreDefinition, MaskAction } from '../explores/index.js';

/** The masking that applies to one explore's columns: dropped ones are never read from Looker. */
export interface ExploreMasking {
  dropped: ReadonlySet<string>;
  /** Column name -> hashing function (HMAC-SHA256, hex). */
  hashed: ReadonlyMap<string, (value: string) => string>;
}

export const NO_MASKING: ExploreMasking = { dropped: new Set(), hashed: new Map() };

/**
 * Resolves the config's `explore.column` rules for one explore. Hashing is keyed, so the same
 * e-mail hashes the same way in every table and run (joins keep working) while nobody without
 * the key can test a guess against the hash.
 */
export function exploreMasking(
  explore: ExploreDefinition,
  rules: Readonly<Record<string, MaskAction>>,
  key: string | undefined,
): ExploreMasking {
  const dropped = new Set<string>();
  const hashed = new Map<string, (value: string) => string>();
  for (const column of explore.fields) {
    const action = rules[`${explore.name}.${column.name}`];
    if (action === 'drop') dropped.add(column.name);
    if (action === 'hash') {
      if (!key) throw new Error(`masking key missing for ${explore.name}.${column.name}`);
      hashed.set(column.name, (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex'));
    }
  }
  return { dropped, hashed };
}
