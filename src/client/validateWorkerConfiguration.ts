import type {ConnectWorkerConfiguration} from './connectWorker.ts';
import {InvalidWorkerConfigurationError} from './errors.ts';

const toSocketUrl = (url: string): string => url.replace(/^http(s?):\/\//iu, 'ws$1://');

/**
 * The worker's options with their defaults, its `url` read as `ws(s)://`; throws
 * INVALID_WORKER_CONFIGURATION on the first bad one, before anything connects.
 */
export const validateWorkerConfiguration = (configuration: ConnectWorkerConfiguration) => {
  const positive = (option: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new InvalidWorkerConfigurationError(option, 'a finite number > 0 (milliseconds)', value);
    }
  };
  const {closeTimeout = 5_000, concurrency = 1, deliveryTimeout = 30_000, reconnectDelay = {initialDelay: 100, maxDelay: 10_000}, url} = configuration;

  if (typeof url !== 'string' || !/^(?:http|ws)s?:\/\//iu.test(url) || !URL.canParse(url)) {
    throw new InvalidWorkerConfigurationError('url', 'a ws://, wss://, http:// or https:// URL', url);
  }

  if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 10_000) {
    throw new InvalidWorkerConfigurationError('concurrency', 'an integer from 1 to 10000', concurrency);
  }

  positive('closeTimeout', closeTimeout);
  positive('deliveryTimeout', deliveryTimeout);
  positive('reconnectDelay.initialDelay', reconnectDelay.initialDelay);
  positive('reconnectDelay.maxDelay', reconnectDelay.maxDelay);

  return {closeTimeout, concurrency, deliveryTimeout, reconnectDelay, url: toSocketUrl(url)};
};
