import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
} from 'class-validator';

export class CreateStagingJobDto {
  @ApiProperty({
    example: 'cologne_ramses_processing',
    description: 'The PROCESSING location, as <site>_<location>',
  })
  @IsString()
  @MaxLength(200)
  location!: string;

  @ApiPropertyOptional({ description: 'Raw data package ids (exactly one of packages, files, obsUnit)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10_000)
  @IsUUID('all', { each: true })
  packages?: string[];

  @ApiPropertyOptional({ description: 'Raw data file ids: their whole packages are staged' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100_000)
  @IsUUID('all', { each: true })
  files?: string[];

  @ApiPropertyOptional({ description: 'An executed obs unit, by id or name: all its packages' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  obsUnit?: string;

  @ApiPropertyOptional({
    example: '7d',
    description: 'Released by itself after this long (s, m, h, d); default: until released',
  })
  @IsOptional()
  @Matches(/^\d{1,6}(s|m|h|d)$/, { message: 'retention must be a duration such as 12h or 7d' })
  retention?: string;
}
