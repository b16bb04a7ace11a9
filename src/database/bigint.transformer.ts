import { ValueTransformer } from 'typeorm';

/**
 * Byte counts are stored as bigint; PostgreSQL hands them back as strings. Numbers are exact up to 2^53
 * bytes (8 PiB), far beyond any single file or package.
 */
export const bigintTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null || value === undefined ? value : Number(value)),
};
