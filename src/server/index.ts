// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../planton/assertNodeVersion.ts';
export {createAuth} from './createAuth.ts';
export {createServer, DEFAULT_PORT} from './createServer.ts';
export {createWebhookNotifier, signWebhookBody, WEBHOOK_EVENTS} from './createWebhookNotifier.ts';
export * from './errors.ts';
export {isLoopbackHost} from './isLoopbackHost.ts';
export {parseTokens} from './parseTokens.ts';
export {readTokens} from './readTokens.ts';
export {toHttpError} from './toHttpError.ts';
export type {Access, Auth, AuthConfiguration, Principal, ServerRole, ServerToken} from './createAuth.ts';
export type {ListenConfiguration, Server, ServerConfiguration, ServerLoggerConfiguration} from './createServer.ts';
export type {ReadTokensConfiguration} from './readTokens.ts';
export type {WebhookConfiguration, WebhookEvent, WebhookNotifier, WebhookNotifierConfiguration} from './createWebhookNotifier.ts';
export type {ErrorBody, HttpError} from './toHttpError.ts';
