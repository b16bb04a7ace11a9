import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { TokenScope } from './api-token.entity';
import { ApiTokenModel, CreateApiTokenInput, CreatedApiTokenModel } from './api-token.model';
import { ApiTokenService, CreatedToken } from './api-token.service';
import { RequireScope } from './scopes.decorator';

/** Tokens are an admin matter end to end: even listing them shows who can do what. */
@Resolver(() => ApiTokenModel)
@RequireScope(TokenScope.ADMIN)
export class ApiTokensResolver {
  constructor(private readonly tokens: ApiTokenService) {}

  @Query(() => [ApiTokenModel], { description: 'Every token, revoked ones included (a short list).' })
  apiTokens() {
    return this.tokens.list();
  }

  @Mutation(() => CreatedApiTokenModel)
  createApiToken(@Args('input') input: CreateApiTokenInput): Promise<CreatedToken> {
    const { name, scopes, expiresAt, instruments, sources, site } = input;
    return this.tokens.create(name, scopes, { expiresAt, instruments, sources, site });
  }

  @Mutation(() => String, { description: 'Revokes the active token of this name; answers the name.' })
  async revokeApiToken(@Args('name') name: string): Promise<string> {
    await this.tokens.revoke(name);
    return name;
  }
}
