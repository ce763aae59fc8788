/**
 * Request validation compiled from the route schemas with TypeBox.
 *
 * Bodies are checked strictly, never coerced: a body is what a client signed,
 * and turning "5" into 5 before hashing would make a well-meant request fail
 * as a bad signature instead of a schema error. Query strings and path
 * parameters arrive as text, so they are converted (to numbers, booleans) and
 * given their defaults before the check.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import type { TSchema } from '@sinclair/typebox';
import type { FastifySchemaCompiler } from 'fastify';

export class RequestValidationError extends Error {
  readonly part: string;
  constructor(part: string, message: string) {
    super(message);
    this.name = 'RequestValidationError';
    this.part = part;
  }
}

export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = TypeCompiler.Compile(schema);
  const part = httpPart ?? 'request';
  const fail = (value: unknown) => {
    const first = check.Errors(value).First();
    const where = first?.path ? `${part}${first.path}` : part;
    return { error: new RequestValidationError(part, `${where}: ${first?.message ?? 'invalid'}`) };
  };
  if (part === 'body') {
    return (value: unknown) => (check.Check(value) ? { value } : fail(value));
  }
  return (value: unknown) => {
    const converted = Value.Default(schema, Value.Convert(schema, value));
    return check.Check(converted) ? { value: converted } : fail(converted);
  };
};
