/**
 * `GET /__mock/specs` and `GET /__mock/specs/{api}`: the OpenAPI documents the running mock serves,
 * `servers` pointing at the mock itself, so Prism, Schemathesis and client generators can be given its URL.
 */
import type { Request, Response } from 'express';
import type { Contract } from '../contract/compile-contract.js';
import { specListing, type HttpStatusMode } from '../contract/served-spec.js';
import type { ApiName } from '../contract/types.js';
import { problem, REFUSALS } from './problem.js';
import { SpecTexts } from './spec-text.js';
import type { AdminHandlers } from './mount-admin-routes.js';

/** The mock's own base URL as this client reached it (the Host header has passed the mock's host check). */
function baseUrl(req: Request): string {
  return `${req.protocol}://${req.get('host') ?? '127.0.0.1:4010'}`;
}

export function specRoutes(contract: Contract, mode: HttpStatusMode): AdminHandlers {
  const texts = new SpecTexts(mode);
  return { 'GET /specs': list, 'GET /specs/:api': one };

  function list(req: Request, res: Response): void {
    const base = baseUrl(req);
    res.json({
      httpStatus: mode,
      specs: specListing(contract).map((s) => ({ ...s, url: base + s.url, yaml: `${base}${s.url}?format=yaml` })),
    });
  }

  async function one(req: Request, res: Response): Promise<void> {
    const name = String(req.params['api']).replace(/\.(json|ya?ml)$/, '');
    const api = contract.apis.get(name as ApiName);
    if (!api)
      return problem(
        res,
        REFUSALS.unknownApi,
        `No served API is called "${name}"; served: ${[...contract.apis.keys()].join(', ')}. See GET /__mock/specs.`,
      );
    const format =
      typeof req.query['format'] === 'string'
        ? req.query['format']
        : /\.ya?ml$/.test(String(req.params['api']))
          ? 'yaml'
          : 'json';
    if (format !== 'json' && format !== 'yaml')
      return problem(res, REFUSALS.unknownFormat, `format must be json or yaml, got "${format}".`);
    const text = await texts.text(api, baseUrl(req), format);
    res.type(format === 'yaml' ? 'application/yaml; charset=utf-8' : 'application/json').send(text);
  }
}
