import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiToken } from './api-token.entity';
import { ApiTokenService } from './api-token.service';
import { BearerTokenGuard } from './bearer-token.guard';
import { TokenCommand, TokenCreateCommand, TokenListCommand, TokenRevokeCommand } from './token.command';

@Module({
  imports: [TypeOrmModule.forFeature([ApiToken])],
  providers: [
    ApiTokenService,
    BearerTokenGuard,
    TokenCommand,
    TokenCreateCommand,
    TokenRevokeCommand,
    TokenListCommand,
  ],
  exports: [ApiTokenService, BearerTokenGuard],
})
export class AuthModule {}
