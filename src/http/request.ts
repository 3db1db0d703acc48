import { z } from 'zod';
import { BadRequestError } from '../errors.js';
import { resolveExploreNames } from '../explores/discovered.js';
import type { ExploreDefinition } from '../explores/index.js';
import { MAX_BACKFILL_DAYS, startOfUtcDay } from '../pipeline/windows.js';
import type { RunRequest } from '../pipeline/types.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(
    (v) =>
      !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
    'is not a real date',
  );

const bodySchema = z
  .object({
    explores: z
      .array(z.string())
      .min(1, 'must name at least one explore')
      .max(100)
      .refine((names) => new Set(names).size === names.length, 'must not repeat an explore')
      .optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
    dryRun: z.boolean().optional(),
  })
  .strict();

const checkSchema = z
  .object({
    check: z.literal(true, 'must be true'),
    explores: bodySchema.shape.explores,
  })
  .strict();

/** What a call asks for: a run (the scheduled run, a backfill, a dry run) or the preflight check. */
export type HttpRequest =
  { kind: 'run'; run: RunRequest } | { kind: 'check'; explores?: ExploreDefinition[] };

/**
 * A call's body (or a GET's query as one): `{"check": true}` (optionally with `explores`) asks for
 * the preflight check, anything else is a run request (see parseRunRequest).
 */
export function parseHttpRequest(input: unknown, now = new Date()): HttpRequest {
  if (typeof input !== 'object' || input === null || !Object.hasOwn(input, 'check'))
    return { kind: 'run', run: parseRunRequest(input, now) };
  const parsed = checkSchema.safeParse(input);
  if (!parsed.success)
    throw new BadRequestError(
      parsed.error.issues.map((issue) =>
        issue.code === 'unrecognized_keys'
          ? `unknown field(s) with check: ${issue.keys.join(', ')} (allowed: check, explores)`
          : `${issue.path.join('.') || 'body'}: ${issue.message}`,
      ),
    );
  return { kind: 'check', explores: parsed.data.explores && resolveExplores(parsed.data.explores) };
}

function resolveExplores(names: readonly string[]): ExploreDefinition[] {
  const { explores, problems } = resolveExploreNames(names);
  if (problems.length) throw new BadRequestError(problems.map((problem) => `explores: ${problem}`));
  return explores;
}

/**
 * Validates a run request (the JSON body of a POST, or the query string of a GET) and resolves
 * it against the explore registry. Throws BadRequestError listing every problem.
 */
export function parseRunRequest(input: unknown, now = new Date()): RunRequest {
  const parsed = bodySchema.safeParse(input ?? {});
  if (!parsed.success) {
    throw new BadRequestError(
      parsed.error.issues.map((issue) => {
        const field = issue.path.join('.');
        return issue.code === 'unrecognized_keys'
          ? `unknown field(s): ${issue.keys.join(', ')} (allowed: explores, from, to, dryRun)`
          : `${field || 'body'}: ${issue.message}`;
      }),
    );
  }
  const body = parsed.data;
  const problems: string[] = [];
  const resolved = resolveExploreNames(body.explores ?? []);
  const selected = resolved.explores;
  problems.push(...resolved.problems.map((problem) => `explores: ${problem}`));
  let backfill: RunRequest['backfill'];
  if ((body.from === undefined) !== (body.to === undefined)) {
    problems.push('from and to go together: give both for a backfill, or neither for the scheduled run');
  } else if (body.from && body.to) {
    const from = new Date(`${body.from}T00:00:00Z`);
    const to = new Date(`${body.to}T00:00:00Z`);
    const days = (to.getTime() - from.getTime()) / 86_400_000 + 1;
    if (from > to) problems.push(`from (${body.from}) is after to (${body.to})`);
    else if (days > MAX_BACKFILL_DAYS)
      problems.push(`a backfill covers at most ${MAX_BACKFILL_DAYS} days; ${days} were asked`);
    if (to >= startOfUtcDay(now))
      problems.push(`to (${body.to}) must be before today (UTC): only complete days are exported`);
    backfill = { from, to };
  }
  if (problems.length) throw new BadRequestError(problems);
  // No explores named: the run exports the configured default set.
  return { explores: body.explores ? selected : undefined, backfill, dryRun: body.dryRun ?? false };
}

/** A GET's query string as a request body: `?explores=a,b&from=...&to=...&dryRun=true`, `?check=true`. */
export function queryToBody(query: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines own keys: assigning `body['__proto__']` would set the prototype instead,
  // and `?__proto__=x` would pass as an empty request rather than an unknown parameter.
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => {
      if (typeof value !== 'string') return [key, value];
      if (key === 'explores') return [key, value.split(',').map((name) => name.trim())];
      if (key === 'dryRun' || key === 'check')
        return [key, value === 'true' ? true : value === 'false' ? false : value];
      return [key, value];
    }),
  );
}
