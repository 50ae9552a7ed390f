// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../../planton/assertNodeVersion.ts';
export {createPgliteDriverFactory} from './createPgliteDriverFactory.ts';
export type {PgliteDriverFactoryConfiguration} from './createPgliteDriverFactory.ts';
export {createPgliteNotificationListener} from './createPgliteNotificationListener.ts';
export type {PgliteNotificationListenerConfiguration} from './createPgliteNotificationListener.ts';
export {createPglitePool} from './createPglitePool.ts';
export type {PglitePoolConfiguration} from './createPglitePool.ts';
// The in-process processor, imported next to the store it records in.
export * from '../processor/index.ts';
