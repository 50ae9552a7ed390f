const DURATION = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/u;

const UNIT_MILLISECONDS = [604_800_000, 86_400_000, 3_600_000, 60_000, 1_000, 1] as const;

/**
 * Reads a duration string such as `15m`, `1h30m`, `10s`, `500ms` or `1w2d` as milliseconds: integers
 * followed by `w d h m s ms`, largest unit first, each at most once, no spaces. Days and weeks are
 * exact (24 and 168 hours). Returns `null` for anything else, so the caller names the option at fault.
 */
export const parseDuration = (value: string): number | null => {
  const match = DURATION.exec(value);

  if (match === null || value === '') {
    return null;
  }

  let milliseconds = 0;

  for (const [index, unit] of UNIT_MILLISECONDS.entries()) {
    const amount = match[index + 1];

    if (amount !== undefined) {
      milliseconds += Number(amount) * unit;
    }
  }

  return Number.isSafeInteger(milliseconds) ? milliseconds : null;
};
