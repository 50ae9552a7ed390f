// The body of `GET /v1/dispatch` (docs/server.md#dispatch), as the page uses it.

export type DispatchTask = {
  readonly completed: number;
  readonly dead: number;
  readonly failed: number;
  readonly lastTerminatedAt: string | null;
  readonly running: number;
  readonly taskName: string;
  readonly terminated: number;
};

export type DispatchTermination = {
  readonly executionId: number;
  readonly instruction: number | string;
  readonly taskName: string;
  readonly terminatedAt: string;
};

export type DispatchStore = {
  readonly error: {readonly code: string; readonly message: string} | null;
  readonly name: string;
  readonly reaper: {readonly recent: readonly DispatchTermination[]; readonly terminated: number} | null;
  readonly status: 'FAILED' | 'OK' | 'UNSUPPORTED';
  readonly tasks: readonly DispatchTask[];
};

export type Dispatch = {
  readonly since: string;
  readonly stores: readonly DispatchStore[];
};
