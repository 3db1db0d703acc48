/**
 * Calendar arithmetic without `Date` (whose years 0-99 and range quirks do not match BigQuery's
 * 0001-01-01 .. 9999-12-31): days since the epoch for a civil date and back, and UTC offsets of
 * IANA time zones through `Intl`.
 */

const pad = (value: number | bigint, width = 2) => String(value).padStart(width, '0');

export function isLeapYear(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/** A real date of BigQuery's range (years 1 to 9999). */
export function isValidDate(year: number, month: number, day: number): boolean {
  return (
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

/** Days from 1970-01-01 to a proleptic Gregorian date (negative before it). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The civil date `days` after 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;
/** 0001-01-01 00:00:00 UTC and 9999-12-31 23:59:59.999999 UTC, BigQuery's TIMESTAMP range. */
export const MIN_TIMESTAMP_MICROS = BigInt(daysFromCivil(1, 1, 1)) * MICROS_PER_DAY;
export const MAX_TIMESTAMP_MICROS = BigInt(daysFromCivil(10000, 1, 1)) * MICROS_PER_DAY - 1n;

export interface CivilDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  micros: number;
}

/** Microseconds since the epoch of a civil date-time read as UTC. */
export function microsFromCivil(t: CivilDateTime): bigint {
  const seconds = ((daysFromCivil(t.year, t.month, t.day) * 24 + t.hour) * 60 + t.minute) * 60 + t.second;
  return BigInt(seconds) * MICROS_PER_SECOND + BigInt(t.micros);
}

/** The UTC civil date-time of an instant. */
export function civilFromMicros(micros: bigint): CivilDateTime {
  let days = micros / MICROS_PER_DAY;
  let rest = micros % MICROS_PER_DAY;
  if (rest < 0n) {
    rest += MICROS_PER_DAY;
    days -= 1n;
  }
  const { year, month, day } = civilFromDays(Number(days));
  const seconds = Number(rest / MICROS_PER_SECOND);
  return {
    year,
    month,
    day,
    hour: Math.floor(seconds / 3600),
    minute: Math.floor(seconds / 60) % 60,
    second: seconds % 60,
    micros: Number(rest % MICROS_PER_SECOND),
  };
}

/** `.ffffff` when there is a fraction, nothing otherwise. */
export function fraction(micros: number): string {
  return micros ? `.${pad(micros, 6)}` : '';
}

export function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` of an instant. */
export function formatTimestampIso(micros: bigint): string {
  const t = civilFromMicros(micros);
  return `${formatDate(t.year, t.month, t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}${fraction(t.micros)}Z`;
}

/**
 * Offset from UTC, in minutes, of an IANA zone at a civil time in that zone; undefined for an
 * unknown zone. Found by asking `Intl` what the zone's clock reads at a guessed instant, twice.
 */
export function zoneOffsetMinutes(zone: string, local: CivilDateTime): number | undefined {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  const localMs = Number(microsFromCivil({ ...local, micros: 0 }) / 1000n);
  const offsetAt = (utcMs: number) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
    const wall = microsFromCivil({
      year: Number(parts.year),
      month: Number(parts.month),
      day: Number(parts.day),
      hour: Number(parts.hour),
      minute: Number(parts.minute),
      second: Number(parts.second),
      micros: 0,
    });
    return Math.round((Number(wall / 1000n) - utcMs) / 60_000);
  };
  const first = offsetAt(localMs);
  return offsetAt(localMs - first * 60_000);
}
