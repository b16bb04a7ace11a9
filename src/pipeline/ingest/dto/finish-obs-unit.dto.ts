import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';

export class FinishObsUnitDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Defaults to the time of the request' })
  @IsOptional()
  @IsISO8601({ strict: true })
  finishedAt?: string;

  @ApiPropertyOptional({
    example: 'success',
    description: 'How the observation ended, in the instrument’s words',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  outcome?: string;
}
