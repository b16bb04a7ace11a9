import { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';

/** The HTTP request behind a call, whether it came through a REST controller or a GraphQL resolver. */
export function requestOf<R extends Request>(context: ExecutionContext): R {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: R }>().req;
  }
  return context.switchToHttp().getRequest<R>();
}
