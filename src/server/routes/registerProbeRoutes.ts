import {Type} from 'typebox';
import {StoreUnreachableError} from '../../adapters/errors.ts';
import {ERROR_RESPONSES} from '../schemas/errorSchema.ts';
import type {ServerApp} from '../types.ts';

export type ProbeRoutesConfiguration = {
  /** Resolves when the store answers. */
  readonly readinessCheck: () => Promise<unknown>;
  /** Milliseconds `readinessCheck` may take before `/ready` answers 503. */
  readonly readinessTimeout: number;
};

const tags = ['probes'];

/** Rejects with a `STORE_UNREACHABLE` error when `check` fails or takes longer than `timeout`. */
const checkWithin = async (check: () => Promise<unknown>, timeout: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`The store did not answer within ${timeout} ms.`));
    }, timeout);
    timer.unref();
  });

  try {
    await Promise.race([check(), expired]);
  } catch (error) {
    throw new StoreUnreachableError(error);
  } finally {
    clearTimeout(timer);
  }
};

/** `/health` (the process answers) and `/ready` (the store answers too): no token needed, for load balancers and orchestrators. */
export const registerProbeRoutes = (app: ServerApp, {readinessCheck, readinessTimeout}: ProbeRoutesConfiguration): void => {
  const security: Array<Record<string, string[]>> = [];

  app.get('/health', {schema: {response: {...ERROR_RESPONSES, 200: Type.Object({status: Type.Literal('ok')}, {additionalProperties: false, description: 'The process answers.'})}, security, summary: 'The process is up', tags}}, async () => {
    return {status: 'ok' as const};
  });

  app.get('/ready', {schema: {response: {...ERROR_RESPONSES, 200: Type.Object({status: Type.Literal('ready')}, {additionalProperties: false, description: 'The store answers.'})}, security, summary: 'The store answers (503 `STORE_UNREACHABLE` otherwise)', tags}}, async () => {
    await checkWithin(readinessCheck, readinessTimeout);

    return {status: 'ready' as const};
  });
};
