import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsObject, ValidateNested } from 'class-validator';
import { RegisterRawDataFileDto } from './register-raw-data-file.dto';

export class RegisterRawDataFilesBulkDto {
  @ApiProperty({ type: [RegisterRawDataFileDto], description: 'All or nothing: one bad item writes nothing' })
  @IsArray()
  @ArrayMinSize(1)
  // ValidateNested walks into an array inside the array as if it were the list itself, so [[file]] would
  // pass as valid files; each item must be an object (IsObject refuses arrays).
  @IsObject({ each: true, message: 'each item of files must be a file object' })
  @ValidateNested({ each: true })
  @Type(() => RegisterRawDataFileDto)
  files!: RegisterRawDataFileDto[];
}
