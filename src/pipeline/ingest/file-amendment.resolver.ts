import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import type { AdminContext } from '../../operations/admin-console/admin-loaders';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { actorOf } from '../../engine/auth/bearer-token.guard';
import { RequireScope } from '../../engine/auth/scopes.decorator';
import { AmendmentOutcome, FileAmendmentService } from './file-amendment.service';
import { FileAmendmentModel } from './file-amendment.model';

/** `ccat-dt file accept|withdraw` for the console and scripts: admin only, audited with the token's name. */
@Resolver(() => FileAmendmentModel)
@RequireScope(TokenScope.ADMIN)
export class FileAmendmentResolver {
  constructor(private readonly amendments: FileAmendmentService) {}

  @Mutation(() => FileAmendmentModel, {
    description:
      "Records a file's bytes now at its source as its registration (it changed after registering); refused once its package was packed.",
  })
  acceptFile(
    @Args('file', { description: 'The file id, or its path' }) file: string,
    @Args('reason') reason: string,
    @Context() ctx: AdminContext,
  ): Promise<AmendmentOutcome> {
    return this.amendments.accept(file, reason, actorOf(ctx.req));
  }

  @Mutation(() => FileAmendmentModel, {
    description:
      'Takes a file out of the pipeline: out of its package (packed again without it), never archived or deleted by us; refused once its package was packed.',
  })
  withdrawFile(
    @Args('file', { description: 'The file id, or its path' }) file: string,
    @Args('reason') reason: string,
    @Context() ctx: AdminContext,
  ): Promise<AmendmentOutcome> {
    return this.amendments.withdraw(file, reason, actorOf(ctx.req));
  }
}
