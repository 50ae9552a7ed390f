// First: on a Node.js older than 24 this throws one clear error before anything else runs.
import '../planton/assertNodeVersion.ts';
export {calculateReconnectDelay} from './calculateReconnectDelay.ts';
export {connectWorker} from './connectWorker.ts';
export {compose} from '../scheduler/compose.ts';
export {ComposedStepError} from '../scheduler/errors.ts';
export * from './errors.ts';
export {PROTOCOL_VERSION} from '../server/protocol/messages.ts';
export type {CalculateReconnectDelayConfiguration} from './calculateReconnectDelay.ts';
export type {ConnectWorkerConfiguration, Worker, WorkerEvents} from './connectWorker.ts';
export type {ComposeStep} from '../scheduler/compose.ts';
export type {Job, NodeCallback, Processor, ProcessorCallback} from '../scheduler/processorTypes.ts';
