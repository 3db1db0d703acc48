/**
 * What a value in an environment variable may be: each schema takes the string as set (never
 * undefined: blank values count as unset before parsing) and gives the typed value, or a message
 * that says what is wrong without echoing the value.
 */
import { z } from 'zod';

export const nonEmpty = z.string().trim().min(1, 'must not be empty');

export const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

/** A whole number from 1 to `max`. */
export const positiveInt = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n > 0 && n <= max, `must be between 1 and ${max}`);

/** A whole number from 0 to `max`; `zero` says what 0 means, when it means something. */
export const wholeNumber = (max: number, zero?: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, zero ? `must be a whole number (0: ${zero})` : 'must be a whole number')
    .transform(Number)
    // Past 2^53 the digits turn into an inexact number, or Infinity.
    .refine(
      (n) => Number.isSafeInteger(n) && n <= max,
      zero ? `must be at most ${max}` : `must be between 0 and ${max}`,
    );

export const httpUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL')
  .transform((v) => v.replace(/\/+$/, ''));

/** BigQuery, GCS and Firestore name rules, checked here so a typo fails at start, not mid-run. */
export const datasetId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_]{1,1024}$/, 'must be letters, digits and underscores');

export const bucketName = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/, 'must be a valid bucket name (lower case, digits, - _ .)');

export const secretName = z
  .string()
  .trim()
  .regex(
    /^(projects\/[^/]+\/secrets\/)?[A-Za-z0-9_-]{1,255}(\/versions\/[A-Za-z0-9_-]+)?$/,
    'must be a secret id or projects/P/secrets/NAME',
  );

export const hostPort = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9.[\]:-]+:\d+$/, 'must be host:port');

export const instanceName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 letters, digits, . _ -');

/** JSON in an environment variable, then validated by `inner`. */
export const json = <T extends z.ZodType>(inner: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(inner);

/** One entry of LOOKER_INSTANCES. */
export const instanceEntry = z
  .object({
    name: instanceName,
    baseUrl: httpUrl,
    clientIdSecret: secretName,
    clientSecretSecret: secretName,
    verifySsl: z.boolean().optional(),
    dataset: datasetId.optional(),
    monthlyQueryBudget: z.number().int().min(0).max(1_000_000_000).optional(),
  })
  .strict();
