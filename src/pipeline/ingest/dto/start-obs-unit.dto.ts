import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEnum,
  IsISO8601,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
} from 'class-validator';
import { ObsUnitPriority } from '../obs-unit-priority';

export class StartObsUnitDto {
  @ApiProperty({ format: 'uuid', description: 'Made by the instrument, so it can start units while offline' })
  @IsUUID('all')
  id!: string;

  @ApiProperty({ example: 'deep_field_3' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  obsUnit!: string;

  @ApiProperty({ example: 'primecam' })
  @IsString()
  @IsNotEmpty()
  instrument!: string;

  @ApiProperty({ format: 'date-time' })
  @IsISO8601({ strict: true })
  startedAt!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({
    enum: ObsUnitPriority,
    default: ObsUnitPriority.NORMAL,
    description:
      'high: urgent, its data goes ahead of the backlog (bundled at once, first on every queue). Only the ' +
      'first start of a unit sets it; later changes are `ccat-dt priority set`',
  })
  @IsOptional()
  @IsEnum(ObsUnitPriority, {
    message: `priority must be one of: ${Object.values(ObsUnitPriority).join(', ')}`,
  })
  priority?: ObsUnitPriority;
}
