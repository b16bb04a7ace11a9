import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import type { CookieOptions, Request, Response } from 'express';
import { cookieValue } from '../../engine/http/cookies';
import { Environment } from '../../config/environment';
import { ADMIN_SESSION_COOKIE, AdminSessionService } from '../../engine/auth/admin-session.service';
import { TokenScope } from '../../engine/auth/api-token.entity';
import { ApiTokenService, Principal } from '../../engine/auth/api-token.service';
import { authorize } from '../../engine/auth/authorize';
import { clientOf } from '../../engine/auth/client-address';
import { principalOfRequest } from '../../engine/auth/request-principal';
import { Public } from '../../engine/auth/scopes.decorator';

class SignInDto {
  @IsString()
  @MaxLength(200)
  token!: string;
}

/**
 * /admin sign-in: `POST /admin/session {token}` exchanges a token (read or admin) for a server-side
 * session; the browser gets only its secret, in a cookie that script cannot read (HttpOnly), that other
 * sites' pages never send (SameSite=Strict), and, unless ADMIN_COOKIE_INSECURE, only over https. `GET`
 * says who is signed in; `DELETE` signs out. The token itself is never kept in the browser.
 */
@ApiExcludeController()
@Public()
@Controller('admin/session')
export class AdminSessionController {
  constructor(
    private readonly tokens: ApiTokenService,
    private readonly sessions: AdminSessionService,
    private readonly config: ConfigService<Environment, true>,
  ) {}

  @Post()
  @HttpCode(200)
  async signIn(@Body() body: SignInDto, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const principal = await authorize(this.tokens, body.token.trim(), [TokenScope.READ], clientOf(req));
    const { secret, maxAgeMs } = await this.sessions.start(principal);
    res.cookie(ADMIN_SESSION_COOKIE, secret, { ...this.cookieOptions(), maxAge: maxAgeMs });
    return who(principal);
  }

  @Get()
  async current(@Req() req: Request) {
    return who(await principalOfRequest(this.tokens, this.sessions, req, [TokenScope.READ]));
  }

  @Delete()
  @HttpCode(204)
  async signOut(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<void> {
    const secret = cookieValue(req.headers.cookie, ADMIN_SESSION_COOKIE);
    if (secret) await this.sessions.end(secret);
    res.clearCookie(ADMIN_SESSION_COOKIE, this.cookieOptions());
  }

  private cookieOptions(): CookieOptions {
    return {
      httpOnly: true,
      sameSite: 'strict',
      secure: !this.config.get('ADMIN_COOKIE_INSECURE', { infer: true }),
      path: '/',
    };
  }
}

const who = (p: Principal) => ({ name: p.name, scopes: p.scopes });
