import {randomUUID} from 'node:crypto';

/** A fresh queue name and key prefix per test, so tests run in parallel on one Redis. */
export const createQueueNames = () => {
  const id = randomUUID().slice(0, 12);

  return {prefix: `planton-test-${id}`, queueName: `items-${id}`};
};
