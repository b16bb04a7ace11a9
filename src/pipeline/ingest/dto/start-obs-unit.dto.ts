import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

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
}
