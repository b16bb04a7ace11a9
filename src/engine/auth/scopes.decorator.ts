import { SetMetadata } from '@nestjs/common';
import { TokenScope } from './api-token.entity';

export const SCOPES_KEY = 'ccat:scopes';

/** The scopes a route accepts (any one of them); `admin` implies every other scope. */
export const RequireScope = (...scopes: TokenScope[]) => SetMetadata(SCOPES_KEY, scopes);

export const PUBLIC_KEY = 'ccat:public';

/** Routes that need no token (health, API docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);
