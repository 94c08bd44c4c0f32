import * as z from 'zod/mini';

// ISO-8601 syntax alone lets "2026-02-30" through, and Date would roll it into March.
const isCalendarDate = (value: string) => {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
};

/** An ISO-8601 date-time that names a real calendar day; `offset` also allows `+01:00` besides `Z`. */
export const isoDateTime = ({ offset = false } = {}) =>
  z.iso.datetime({ offset }).check(z.refine(isCalendarDate, 'is not a real calendar date'));
