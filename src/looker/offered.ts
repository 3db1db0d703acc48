/**
 * A request that names an explore by discovery (`discover:NAME`) is checked against what each
 * Looker instance offers before any work: a name Looker does not have is the caller's mistake
 * (400 naming it), not a failure to retry. Explores named in the configuration are not checked
 * here: a run skips one Looker lacks, with a note, and the preflight check reports it.
 */
import { BadRequestError } from '../errors.js';
import { SYSTEM_ACTIVITY_MODEL, type ExploreDefinition } from '../explores/index.js';
import { DISCOVER_PREFIX } from '../explores/discovered.js';
import type { LookerClient } from './client.js';

export async function assertDiscoveredOffered(
  explores: readonly ExploreDefinition[] | undefined,
  instances: readonly { name: string; looker: LookerClient }[],
): Promise<void> {
  const discovered = (explores ?? []).filter((explore) => explore.discovered);
  if (discovered.length === 0) return;
  const problems = await Promise.all(
    instances.map(async ({ name, looker }) => {
      const offered = new Set((await looker.modelExplores(SYSTEM_ACTIVITY_MODEL)).map((e) => e.name));
      return discovered
        .filter((explore) => !offered.has(explore.explore))
        .map(
          (explore) =>
            `explores: ${DISCOVER_PREFIX}${explore.explore}: Looker instance ${name} offers no explore ` +
            `"${explore.explore}" in ${SYSTEM_ACTIVITY_MODEL} (npm run check lists the explores it offers)`,
        );
    }),
  );
  if (problems.flat().length) throw new BadRequestError(problems.flat());
}
