import type {KitTest} from './types.ts';

/** A refusal surfaces within this (it takes milliseconds); the test fails rather than wait for ever. */
const PROMPTLY = 30_000;

/** Registers the test that a store without its database rejects promptly with `code` and a `cause`. */
export const defineUnreachableTest = (test: KitTest, title: string, createUnreachableStore: () => Promise<unknown>, code: string): void => {
  test(title, async (t) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`The store did not reject within ${PROMPTLY} ms.`));
      }, PROMPTLY);
    });

    try {
      const error = await t.throwsAsync(Promise.race([createUnreachableStore(), deadline]), {code});

      t.truthy((error as {readonly cause?: unknown} | undefined)?.cause, 'the driver\'s error is its cause');
    } finally {
      clearTimeout(timer);
    }
  });
};
