import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsInt,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  Min,
  Max,
} from 'class-validator';
import { IsSafeRelativePath } from '../../../engine/validation/is-safe-relative-path';

/** A file the instrument has already written into `location`; registration never moves data. */
export class RegisterRawDataFileDto {
  @ApiProperty({
    format: 'uuid',
    description: 'Made by the instrument; re-sending the same file is harmless',
  })
  @IsUUID('all')
  id!: string;

  @ApiProperty({ example: 'ccat' })
  @IsString()
  @IsNotEmpty()
  site!: string;

  @ApiProperty({ example: 'telescope_computer' })
  @IsString()
  @IsNotEmpty()
  location!: string;

  @ApiProperty({
    example: 'primecam/2026-11-24/scan_0001.fits',
    description: 'Relative to the location root',
  })
  @IsSafeRelativePath()
  path!: string;

  @ApiProperty({ description: 'Bytes' })
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  size!: number;

  @ApiProperty({ description: 'SHA-256 of the bytes, 64 hex characters' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hexadecimal characters' })
  @Transform(({ value }) => (typeof value === 'string' ? value.toLowerCase() : value))
  sha256!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all')
  executedObsUnitId!: string;

  @ApiProperty({ example: 'pcam_280' })
  @IsString()
  @IsNotEmpty()
  instrumentModule!: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When the instrument wrote the file' })
  @IsOptional()
  @IsISO8601({ strict: true })
  fileCreatedAt?: string;

  @ApiPropertyOptional({ example: 'fits' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  fileType?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
