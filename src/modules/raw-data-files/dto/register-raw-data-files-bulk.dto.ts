import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { RegisterRawDataFileDto } from './register-raw-data-file.dto';

export class RegisterRawDataFilesBulkDto {
  @ApiProperty({ type: [RegisterRawDataFileDto], description: 'All or nothing: one bad item writes nothing' })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => RegisterRawDataFileDto)
  files!: RegisterRawDataFileDto[];
}
