import {useState} from 'preact/hooks';
import {ApiError} from './api.ts';

export type Action = {
  readonly busy: boolean;
  /** The last failure as `CODE: message`, shown in an alert. */
  readonly failure: string | null;
  /** Runs `call` (one at a time), then `onDone`; a failure is kept in `failure`. */
  readonly run: (call: () => Promise<unknown>) => void;
};

/** An admin's button press: busy while the request runs, its error code shown when it fails. */
export const useAction = (onDone: () => void): Action => {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  const run = (call: () => Promise<unknown>) => {
    setBusy(true);
    setFailure(null);
    call().then(onDone, (error: unknown) => {
      setFailure(error instanceof ApiError ? `${error.code}: ${error.message}` : String(error));
    }).finally(() => {
      setBusy(false);
    });
  };

  return {busy, failure, run};
};
