import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Why a path is not a safe relative path inside a location, or null if it is. Every later stage joins
 * these paths onto a root directory or an S3 prefix, so anything that could escape it is refused here.
 */
export function unsafeRelativePathReason(path: unknown): string | null {
  if (typeof path !== 'string' || path.length === 0) return 'must be a non-empty string';
  if (path.length > 1024) return 'must be at most 1024 characters';
  if (path.startsWith('/')) return 'must be relative, not absolute';
  if (/^[A-Za-z]:[\\/]/.test(path)) return 'must be relative, not a drive path';
  if (path.includes('\\')) return 'must use / as separator';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'must not contain control characters';
  const segments = path.split('/');
  if (segments.includes('..')) return 'must not contain ..';
  if (segments.some((s) => s === '' || s === '.')) return 'must not contain empty or . segments';
  return null;
}

export function IsSafeRelativePath(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSafeRelativePath',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => unsafeRelativePathReason(value) === null,
        defaultMessage: (args) => `${args?.property} ${unsafeRelativePathReason(args?.value)}`,
      },
    });
}
