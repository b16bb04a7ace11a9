import {
  ArgumentMetadata,
  BadRequestException,
  Injectable,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { hostileInputReason } from '../validation/hostile-input';

/** `files[3].sha256 must be 64 hexadecimal characters`: every message names the field by its full path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = /^\d+$/.test(e.property)
      ? `${parent}[${e.property}]`
      : parent
        ? `${parent}.${e.property}`
        : e.property;
    const own = Object.values(e.constraints ?? {}).map(
      (m) => `${path}: ${m.replace(new RegExp(`^${e.property} `), '')}`,
    );
    return [...own, ...flattenValidationErrors(e.children ?? [], path)];
  });
}

/**
 * Whitelists DTO fields (an unknown field is an error, so a typo never passes silently) and refuses bodies
 * that are not JSON objects, which class-validator would otherwise wave through.
 */
@Injectable()
export class StrictValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      stopAtFirstError: false,
      exceptionFactory: (errors) => new BadRequestException(flattenValidationErrors(errors).slice(0, 50)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // A whole body (@Body(), or GraphQL's @Args()) must be an object; a named GraphQL argument may be a string.
    if (
      metadata.type === 'body' &&
      metadata.data === undefined &&
      (value === null || typeof value !== 'object' || Array.isArray(value))
    ) {
      throw new BadRequestException('body: must be a JSON object');
    }
    // Client input only (bodies, GraphQL arguments, params, queries; not the context or a parent object),
    // checked raw: class-transformer would drop a __proto__ key before the whitelist looks.
    if (metadata.type !== 'custom') {
      const hostile = hostileInputReason(value, metadata.data ?? '');
      if (hostile) throw new BadRequestException(hostile);
    }
    return super.transform(value, metadata);
  }
}
