import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../engine/auth/scopes.decorator';
import { ADMIN_PAGE_DIR, ADMIN_PAGE_HEADERS, adminAsset } from './admin-page-assets';

/**
 * The operators' page at /admin, its files under /admin/assets/ (a prefix of their own, so that the page
 * never shadows another route under /admin): static files only, no token needed to load them (the page
 * asks for one and sends it to /graphql itself). Bull Board at /admin/queues is mounted on express ahead
 * of Nest's routes.
 */
@ApiExcludeController()
@Public()
@Controller('admin')
export class AdminPageController {
  @Get()
  index(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get('assets/:asset')
  asset(@Param('asset') name: string, @Res() res: Response): void {
    this.send(res, name);
  }

  private send(res: Response, name: string): void {
    const file = adminAsset(name);
    if (!file) throw new NotFoundException(`no such file of the admin page: ${name}`);
    res.set(ADMIN_PAGE_HEADERS);
    // ETag and Last-Modified from send; no max-age: the files are not fingerprinted, so a browser
    // revalidates each time (a 304 when unchanged) and never runs an old console.js after an upgrade.
    res.sendFile(file, { root: ADMIN_PAGE_DIR, cacheControl: false, dotfiles: 'deny' });
  }
}
