import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, Min } from 'class-validator';
import { parseBytes, parseDuration } from './units';

export const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
export const toMs = ({ value }: { value: unknown }) => parseDuration(value);
export const toBytes = ({ value }: { value: unknown }) => parseBytes(value);
/** A duration setting: `30s`, `5m`, `1h` or a number of milliseconds, at least `min` ms. */
export const Duration =
  (min: number): PropertyDecorator =>
  (target, key) =>
    applyDecorators(
      Transform(toMs),
      IsInt({ message: `${String(key)} must be a duration such as 30s, 5m, 1h or a number of ms` }),
      Min(min),
    )(target, key);

/** A yes/no setting: `true` or `false` (an unset one keeps its default). */
export const Flag = (): PropertyDecorator => (target, key) =>
  applyDecorators(
    Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)),
    IsIn([true, false], { message: `${String(key)} must be true or false` }),
  )(target, key);

/**
 * What a group of settings is built on. Each group (shared-settings.ts, api-settings.ts, ...) is a mixin, a
 * function from a class to that class with the group's settings added, and environment.ts composes them all
 * into Environment: one class, validated at once, with each setting and its default declared in one group.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript's mixins require exactly any[]
export type SettingsClass = new (...args: any[]) => object;
