import { ErrorRequestHandler, json, RequestHandler } from 'express';

const MESSAGES: Record<string, (err: Error, limit: string) => string> = {
  'entity.parse.failed': (err) => `body: malformed JSON (${err.message})`,
  'entity.too.large': (_err, limit) => `body: larger than the ${limit} limit (send fewer files per request)`,
  'encoding.unsupported': (err) => `body: ${err.message}`,
  'charset.unsupported': (err) => `body: ${err.message}`,
};

/**
 * The JSON body parser and its error handler, registered before Nest's routes so that a malformed or
 * oversized body is answered in our error shape with a message that says what is wrong with it.
 */
export function jsonBody(limit: string): [RequestHandler, ErrorRequestHandler] {
  const parser = json({ limit, strict: true }) as RequestHandler;
  const onError: ErrorRequestHandler = (err, _req, res, next) => {
    const describe = MESSAGES[err?.type as string];
    if (!describe || typeof err.status !== 'number') return next(err);
    res.status(err.status).json({
      statusCode: err.status,
      error: err.status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST',
      message: describe(err, limit),
    });
  };
  return [parser, onError];
}
