import {Ajv} from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its function is the module itself (or its `default`, depending on the loader).
const addFormats = ((addFormatsModule as unknown as {readonly default?: typeof addFormatsModule}).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

/** An ajv that knows the formats the server's schemas use (`date-time`), and OpenAPI's keywords without complaint. */
export const createAjv = (): Ajv => addFormats(new Ajv({allErrors: true, strict: false}));
