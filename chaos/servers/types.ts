/** A server process the chaos run started for itself, on a free loopback port. */
export type ServerProcess = {
  readonly port: number;
  /**
   * Stops the server as an operator does (a clean shutdown), starts it again on the same port and
   * data directory, and resolves once it accepts clients: `downMs` is how long it was not there.
   */
  readonly restart: () => Promise<{readonly downMs: number}>;
  /** Stops it for good and removes its data. */
  readonly stop: () => Promise<void>;
  readonly url: string;
};
