/**
 * A provider that drifted from the contract, for verify's tests: it forwards to a real mock and then
 * breaks answers in the ways real servers drift.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';

export type Drift = (
  path: string,
  body: Record<string, unknown>,
) => { status?: number; type?: string; text?: string; body?: Record<string, unknown> } | undefined;

/** The five drifts verify must catch. */
export const DRIFTS: Record<string, Drift> = {
  // A renamed field: access_token → accessToken in the token data.
  renamedField: (path, body) => {
    if (path !== '/v1/channel/token') return undefined;
    const data = body['data'] as Record<string, unknown> | undefined;
    if (!data?.['access_token']) return undefined;
    const { access_token, ...rest } = data;
    return { body: { ...body, data: { ...rest, accessToken: access_token } } };
  },
  // A status sent as a string: meta.status "1".
  statusAsString: (path, body) =>
    path.startsWith('/datasyn/') && body['meta']
      ? {
          body: {
            ...body,
            meta: { ...(body['meta'] as object), status: String((body['meta'] as { status: number }).status) },
          },
        }
      : undefined,
  // An HTML 500 from a crashed upstream.
  html500: (path) =>
    path.startsWith('/user/openapi/')
      ? { status: 500, type: 'text/html', text: '<html><body><h1>500 Internal Server Error</h1></body></html>' }
      : undefined,
  // A missing envelope field: no `success`.
  missingEnvelopeField: (path, body) => {
    if (!path.startsWith('/wx/push/')) return undefined;
    const { success: _dropped, ...rest } = body;
    return { body: rest };
  },
  // An undocumented business code on deletes.
  undocumentedCode: (path) =>
    path.startsWith('/v1/abutment/syncDelete')
      ? { body: { status: 403, message: 'Forbidden', code: '49999' } }
      : undefined,
};

/** Reads the request, sends it on to `upstream` (same method, path, headers and body) and resolves with the answer. */
export function forward(
  upstream: string,
  req: IncomingMessage,
): Promise<{ status: number; contentType: string | null; text: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
      ) as Record<string, string>;
      fetch(upstream + req.url, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      })
        .then(async (up) =>
          resolve({ status: up.status, contentType: up.headers.get('content-type'), text: await up.text() }),
        )
        .catch(reject);
    });
  });
}

export async function driftServer(upstream: string, drifts: Drift[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    void forward(upstream, req).then(
      (up) => {
        const text = up.text;
        const path = (req.url ?? '').split('?')[0]!;
        let out: ReturnType<Drift> = undefined;
        try {
          const body = JSON.parse(text) as Record<string, unknown>;
          for (const d of drifts) out ??= d(path, body);
        } catch {
          /* not JSON: pass through */
        }
        res.statusCode = out?.status ?? up.status;
        res.setHeader('content-type', out?.type ?? up.contentType ?? 'application/json');
        res.end(out?.text ?? (out?.body ? JSON.stringify(out.body) : text));
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}
