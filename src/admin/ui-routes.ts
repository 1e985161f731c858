/** Serves the dashboard at /__mock/ui from files shipped in the package (no CDN, works offline). */
import express, { type Router } from 'express';
import { join } from 'node:path';
import { packageRoot } from '../contract/load-specs.js';

export function uiRoutes(router: Router): void {
  const dir = join(packageRoot(), 'src', 'admin', 'ui');
  router.get('/ui', (req, res, next) => {
    // /__mock/ui → /__mock/ui/ so relative asset URLs resolve.
    if (!req.originalUrl.split('?')[0]!.endsWith('/')) return res.redirect(301, '/__mock/ui/');
    next();
  });
  router.use('/ui', express.static(dir, { index: 'index.html', fallthrough: false, maxAge: 0 }));
}
