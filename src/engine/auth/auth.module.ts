import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminSessionService } from './admin-session.service';
import { ApiToken } from './api-token.entity';
import { ApiTokenService } from './api-token.service';
import { ApiTokensResolver } from './api-tokens.resolver';
import { BearerTokenGuard } from './bearer-token.guard';
import { TokenCommand, TokenCreateCommand, TokenListCommand, TokenRevokeCommand } from './token.command';

@Module({
  imports: [TypeOrmModule.forFeature([ApiToken])],
  providers: [
    ApiTokenService,
    AdminSessionService,
    BearerTokenGuard,
    ApiTokensResolver,
    TokenCommand,
    TokenCreateCommand,
    TokenRevokeCommand,
    TokenListCommand,
  ],
  exports: [ApiTokenService, AdminSessionService, BearerTokenGuard],
})
export class AuthModule {}
