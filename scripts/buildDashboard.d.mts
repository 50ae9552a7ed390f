/** Builds the dashboard's assets into `directory` (default dist/dashboard); resolves its path. */
export declare const buildDashboard: (options?: {readonly directory?: string}) => Promise<string>;
