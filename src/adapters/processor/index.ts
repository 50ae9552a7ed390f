export {createProcessor} from './createProcessor.ts';
export type {
  Processor,
  ProcessorBatchHandler,
  ProcessorBatchHandlerContext,
  ProcessorBatchHandling,
  ProcessorConfiguration,
  ProcessorEvents,
  ProcessorHandler,
  ProcessorHandlerContext,
  ProcessorStats,
  ProcessorStore,
  ProcessedInstruction,
} from './types.ts';
export {
  InvalidProcessorConfigurationError,
  ProcessorHandlerMissingError,
  ProcessorOutcomesAbandonedError,
  ProcessorStoppedError,
  ProcessorStoreError,
} from '../errors.ts';
export type {ProcessorStoreOperation} from '../errors.ts';
