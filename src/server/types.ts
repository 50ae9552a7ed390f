import type {TypeBoxTypeProvider} from '@fastify/type-provider-typebox';
import type {FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault} from 'fastify';

/** The Fastify instance the routes are registered on: JSON schemas built with TypeBox type the handlers. */
export type ServerApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;
