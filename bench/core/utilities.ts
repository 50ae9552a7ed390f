/** One macrotask hop, as a real query's I/O would take. */
export const yieldToEventLoop = async (): Promise<void> => {
  await new Promise((resolve) => {
    setImmediate(resolve);
  });
};

export const sleep = async (milliseconds: number): Promise<void> => {
  await new Promise((resolve) => {
    setTimeout(resolve, milliseconds);
  });
};

/** Rounds to `digits` decimals, for readable JSON. */
export const round = (value: number, digits = 2): number => {
  const factor = 10 ** digits;

  return Math.round(value * factor) / factor;
};

export const toMegabytes = (bytes: number): number => {
  return round(bytes / 1_024 / 1_024, 1);
};
