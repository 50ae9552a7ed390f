import type {ValidateFunction} from 'ajv';
import {createAjv} from './createAjv.ts';

type OpenApiResponse = {readonly content?: Readonly<Record<string, {readonly schema?: object}>>};
type OpenApiDocument = {readonly paths: Readonly<Record<string, Readonly<Record<string, {readonly responses?: Readonly<Record<string, OpenApiResponse>>}>>>>};

export type OpenApiValidator = {
  /**
   * The problems of a response against the schema the document publishes for its path template
   * (`/v1/jobs/{id}`), method and status (or its `4XX`/`5XX` range): `null` when it conforms.
   * Paths the document does not list are checked against the error schema.
   */
  readonly check: (response: {readonly body: unknown; readonly method: string; readonly path: string; readonly status: number}) => string | null;
};

/** Checks responses against the schemas of an OpenAPI document with ajv (formats such as `date-time` included). */
export const createOpenApiValidator = (document: Readonly<Record<string, unknown>>): OpenApiValidator => {
  const {paths} = document as unknown as OpenApiDocument;
  const ajv = createAjv();
  const compiled = new Map<object, ValidateFunction>();

  const compile = (schema: object) => {
    let validate = compiled.get(schema);

    if (validate === undefined) {
      validate = ajv.compile(schema);
      compiled.set(schema, validate);
    }

    return validate;
  };

  const errorSchema = paths['/v1/tasks']?.get?.responses?.['4XX']?.content?.['application/json']?.schema;

  return {
    check: ({body, method, path, status}) => {
      const operation = paths[path]?.[method.toLowerCase()];
      const range = `${String(status).slice(0, 1)}XX`;

      if (operation === undefined) {
        if (status < 400 || errorSchema === undefined) {
          return `${method} ${path} is not in the document`;
        }

        const validate = compile(errorSchema);

        return validate(body) ? null : ajv.errorsText(validate.errors);
      }

      const response = operation.responses?.[String(status)] ?? operation.responses?.[range];

      if (response === undefined) {
        return `${method} ${path} has no response ${status} in the document`;
      }

      const schema = response.content?.['application/json']?.schema;

      if (schema === undefined) {
        // 204, or a body that is not JSON (/metrics).
        return null;
      }

      const validate = compile(schema);

      return validate(body) ? null : `${method} ${path} ${status}: ${ajv.errorsText(validate.errors)}`;
    },
  };
};
