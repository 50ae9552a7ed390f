/** The engines measured side by side: this project and the original package it replaces. */
export type SystemName = 'planton' | 'planton@3';

/** One JSON line's metric fields. */
export type Metrics = Readonly<Record<string, boolean | number | string | null>>;

/** A task as the benchmark describes it, translated by `loadEngine` into each system's configuration. */
export type EngineTask = {
  readonly concurrency: number;
  /** What `calculateDelay` returns, every round. */
  readonly delayMs: number;
  readonly name: string;
  /** Returns at most `limit` new instructions (strings: planton@3 accepts nothing else). */
  readonly schedule: (limit: number) => Promise<string[]>;
};

export type EngineConfiguration = {
  readonly getActiveTaskInstructions: () => Promise<string[]>;
  readonly tasks: readonly EngineTask[];
};

/** The little both systems have in common: `task` events and `terminate()`. */
export type Engine = {
  readonly onTask: (listener: () => void) => void;
  readonly terminate: () => Promise<void>;
};

export type StartEngine = (configuration: EngineConfiguration) => Engine;

/** What one child process measures. */
export type Scenario =
  | {readonly kind: 'dispatch'; readonly concurrency: number; readonly durationMs: number; readonly taskCount: number; readonly warmUpMs: number}
  | {readonly kind: 'idle'; readonly delayMs: number; readonly durationMs: number; readonly taskCount: number}
  | {readonly kind: 'no-starvation'; readonly concurrency: number; readonly deadlineMs: number; readonly timerMs: number};

/** A scenario's figures, and the engine still running (the child terminates it and times that). */
export type Measurement = {
  readonly engine: Engine;
  readonly metrics: Metrics;
};
