import {type Command, Option} from 'commander';
import {type ApiClient, createApiClient} from '../createApiClient.ts';

/** The server `planton` talks to when given no `--url` nor `PLANTON_URL`. */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:2718';

export type ClientOptions = {
  readonly json: boolean;
  readonly token?: string;
  readonly url: string;
};

/** `--url`, `--token` and `--json`, the options of every command that talks to a server. */
export const addClientOptions = (command: Command): Command => {
  return command
    .addOption(new Option('--url <url>', 'the server\'s base URL').env('PLANTON_URL').default(DEFAULT_SERVER_URL))
    .addOption(new Option('--token <token>', 'bearer token (a role allowed to use the route)').env('PLANTON_TOKEN'))
    .addOption(new Option('--json', 'print the API\'s JSON answer instead of a table').default(false));
};

/** The API client for a command's options. */
export const connect = (options: ClientOptions): ApiClient => createApiClient({token: options.token, url: options.url});
