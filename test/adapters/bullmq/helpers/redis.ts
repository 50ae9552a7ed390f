import {randomUUID} from 'node:crypto';

export const REDIS_URL = process.env.PLANTON_TEST_REDIS_URL ?? null;

/** A fresh queue name and key prefix per test, so tests run in parallel on one Redis. */
export const createQueueNames = () => {
  const id = randomUUID().slice(0, 12);

  return {prefix: `planton-test-${id}`, queueName: `items-${id}`};
};

/** `url` with its port replaced (to reach Redis through a proxy). */
export const withPort = (url: string, port: number) => {
  const parsed = new URL(url);

  parsed.port = String(port);

  return parsed.toString().replace(/\/$/u, '');
};
