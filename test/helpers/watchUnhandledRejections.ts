/** Unhandled rejections seen while the test runs (the listener is removed at its teardown). */
export const watchUnhandledRejections = (t: {readonly teardown: (callback: () => void) => void}): unknown[] => {
  const seen: unknown[] = [];
  const listener = (reason: unknown) => {
    seen.push(reason);
  };

  process.on('unhandledRejection', listener);
  t.teardown(() => {
    process.off('unhandledRejection', listener);
  });

  return seen;
};
