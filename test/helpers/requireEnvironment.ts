import test from 'ava';

/** The environment variables that point the tests at a real service, each holding its URL. */
export type TestServiceVariable = 'PLANTON_TEST_AMQP_URL' | 'PLANTON_TEST_DATABASE_URL' | 'PLANTON_TEST_MYSQL_URL' | 'PLANTON_TEST_NATS_URL' | 'PLANTON_TEST_REDIS_URL';

export type RequireEnvironmentConfiguration = {
  /**
   * The title of one skipped test registered when `variable` is not set: ava fails a file without
   * tests, and a skipped one shows in the summary.
   * @default none: the file has other tests
   */
  readonly skipTitle?: string;
  /** The variable that holds the service's URL. */
  readonly variable: TestServiceVariable;
};

/**
 * Registers a file's tests that need a real service: with `variable` set, `define` gets its value;
 * without it, the file prints the one line `skipped: set <variable>` (and registers the skipped
 * test `skipTitle`, if given).
 */
export const requireEnvironment = ({skipTitle, variable}: RequireEnvironmentConfiguration, define: (url: string) => void): void => {
  const url = process.env[variable];

  if (url === undefined || url === '') {
    console.log(`skipped: set ${variable}`);

    if (skipTitle !== undefined) {
      test.skip(skipTitle, () => undefined);
    }

    return;
  }

  define(url);
};
